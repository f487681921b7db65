"""Seed 004 (the Keras blog): a deep autoencoder, 784-128-64-32-64-128-784, and its reconstructions.

Three dense relu layers down to 32 codes and back, a sigmoid output and binary cross-entropy,
trained with Keras 2's Adadelta on all 60,000 MNIST digits and validated on the 10,000 test digits.
The seed's Keras 2 log reports val BCE 0.0925 after 100 epochs (the original blog: about 0.097).

    python examples/keras_deep.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import dataclasses

import torch
from common import build_configs, finish, load, parse_args, reference

import aekit
from aekit import metrics
from aekit.report import plots

# seed 004's val_loss: BCE on the MNIST test set (the preset [reproduce] table)
REFERENCE = reference("keras-deep")


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    # hidden (128, 64, 32): the decoder mirrors it; Adadelta at Keras 2's lr 1.0, batch 128
    preset = aekit.load_preset("keras-deep")
    train = {**preset.train, "val_split": 0.0}  # all 60,000 train; the test set validates
    if quick:
        train["epochs"] = 3
    return build_configs(preset.model, train)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args("keras-deep", __doc__, argv)
    data = load(args)  # MNIST as (N, 1, 28, 28) in [0, 1]
    model_config, train_config = configs(args.quick)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    history = aekit.Trainer(model, train_config).fit(data.x_train, data.x_test)
    recon = metrics.reconstruct(model, data.x_test)
    errors = metrics.recon_errors(data.x_test, recon)
    figure = plots.image_rows([data.x_test[:10], recon[:10]], ["original", "reconstruction"],
                              args.out / "reconstructions.png", "784-128-64-32 on MNIST test")
    found = {"test_bce": errors["bce"], "test_mse": errors["mse"],
             "untrained_mse": untrained["mse"]}
    return finish(found, [figure], history, REFERENCE)


if __name__ == "__main__":
    main()
