"""Seed 000: feature visualisation: first-layer weights.

Preset `stacked-mnist`: Stacked 784-300-150-300-784, He init, ELU, linear output, MSE + L2 0.001,
Adam 0.001, batch 150.
Run: python examples/features.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("features", __doc__)
