"""Seed 000 (Géron, ch. 15): a sparse autoencoder, 784-1000 sigmoid codes pulled to 10% activity.

1000 sigmoid codes (more than the 784 inputs), kept sparse by a penalty: 0.2 * the sum over units
of KL(0.1 || the unit's mean activation over the batch), so each unit fires ~10% of the time.
Sigmoid output, BCE, Adam 0.01, batch 1000, 100 epochs. The seed states no number; `mean_code`
shows how close the codes' mean activation came to the 0.1 target.

    python examples/sparse_kl.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import dataclasses

import torch
from common import build_configs, finish, load, parse_args

import aekit
from aekit import metrics
from aekit.report import plots


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    preset = aekit.load_preset("sparse-kl")  # hidden (1000,), sparsity "kl:0.1:0.2"
    train = dict(preset.train)
    if quick:  # a batch of 1000 leaves 2 steps per epoch on 2,000 digits: smaller batches
        train.update(epochs=4, batch_size=250)
    return build_configs(preset.model, train)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args("sparse-kl", __doc__, argv)
    data = load(args)  # MNIST as (N, 1, 28, 28) in [0, 1]
    model_config, train_config = configs(args.quick)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    history = aekit.Trainer(model, train_config).fit(data.x_train, data.x_test)
    recon = metrics.reconstruct(model, data.x_test)
    errors = metrics.recon_errors(data.x_test, recon)
    terms = metrics.loss_terms(model, data.x_test)  # {"loss", "recon", "sparsity"}
    figure = plots.image_rows([data.x_test[:10], recon[:10]], ["original", "reconstruction"],
                              args.out / "reconstructions.png", "sparse 784-1000 on MNIST test")
    found = {"test_bce": errors["bce"], "test_mse": errors["mse"],
             "untrained_mse": untrained["mse"], "sparsity_penalty": terms["sparsity"],
             "mean_code": float(metrics.encode(model, data.x_test).mean())}  # target 0.1
    return finish(found, [figure], history)


if __name__ == "__main__":
    main()
