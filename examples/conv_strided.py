"""Seed 001: strided conv AE 16-32-64-128: reconstructions.

Preset `conv-strided`: 4 stride-2 convs 16-32-64-128 + 4 transposed convs, leaky ReLU, tanh output
on [-1, 1] inputs, MSE, Adam 1e-3.
Run: python examples/conv_strided.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("conv-strided", __doc__)
