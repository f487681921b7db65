"""Seed 000 (Géron, ch. 15): a linear autoencoder on 3-D data performs PCA: its 2-D projection.

200 points near a plane in 3-D (the seed's generator: 100 train, 100 test), standardised. One linear
layer 3 -> 2 and one 2 -> 3, no activation, MSE, Adam 0.01 for 1000 full-batch steps. A linear
autoencoder trained on MSE spans the same plane as PCA with 2 components, so its test MSE should
match PCA's; the figure is the test points' 2-D codes, as the seed draws them.

    python examples/linear_3d.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import dataclasses

import torch
from common import build_configs, finish, load, parse_args

import aekit
from aekit import metrics
from aekit.report import plots


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    preset = aekit.load_preset("pca-3d")  # arch "linear", hidden (2,), output "none"
    train = dict(preset.train)  # batch 100 = all training points: one step per epoch
    if quick:
        train.update(epochs=60, batch_size=10)  # smaller batches: 600 steps in 60 epochs
    return build_configs(preset.model, train)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args("linear-3d", __doc__, argv)
    data = load(args, "synthetic-3d")  # (100, 3) each, standardised with the train statistics
    model_config, train_config = configs(args.quick)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    history = aekit.Trainer(model, train_config).fit(data.x_train, data.x_test)
    codes = metrics.encode(model, data.x_test)  # (100, 2)
    figure = plots.projection(codes, args.out / "projection.png", "2-D codes of the test points")
    found = {"test_mse": metrics.recon_errors(data.x_test,
                                              metrics.reconstruct(model, data.x_test))["mse"],
             "pca_mse": metrics.pca_mse(data.x_train, data.x_test, 2),  # sklearn's PCA
             "untrained_mse": untrained["mse"]}
    return finish(found, [figure], history)


if __name__ == "__main__":
    main()
