"""Seed 004: Keras conv 16-8-8: reconstructions.

Preset `keras-conv`: Keras blog's conv AE: conv 16-8-8 + max-pool, upsampling, relu/sigmoid, BCE,
Adadelta lr 1.0, batch 128 (blog: 0.094 @ 50). The seed's changes to it: model {}, training
{'val_split': 0.0}. The seed reports test_bce 0.0984 after 50 epochs (seed 004's Keras 2 log
(batch 128, Adadelta lr 1.0, validation = MNIST test set)).
Run: python examples/keras_conv.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("keras-conv", __doc__)
