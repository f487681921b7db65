"""Seed 000: variational AE as the seed lists it (sigma head): generated digits.

Preset `vae-mnist-sigma`: Seed 000's VAE as listed: a sigma head (KL with log(sigma^2 + 1e-10))
instead of log-variance; 784-500-500-20, ELU, He, BCE + KL, Adam 0.001.
Run: python examples/vae.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("vae", __doc__)
