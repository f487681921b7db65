"""Seed 000: greedy layer-wise, frozen layers cached.

Preset `stacked-mnist`: Stacked 784-300-150-300-784, He init, ELU, linear output, MSE + L2 0.001,
Adam 0.001, batch 150. The seed's changes to it: model {'l2': 0.0005}, training {'greedy':
'cached', 'lr': 0.01, 'greedy_epochs': 4, 'fine_tune_epochs': 0}.
Run: python examples/greedy_cached.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("greedy-cached", __doc__)
