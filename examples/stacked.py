"""Seed 000: stacked 784-300-150 AE: reconstructions.

Preset `stacked-mnist`: Stacked 784-300-150-300-784, He init, ELU, linear output, MSE + L2 0.001,
Adam 0.001, batch 150.
Run: python examples/stacked.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("stacked", __doc__)
