"""Seed 004 (the Keras blog): the simplest autoencoder, 784 -> 32 -> 784, and its reconstructions.

One dense relu layer of 32 codes, a sigmoid output and binary cross-entropy, trained with Keras 2's
Adadelta on all 60,000 MNIST digits and validated on the 10,000 test digits. The seed's Keras 2 log
reports val BCE 0.1020 after 25 epochs (the original blog: about 0.11).

    python examples/keras_simple.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import dataclasses

import torch
from common import build_configs, finish, load, parse_args, reference

import aekit
from aekit import metrics
from aekit.report import plots

# seed 004's val_loss: BCE on the MNIST test set (the preset [reproduce] table)
REFERENCE = reference("keras-simple")


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    # the preset carries the seed's real settings: Adadelta at Keras 2's lr 1.0 (Keras 3's
    # default 0.001 does not train: val BCE 0.689), batch 128, 25 epochs
    preset = aekit.load_preset("keras-simple")
    train = {**preset.train, "val_split": 0.0}  # all 60,000 train; the test set validates
    if quick:
        train["epochs"] = 3
    return build_configs(preset.model, train)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args("keras-simple", __doc__, argv)
    data = load(args)  # MNIST as (N, 1, 28, 28) in [0, 1]
    model_config, train_config = configs(args.quick)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    history = aekit.Trainer(model, train_config).fit(data.x_train, data.x_test)
    recon = metrics.reconstruct(model, data.x_test)  # eval mode, in batches
    errors = metrics.recon_errors(data.x_test, recon)
    figure = plots.image_rows([data.x_test[:10], recon[:10]], ["original", "reconstruction"],
                              args.out / "reconstructions.png", "784-32-784 on MNIST test digits")
    found = {"test_bce": errors["bce"], "test_mse": errors["mse"],
             "untrained_mse": untrained["mse"]}
    return finish(found, [figure], history, REFERENCE)


if __name__ == "__main__":
    main()
