"""Seed 004 (the Keras examples): a variational autoencoder with a 2-D code and its digit manifold.

Encoder 784 -> 256 (relu) -> mean and log-variance of a 2-D Gaussian; a code drawn from it by the
reparameterisation trick is decoded 2 -> 256 -> 784 (sigmoid). The loss per image is the summed
BCE (784 * mean BCE, as the example writes it) plus KL to N(0, I); Adam 1e-3, batch 128, 50 epochs.
Figures: the decoded grid of codes at the Gaussian's 5%..95% quantiles (the manifold), and the
test digits' mean codes coloured by label.

    python examples/keras_vae_2d.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import dataclasses

import torch
from common import build_configs, finish, load, parse_args

import aekit
from aekit import metrics, sampling
from aekit.report import plots


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    preset = aekit.load_preset("keras-vae-2d")  # arch "vae", latent "gaussian", hidden (256, 2)
    train = dict(preset.train)
    if quick:
        train["epochs"] = 3
    return build_configs(preset.model, train)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args("keras-vae-2d", __doc__, argv)
    data = load(args)  # MNIST as (N, 1, 28, 28) in [0, 1]
    model_config, train_config = configs(args.quick)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    history = aekit.Trainer(model, train_config).fit(data.x_train, data.x_test)
    errors = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    grid = sampling.latent_grid(model, 15)  # (225, 1, 28, 28): z2 down the rows, z1 along
    manifold = plots.image_grid(grid, 15, args.out / "manifold.png",
                                "decoded 2-D codes, quantiles 5%..95% of N(0, 1)")
    codes = metrics.encode(model, data.x_test)  # a VAE encodes to its posterior mean
    code_map = plots.code_map(codes, data.y_test, args.out / "map.png", "2-D codes of MNIST test")
    found = {"neg_elbo": float(metrics.neg_elbo_per_sample(model, data.x_test).mean()),
             "test_bce": errors["bce"], "test_mse": errors["mse"],
             "untrained_mse": untrained["mse"]}
    return finish(found, [manifold, code_map], history)


if __name__ == "__main__":
    main()
