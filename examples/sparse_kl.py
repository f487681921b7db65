"""Seed 000: sparse AE, KL to 0.1: reconstructions.

Preset `sparse-kl`: Sparse 784-1000 sigmoid codings, KL to target 0.1 weight 0.2, sigmoid output,
BCE from logits, Adam 0.01, batch 1000, 100 epochs.
Run: python examples/sparse_kl.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("sparse-kl", __doc__)
