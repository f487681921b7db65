"""Seed 004: Keras sparse 784-32, L1 activity 1e-4.

Preset `keras-sparse-l1`: Keras blog's sparse AE 784-32 relu, L1 activity 10e-5 (= 1e-4 as
written), sigmoid output, BCE, Adadelta lr 1.0, batch 128, 100 epochs. The seed's changes to it:
model {}, training {'val_split': 0.0}.
Run: python examples/keras_sparse_l1.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("keras-sparse-l1", __doc__)
