"""Seed 000 (Géron, ch. 15): denoising autoencoder, input dropout 0.3: noisy, cleaned, clean rows.

Each input pixel is dropped with probability 0.3 as in the seed's code (the rest scaled by
1/0.7, as tf.dropout does; noise "dropout:0.5" for 0.5); the clean digits are the target.
784-300-150-300-784 relu, Xavier init, linear output, MSE, Adam 0.01, batch 150, 10 epochs. The
seed states no number. Most of every stroke survives the dropping, so noisy_mse is small already
and a short run's cleaned rows need not beat it.

    python examples/denoise_dropout.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import dataclasses

import torch
from common import build_configs, finish, load, parse_args

import aekit
from aekit import metrics
from aekit.report import plots
from aekit.tasks.denoise import denoise


def configs(quick: bool, name: str = "denoise-dropout"
            ) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    # model noise ("dropout:0.3" here): part of the model, drawn afresh every batch in training
    # mode and off in eval mode, so evaluation sees the inputs as given
    preset = aekit.load_preset(name)
    train = dict(preset.train)
    if quick:
        train["epochs"] = 3
    return build_configs(preset.model, train)


def main(argv: list[str] | None = None, name: str = "denoise-dropout", doc: str = __doc__
         ) -> dict:
    args = parse_args(name, doc, argv)
    data = load(args)  # MNIST as (N, 1, 28, 28) in [0, 1]
    model_config, train_config = configs(args.quick, name)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    history = aekit.Trainer(model, train_config).fit(data.x_train, data.x_test)
    # the training corruption, drawn from a seeded generator so it repeats; then cleaned
    noisy, cleaned = denoise(model, data.x_test, model_config.noise, seed=0)
    figure = plots.image_rows([noisy[:10], cleaned[:10], data.x_test[:10]],
                              ["noisy", "cleaned", "original"], args.out / "denoise.png",
                              f"{model_config.noise} on MNIST test")
    clean_in = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    found = {"noisy_mse": metrics.recon_errors(data.x_test, noisy)["mse"],
             "cleaned_mse": metrics.recon_errors(data.x_test, cleaned)["mse"],
             "test_mse": clean_in["mse"], "untrained_mse": untrained["mse"]}
    return finish(found, [figure], history)


if __name__ == "__main__":
    main()
