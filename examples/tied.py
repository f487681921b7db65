"""Seed 000: tied weights 784-300-150: reconstructions.

Preset `tied-mnist`: Tied weights 784-300-150-300-784 (decoder = encoder transposed), ELU, L2
0.001, Adam 0.01, 5 epochs.
Run: python examples/tied.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("tied", __doc__)
