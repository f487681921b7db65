"""Seed 004 (the Keras blog): a convolutional autoencoder and its reconstructions.

Encoder: three 3x3 relu convolutions (16, 8, 8 channels), each followed by 2x2 max-pooling, down to
an 8 x 4 x 4 code; decoder: convolutions with 2x upsampling back to 28 x 28, a sigmoid output and
binary cross-entropy. Trained with Keras 2's Adadelta on all 60,000 MNIST digits, validated on the
test digits; the seed's Keras 2 log reports val BCE 0.0984 after 50 epochs (the blog: about 0.094).

    python examples/keras_conv.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import dataclasses

import torch
from common import build_configs, finish, load, parse_args, reference

import aekit
from aekit import metrics
from aekit.report import plots

# seed 004's val_loss: BCE on the MNIST test set (the preset [reproduce] table)
REFERENCE = reference("keras-conv")


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    # arch "conv", conv_mode "pool", channels (16, 8, 8), no dense layers (hidden empty)
    preset = aekit.load_preset("keras-conv")
    train = {**preset.train, "val_split": 0.0}  # all 60,000 train; the test set validates
    if quick:
        train["epochs"] = 1  # a conv epoch costs several dense ones
    return build_configs(preset.model, train)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args("keras-conv", __doc__, argv)
    data = load(args)  # MNIST as (N, 1, 28, 28) in [0, 1]
    model_config, train_config = configs(args.quick)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    history = aekit.Trainer(model, train_config).fit(data.x_train, data.x_test)
    recon = metrics.reconstruct(model, data.x_test)
    errors = metrics.recon_errors(data.x_test, recon)
    figure = plots.image_rows([data.x_test[:10], recon[:10]], ["original", "reconstruction"],
                              args.out / "reconstructions.png", "conv 16-8-8 on MNIST test")
    found = {"test_bce": errors["bce"], "test_mse": errors["mse"],
             "untrained_mse": untrained["mse"], "code_size": model.code_size}
    return finish(found, [figure], history, REFERENCE)


if __name__ == "__main__":
    main()
