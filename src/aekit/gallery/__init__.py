"""The seed gallery: every seed system reproduced through its preset (`reproduce`), the figures
each seed drew (`figures`), and a `--quick` run shown beside the full one (`quick`)."""
