"""Seed 001: a strided convolutional autoencoder, 16-32-64-128 channels, and its reconstructions.

Four 3x3 convolutions of stride 2 (28 -> 14 -> 7 -> 4 -> 2 pixels, 16, 32, 64, 128 channels) with
leaky ReLU, mirrored by four transposed convolutions, and a tanh output; the images are therefore
scaled to [-1, 1], not [0, 1]. MSE, Adam 1e-3, batch 128, 10 epochs. The seed states no number; it
shows test digits above their reconstructions.

    python examples/conv_strided.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import dataclasses

import torch
from common import build_configs, finish, load, parse_args

import aekit
from aekit import metrics
from aekit.report import plots


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    preset = aekit.load_preset("conv-strided")  # conv_mode "stride", output "tanh"
    train = dict(preset.train)
    if quick:
        train["epochs"] = 1  # a conv epoch costs several dense ones
    return build_configs(preset.model, train)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args("conv-strided", __doc__, argv)
    data = load(args, scaling="symmetric")  # MNIST in [-1, 1]: what tanh can reach
    model_config, train_config = configs(args.quick)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    history = aekit.Trainer(model, train_config).fit(data.x_train, data.x_test)
    recon = metrics.reconstruct(model, data.x_test)
    shown = [data.unit(x[:10]) for x in (data.x_test, recon)]  # back to [0, 1] to draw
    figure = plots.image_rows(shown, ["original", "reconstruction"],
                              args.out / "reconstructions.png", "strided conv on MNIST test")
    found = {"test_mse": metrics.recon_errors(data.x_test, recon)["mse"],  # in [-1, 1] units
             "untrained_mse": untrained["mse"], "code_size": model.code_size}
    return finish(found, [figure], history)


if __name__ == "__main__":
    main()
