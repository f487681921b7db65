"""Seed 000 (Géron, ch. 15): feature visualisation: what the first layer's units look for.

Train the stacked 784-300-150 autoencoder (ELU, He, linear output, MSE + L2 0.001, Adam 0.001),
then draw each of the first 30 hidden units' 784 incoming weights as a 28 x 28 image, min-max
scaled per unit, as the seed does: trained units show strokes and blobs, untrained ones noise.

    python examples/features.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import dataclasses

import torch
from common import build_configs, finish, load, parse_args

import aekit
from aekit import metrics
from aekit.report import features


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    preset = aekit.load_preset("stacked-mnist")  # hidden (300, 150)
    train = dict(preset.train)
    if quick:
        train["epochs"] = 3
    return build_configs(preset.model, train)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args("features", __doc__, argv)
    data = load(args)  # MNIST as (N, 1, 28, 28) in [0, 1]
    model_config, train_config = configs(args.quick)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    history = aekit.Trainer(model, train_config).fit(data.x_train, data.x_test)
    # the encoder's first nn.Linear: weight (300, 784), one row per unit
    figure = features.weight_grid(model, args.out / "features.png", units=30)
    # and the 10 training digits that drive unit 0 hardest
    top = features.top_inputs(model, data.x_train, 0, args.out / "unit_0_top.png")
    found = {"test_mse": metrics.recon_errors(data.x_test,
                                              metrics.reconstruct(model, data.x_test))["mse"],
             "untrained_mse": untrained["mse"]}
    return finish(found, [figure, top], history)


if __name__ == "__main__":
    main()
