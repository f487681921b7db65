"""Seed 000 (Géron, ch. 15): a variational autoencoder with a log-variance head: generated digits.

As the seed's VAE (784-500-500-20, ELU, He, sigmoid output, summed BCE + KL, Adam 0.001, batch
150, 50 epochs), but the encoder emits log(sigma^2), the variant the book gives after its
listing (sigmas of different scales are easier to learn). Figures: 60 digits decoded from
N(0, I) draws, and test digits above their reconstructions.

    python examples/vae_logvar.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import dataclasses

import torch
from common import build_configs, finish, load, parse_args

import aekit
from aekit import metrics
from aekit.report import plots
from aekit.tasks import generate


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    preset = aekit.load_preset("vae-mnist")  # arch "vae", latent "gaussian"
    train = dict(preset.train)
    if quick:
        train["epochs"] = 3
    return build_configs(preset.model, train)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args("vae-logvar", __doc__, argv)
    data = load(args)  # MNIST as (N, 1, 28, 28) in [0, 1]
    model_config, train_config = configs(args.quick)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    history = aekit.Trainer(model, train_config).fit(data.x_train, data.x_test)
    digits = generate.sample(model, 60, seed=0)  # decoded N(0, I) draws, (60, 1, 28, 28)
    samples = plots.image_grid(digits, 10, args.out / "samples.png", "60 digits from N(0, I)")
    recon = metrics.reconstruct(model, data.x_test)  # eval mode decodes the posterior mean
    rows = plots.image_rows([data.x_test[:10], recon[:10]], ["original", "reconstruction"],
                            args.out / "reconstructions.png", "vae-mnist on MNIST test")
    errors = metrics.recon_errors(data.x_test, recon)
    found = {"neg_elbo": float(metrics.neg_elbo_per_sample(model, data.x_test).mean()),  # nats
             "test_bce": errors["bce"], "test_mse": errors["mse"],
             "untrained_mse": untrained["mse"]}
    return finish(found, [samples, rows], history)


if __name__ == "__main__":
    main()
