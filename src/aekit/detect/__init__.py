"""Anomaly detection: the detector (`detector`), its default kinds for tables (`ensemble`) and
images (`image`), code-space neighbour scores (`neighbours`), and detection with or without a
trained run (`runs`, `inputs`)."""
