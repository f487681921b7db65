"""Seed 002: conv denoising AE, Fashion-MNIST (MNIST when absent): noisy / cleaned rows.

Preset `conv-denoise`: Keras blog's conv denoising AE: conv 32-32 + max-pool, upsampling,
relu/sigmoid, BCE, Adadelta; input noise gaussian 0.5 clipped to [0, 1]. The seed's changes to it:
model {'loss': 'mse'}, training {'optimizer': 'adam', 'lr': 0.001}.
Run: python examples/conv_denoise_fashion.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("conv-denoise-fashion", __doc__)
