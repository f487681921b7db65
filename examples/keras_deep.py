"""Seed 004: Keras deep 784-128-64-32: reconstructions.

Preset `keras-deep`: Keras blog's deep AE 784-128-64-32, relu/sigmoid, BCE, Adadelta lr 1.0, batch
128 (seed: 0.0925 @ 100). The seed's changes to it: model {}, training {'val_split': 0.0}. The
seed reports test_bce 0.0925 after 100 epochs (seed 004's Keras 2 log (batch 128, Adadelta lr 1.0,
validation = MNIST test set)).
Run: python examples/keras_deep.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("keras-deep", __doc__)
