"""Seed 000 (Géron, ch. 15): a variational autoencoder as the seed lists it: generated digits.

The encoder (784-500-500, ELU, He) outputs a mean and a sigma head for a 20-D Gaussian code, as
the seed's listing does (its KL uses log(sigma^2 + 1e-10)); a code drawn by the
reparameterisation trick is decoded 20-500-500-784 (sigmoid). Loss per image: summed BCE plus KL to
N(0, I); Adam 0.001, batch 150, 50 epochs. Figures: 60 digits decoded from N(0, I) draws, and
test digits above their reconstructions.

    python examples/vae.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import dataclasses

import torch
from common import build_configs, finish, load, parse_args

import aekit
from aekit import metrics, sampling
from aekit.report import plots


def configs(quick: bool, preset_name: str = "vae-mnist-sigma"
            ) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    preset = aekit.load_preset(preset_name)  # arch "vae", latent "gaussian-sigma" here
    train = dict(preset.train)
    if quick:
        train["epochs"] = 3
    return build_configs(preset.model, train)


def main(argv: list[str] | None = None, name: str = "vae",
         preset_name: str = "vae-mnist-sigma", doc: str = __doc__) -> dict:
    args = parse_args(name, doc, argv)
    data = load(args)  # MNIST as (N, 1, 28, 28) in [0, 1]
    model_config, train_config = configs(args.quick, preset_name)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    history = aekit.Trainer(model, train_config).fit(data.x_train, data.x_test)
    digits = sampling.sample(model, 60, seed=0)  # decoded N(0, I) draws, (60, 1, 28, 28)
    samples = plots.image_grid(digits, 10, args.out / "samples.png", "60 digits from N(0, I)")
    recon = metrics.reconstruct(model, data.x_test)  # eval mode decodes the posterior mean
    rows = plots.image_rows([data.x_test[:10], recon[:10]], ["original", "reconstruction"],
                            args.out / "reconstructions.png", f"{preset_name} on MNIST test")
    errors = metrics.recon_errors(data.x_test, recon)
    found = {"neg_elbo": float(metrics.neg_elbo_per_sample(model, data.x_test).mean()),  # nats
             "test_bce": errors["bce"], "test_mse": errors["mse"],
             "untrained_mse": untrained["mse"]}
    return finish(found, [samples, rows], history)


if __name__ == "__main__":
    main()
