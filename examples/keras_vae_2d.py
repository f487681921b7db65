"""Seed 004: Keras VAE 784-256-2: 2-D digit manifold.

Preset `keras-vae-2d`: Keras example VAE 784-256-2 (2-D Gaussian code for the manifold figure),
relu, sigmoid output, 784 * BCE + KL, Adam, batch 128, 50 epochs.
Run: python examples/keras_vae_2d.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("keras-vae-2d", __doc__)
