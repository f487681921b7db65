"""Seed 004: Keras conv denoising 32-32.

Preset `conv-denoise`: Keras blog's conv denoising AE: conv 32-32 + max-pool, upsampling,
relu/sigmoid, BCE, Adadelta; input noise gaussian 0.5 clipped to [0, 1]. The seed's changes to it:
model {}, training {'val_split': 0.0}. The seed reports test_bce 0.0941 after 100 epochs (seed
004's Keras 2 log (batch 128, Adadelta lr 1.0, validation = MNIST test set)).
Run: python examples/keras_conv_denoise.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("keras-conv-denoise", __doc__)
