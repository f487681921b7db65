"""Seed 004: Keras simple 784-32: reconstructions.

Preset `keras-simple`: Keras blog's simplest AE 784-32-784, relu/sigmoid, BCE, Adadelta lr 1.0,
batch 128 (seed: val BCE 0.1020 @ 25). The seed's changes to it: model {}, training {'val_split':
0.0}. The seed reports test_bce 0.102 after 25 epochs (seed 004's Keras 2 log (batch 128, Adadelta
lr 1.0, validation = MNIST test set)).
Run: python examples/keras_simple.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("keras-simple", __doc__)
