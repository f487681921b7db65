"""Seed 000 (Géron, ch. 15): a stacked autoencoder, 784-300-150-300-784, and its reconstructions.

Dense ELU layers with He initialisation, a linear output and MSE plus an L2 penalty of 0.001 on the
weights (TF1's l2_regularizer: 0.001 * sum(W^2) / 2), Adam 0.001, batch 150. The seed states no
number; compare the test MSE with the untrained model's and with PCA at 150 components.

    python examples/stacked.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import dataclasses

import torch
from common import build_configs, finish, load, parse_args

import aekit
from aekit import metrics
from aekit.report import plots


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    preset = aekit.load_preset("stacked-mnist")  # hidden (300, 150): the decoder mirrors it
    train = dict(preset.train)
    if quick:
        train["epochs"] = 3
    return build_configs(preset.model, train)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args("stacked", __doc__, argv)
    data = load(args)  # MNIST as (N, 1, 28, 28) in [0, 1]
    model_config, train_config = configs(args.quick)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    history = aekit.Trainer(model, train_config).fit(data.x_train, data.x_test)
    recon = metrics.reconstruct(model, data.x_test)  # linear output: may leave [0, 1]
    figure = plots.image_rows([data.x_test[:10], recon[:10]], ["original", "reconstruction"],
                              args.out / "reconstructions.png", "784-300-150 on MNIST test")
    found = {"test_mse": metrics.recon_errors(data.x_test, recon)["mse"],
             "untrained_mse": untrained["mse"],
             "pca_mse": metrics.pca_mse(data.x_train, data.x_test, model.code_size)}
    return finish(found, [figure], history)


if __name__ == "__main__":
    main()
