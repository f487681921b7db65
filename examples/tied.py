"""Seed 000 (Géron, ch. 15): tied weights, 784-300-150-300-784, and its reconstructions.

The decoder reuses the encoder's weight matrices transposed (only its biases are its own), which
halves the weights and regularises; ELU, He initialisation, linear output, MSE + L2 0.001, Adam
0.01, batch 150, 5 epochs. The seed states no number.

    python examples/tied.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import dataclasses

import torch
from common import build_configs, finish, load, parse_args

import aekit
from aekit import metrics
from aekit.report import plots


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    preset = aekit.load_preset("tied-mnist")  # arch "tied", hidden (300, 150)
    train = dict(preset.train)
    if quick:
        train["epochs"] = 3
    return build_configs(preset.model, train)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args("tied", __doc__, argv)
    data = load(args)  # MNIST as (N, 1, 28, 28) in [0, 1]
    model_config, train_config = configs(args.quick)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    history = aekit.Trainer(model, train_config).fit(data.x_train, data.x_test)
    recon = metrics.reconstruct(model, data.x_test)
    figure = plots.image_rows([data.x_test[:10], recon[:10]], ["original", "reconstruction"],
                              args.out / "reconstructions.png", "tied 784-300-150 on MNIST test")
    found = {"test_mse": metrics.recon_errors(data.x_test, recon)["mse"],
             "untrained_mse": untrained["mse"],
             "weights": sum(p.numel() for p in model.parameters())}  # ~half an untied stack's
    return finish(found, [figure], history)


if __name__ == "__main__":
    main()
