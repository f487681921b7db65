"""Seed 000: denoising AE, input dropout 0.3.

Preset `denoise-dropout`: Denoising 784-300-150-300-784 relu, input dropout 0.3 as in the seed
(the issue quotes 0.5: --noise dropout:0.5), linear output, MSE, Adam 0.01, batch 150, 10 epochs.
Run: python examples/denoise_dropout.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("denoise-dropout", __doc__)
