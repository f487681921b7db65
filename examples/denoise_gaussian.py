"""Seed 000 (Géron, ch. 15): denoising autoencoder, Gaussian noise 1.0: noisy, cleaned, clean rows.

Digits with N(0, 1) noise added go in (noise as strong as the pixels themselves); the clean
digits are the target. 784-300-150-300-784 relu, Xavier init, linear output, MSE, Adam 0.01, batch
150, 10 epochs. The seed states no number; the cleaned rows should be closer to the originals
than the noisy ones (cleaned_mse < noisy_mse).

    python examples/denoise_gaussian.py --data-dir ../shared/data [--quick] [--out DIR]

The code is denoise_dropout.py's, with the preset set to "denoise-gaussian".
"""

import denoise_dropout

import aekit


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    return denoise_dropout.configs(quick, "denoise-gaussian")


def main(argv: list[str] | None = None) -> dict:
    return denoise_dropout.main(argv, "denoise-gaussian", __doc__)


if __name__ == "__main__":
    main()
