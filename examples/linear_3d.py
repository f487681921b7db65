"""Seed 000: linear AE on 3-D data: 2-D projection.

Preset `pca-3d`: Linear 3->2 autoencoder on the seed's 3-D data: learns PCA's plane (Adam 0.01,
full batch, 1000 steps).
Run: python examples/linear_3d.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("linear-3d", __doc__)
