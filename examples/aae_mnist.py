"""Seed 000 (Géron, ch. 15, "adversarial autoencoders"): an AAE whose codes follow N(0, I).

The encoder (784-512-512, ReLU, He) ends in a linear 8-D code. A discriminator learns to tell
codes from N(0, I) draws; the encoder, besides reconstructing, learns to fool it and to match
the draws in MMD (Makhzani et al. 2015; Tolstikhin et al. 2018). The decoder then turns prior
draws into digits. BCE, Adam 0.001, batch 100, 20 epochs. Figures: 60 digits decoded from
N(0, I) draws, and test digits above their reconstructions.

    python examples/aae_mnist.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import dataclasses

import numpy as np
import torch
from common import build_configs, finish, load, parse_args

import aekit
from aekit import metrics, sampling
from aekit.report import plots


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    preset = aekit.load_preset("aae-mnist")
    train = dict(preset.train)
    if quick:
        train["epochs"] = 3
    return build_configs(preset.model, train)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args("aae-mnist", __doc__, argv)
    data = load(args)  # MNIST as (N, 1, 28, 28) in [0, 1]
    model_config, train_config = configs(args.quick)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    history = aekit.Trainer(model, train_config).fit(data.x_train, data.x_test)
    digits = sampling.sample(model, 60, seed=0)  # decoded N(0, I) draws, (60, 1, 28, 28)
    samples = plots.image_grid(digits, 10, args.out / "samples.png", "60 digits from N(0, I)")
    recon = metrics.reconstruct(model, data.x_test)
    rows = plots.image_rows([data.x_test[:10], recon[:10]], ["original", "reconstruction"],
                            args.out / "reconstructions.png", "aae-mnist on MNIST test")
    codes = metrics.encode(model, data.x_train[:2000])  # should look like N(0, I) draws
    errors = metrics.recon_errors(data.x_test, recon)
    found = {"code_mean_gap": float(np.abs(codes.mean(0)).max()),
             "code_var_gap": float(np.abs(codes.var(0) - 1).max()),
             "test_bce": errors["bce"], "test_mse": errors["mse"],
             "untrained_mse": untrained["mse"]}
    return finish(found, [samples, rows], history)


if __name__ == "__main__":
    main()
