"""Seed 003: 784-128-64-10-2 AE: 2-D code cluster map.

Preset `mnist-2d`: Seed 003's 784-128-64-10-2 sigmoid encoder with a linear 2-D code (for `aekit
map`), MSE, RMSProp 0.01, batch 256, 10 epochs.
Run: python examples/code_map_2d.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("code-map-2d", __doc__)
