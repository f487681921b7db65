"""Seed 004 (the Keras blog): a sparse autoencoder, 784-32 with an L1 penalty on the codes.

As the simple 784-32-784 autoencoder, plus `activity_regularizer=l1(10e-5)` on the code layer: the
loss adds 1e-4 * sum |code| per image, so fewer codes are active. Adadelta (Keras 2's lr 1.0), batch
128, 100 epochs. The seed's 0.2603 @100 is BCE plus that penalty as Keras 2.0 summed it over the
batch (128x stronger than tf.keras' per-image mean used here), so it is not comparable; the BCE is.

    python examples/keras_sparse_l1.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import dataclasses

import torch
from common import build_configs, finish, load, parse_args

import aekit
from aekit import metrics
from aekit.report import plots


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    preset = aekit.load_preset("keras-sparse-l1")  # model sparsity "l1:1e-4"
    train = {**preset.train, "val_split": 0.0}  # all 60,000 train; the test set validates
    if quick:
        train["epochs"] = 3
    return build_configs(preset.model, train)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args("keras-sparse-l1", __doc__, argv)
    data = load(args)  # MNIST as (N, 1, 28, 28) in [0, 1]
    model_config, train_config = configs(args.quick)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    history = aekit.Trainer(model, train_config).fit(data.x_train, data.x_test)
    recon = metrics.reconstruct(model, data.x_test)
    errors = metrics.recon_errors(data.x_test, recon)
    terms = metrics.loss_terms(model, data.x_test)  # {"loss", "recon", "sparsity"}
    codes = metrics.encode(model, data.x_test)  # (N, 32), relu: >= 0
    figure = plots.image_rows([data.x_test[:10], recon[:10]], ["original", "reconstruction"],
                              args.out / "reconstructions.png", "784-32, L1 on the codes")
    found = {"test_bce": errors["bce"], "test_mse": errors["mse"],
             "untrained_mse": untrained["mse"], "test_loss": terms["loss"],
             "mean_code": float(codes.mean()), "active_codes": float((codes > 0).mean())}
    return finish(found, [figure], history)


if __name__ == "__main__":
    main()
