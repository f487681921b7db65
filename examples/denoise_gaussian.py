"""Seed 000: denoising AE, Gaussian noise 1.0.

Preset `denoise-gaussian`: Denoising 784-300-150-300-784 relu, Gaussian noise 1.0 on the input,
linear output, MSE, Adam 0.01, batch 150, 10 epochs.
Run: python examples/denoise_gaussian.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("denoise-gaussian", __doc__)
