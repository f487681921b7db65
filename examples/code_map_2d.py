"""Seed 003 (a TensorFlow tutorial): a 2-D code, 784-128-64-10-2, and its cluster map.

Sigmoid layers 784-128-64-10 down to a linear 2-D code (so codes can spread over the plane) and
back up to a sigmoid output; MSE, RMSProp 0.01, batch 256, 10 epochs. Figure: the test digits'
codes coloured by label, as the seed's scatter plot. `nn1_accuracy` (the 1-nearest-neighbour
label of each test code among 5,000 training codes) says how well the plane keeps digits apart.

    python examples/code_map_2d.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import dataclasses

import torch
from common import build_configs, finish, load, parse_args

import aekit
from aekit import metrics
from aekit.report import plots


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    preset = aekit.load_preset("mnist-2d")  # hidden (128, 64, 10, 2), code_activation "none"
    train = dict(preset.train)
    if quick:
        train["epochs"] = 3
    return build_configs(preset.model, train)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args("code-map-2d", __doc__, argv)
    data = load(args)  # MNIST as (N, 1, 28, 28) in [0, 1], with labels for the map
    model_config, train_config = configs(args.quick)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    history = aekit.Trainer(model, train_config).fit(data.x_train, data.x_test)  # no labels
    codes = metrics.encode(model, data.x_test)  # (N, 2)
    figure = plots.code_map(codes, data.y_test, args.out / "map.png", "2-D codes of MNIST test")
    train_codes = metrics.encode(model, data.x_train[:5000])
    found = {"nn1_accuracy": metrics.nn1_accuracy(train_codes, data.y_train[:5000], codes,
                                                  data.y_test),
             "test_mse": metrics.recon_errors(data.x_test,
                                              metrics.reconstruct(model, data.x_test))["mse"],
             "untrained_mse": untrained["mse"]}
    return finish(found, [figure], history)


if __name__ == "__main__":
    main()
