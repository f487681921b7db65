"""Seed 003: sigmoid 784-256-128 AE: reconstructions.

Preset `mnist-256-128`: Sigmoid 784-256-128 AE, MSE, RMSProp 0.01 (seed 003's TensorFlow
tutorial).
Run: python examples/mnist_256_128.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("mnist-256-128", __doc__)
