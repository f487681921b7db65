"""Seed 000: variational AE, log-variance head: generated digits.

Preset `vae-mnist`: Variational AE 784-500-500-20 (mean and log-variance heads), ELU, He init,
sigmoid output, BCE from logits summed per image + KL, Adam 0.001, batch 150.
Run: python examples/vae_logvar.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("vae-logvar", __doc__)
