"""Seed 004 (the Keras blog): a convolutional denoising autoencoder: noisy, cleaned, clean rows.

Digits with N(0, 0.5^2) noise added and clipped to [0, 1] go in; the clean digits are the target.
Encoder: two 3x3 relu convolutions of 32 channels with 2x2 max-pooling; decoder: convolutions with
upsampling, a sigmoid output and binary cross-entropy; Keras 2's Adadelta, batch 128, 100 epochs.
The seed's Keras 2 log reports val BCE 0.0941 after 100 epochs: of the cleaned noisy test digits
against the clean ones (the blog: about 0.10).

    python examples/keras_conv_denoise.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import dataclasses

import torch
from common import build_configs, finish, load, parse_args, reference

import aekit
from aekit import metrics
from aekit.report import plots
from aekit.tasks.denoise import denoise

# seed 004's val_loss: noisy test in, clean target (the preset [reproduce] table)
REFERENCE = reference("keras-conv-denoise")


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    # model noise "gaussian:0.5+clip": the corruption is part of the model, drawn afresh every
    # batch in training mode and off in eval mode
    preset = aekit.load_preset("conv-denoise")
    train = {**preset.train, "val_split": 0.0}  # all 60,000 train; the test set validates
    if quick:
        train["epochs"] = 4
    return build_configs(preset.model, train)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args("keras-conv-denoise", __doc__, argv)
    data = load(args)  # MNIST as (N, 1, 28, 28) in [0, 1]
    model_config, train_config = configs(args.quick)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    history = aekit.Trainer(model, train_config).fit(data.x_train, data.x_test)
    # the training corruption, drawn from a seeded generator so it repeats; then cleaned
    noisy, cleaned = denoise(model, data.x_test, model_config.noise, seed=0)
    errors = metrics.recon_errors(data.x_test, cleaned)  # cleaned noisy digits vs the clean
    clean_in = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    figure = plots.image_rows([noisy[:10], cleaned[:10], data.x_test[:10]],
                              ["noisy", "cleaned", "original"], args.out / "denoise.png",
                              f"{model_config.noise} on MNIST test")
    found = {"cleaned_bce": errors["bce"], "cleaned_mse": errors["mse"],
             "noisy_mse": metrics.recon_errors(data.x_test, noisy)["mse"],
             "test_mse": clean_in["mse"], "untrained_mse": untrained["mse"]}
    return finish(found, [figure], history, REFERENCE)


if __name__ == "__main__":
    main()
