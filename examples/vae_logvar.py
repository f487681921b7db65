"""Seed 000 (Géron, ch. 15): a variational autoencoder with a log-variance head: generated digits.

As the seed's VAE (784-500-500-20, ELU, He, sigmoid output, summed BCE + KL, Adam 0.001, batch
150, 50 epochs), but the encoder emits log(sigma^2), the variant the book gives after its
listing (sigmas of different scales are easier to learn). Figures: 60 digits decoded from
N(0, I) draws, and test digits above their reconstructions.

    python examples/vae_logvar.py --data-dir ../shared/data [--quick] [--out DIR]

The code is vae.py's, with the preset set to "vae-mnist" (latent "gaussian").
"""

import vae

import aekit


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    return vae.configs(quick, "vae-mnist")


def main(argv: list[str] | None = None) -> dict:
    return vae.main(argv, "vae-logvar", "vae-mnist", __doc__)


if __name__ == "__main__":
    main()
