"""Seed 004 (the Keras blog): a sequence-to-sequence LSTM autoencoder, on UCR GunPoint series.

An LSTM reads each series (150 steps) into a code, the code is repeated over time (Keras'
RepeatVector) and an LSTM writes the series back. The blog gives only the sketch, so the preset
picks: LSTM 64 -> code 8, MSE on standardised series, Adam 3e-3, batch 10, 600 epochs (fewer do
not beat PCA with 8 components). Figure: test series with their reconstructions drawn over them.

    python examples/keras_lstm.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import dataclasses

import torch
from common import build_configs, finish, load, parse_args

import aekit
from aekit import metrics
from aekit.report import plots


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    preset = aekit.load_preset("keras-lstm")  # arch "lstm", hidden (64, 8)
    train = dict(preset.train)
    if quick:
        train["epochs"] = 20  # 50 training series: an epoch is 5 steps
    return build_configs(preset.model, train)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args("keras-lstm", __doc__, argv)
    # 50 + 150 series of 150 steps, (N, 150, 1), standardised with the training statistics
    data = load(args, "timeseries/GunPoint_TRAIN.ts", "timeseries/GunPoint_TEST.ts")
    model_config, train_config = configs(args.quick)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    history = aekit.Trainer(model, train_config).fit(data.x_train, data.x_test)
    recon = metrics.reconstruct(model, data.x_test)
    figure = plots.series_pairs(data.x_test[:4], recon[:4], args.out / "series.png",
                                "GunPoint test series (standardised) and reconstructions")
    found = {"test_mse": metrics.recon_errors(data.x_test, recon)["mse"],
             "untrained_mse": untrained["mse"],
             # the linear baseline with as many components as the code has
             "pca_mse": metrics.pca_mse(data.x_train, data.x_test, model.code_size)}
    return finish(found, [figure], history)


if __name__ == "__main__":
    main()
