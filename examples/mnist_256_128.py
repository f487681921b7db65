"""Seed 003 (a TensorFlow tutorial): a sigmoid autoencoder, 784-256-128, and its reconstructions.

Two dense sigmoid layers down to 128 codes and two back up, Xavier init, sigmoid output, MSE,
RMSProp 0.01, batch 256, 10 epochs, as the tutorial writes them. The seed states no number; it
shows test digits above their reconstructions.

    python examples/mnist_256_128.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import dataclasses

import torch
from common import build_configs, finish, load, parse_args

import aekit
from aekit import metrics
from aekit.report import plots


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    preset = aekit.load_preset("mnist-256-128")  # hidden (256, 128), activation "sigmoid"
    train = dict(preset.train)
    if quick:
        train["epochs"] = 3
    return build_configs(preset.model, train)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args("mnist-256-128", __doc__, argv)
    data = load(args)  # MNIST as (N, 1, 28, 28) in [0, 1]
    model_config, train_config = configs(args.quick)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    history = aekit.Trainer(model, train_config).fit(data.x_train, data.x_test)
    recon = metrics.reconstruct(model, data.x_test)
    errors = metrics.recon_errors(data.x_test, recon)
    figure = plots.image_rows([data.x_test[:10], recon[:10]], ["original", "reconstruction"],
                              args.out / "reconstructions.png", "784-256-128 on MNIST test")
    found = {"test_mse": errors["mse"], "test_bce": errors["bce"],
             "untrained_mse": untrained["mse"]}
    return finish(found, [figure], history)


if __name__ == "__main__":
    main()
