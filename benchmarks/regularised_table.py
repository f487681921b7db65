"""MNIST test MSE of each regulariser after the same training budget.

Every model is 784-256-32-256-784 with a sigmoid output, trained by the one Trainer with MSE,
Adam 1e-3, batch 128, for the same epochs on the first N training images; the MSE is on clean
test images in eval mode (no corruption), next to PCA with the same 32 components.

    PYTHONPATH=src python benchmarks/regularised_table.py [--train 10000] [--epochs 5]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

import aekit
from aekit import TrainConfig, Trainer, create_model
from aekit.metrics import pca_mse, recon_errors, reconstruct

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"

VARIANTS: dict[str, dict[str, object]] = {
    "plain stacked (relu)": {},
    "denoising gaussian:1.0": {"noise": "gaussian:1.0"},
    "denoising gaussian:0.5+clip": {"noise": "gaussian:0.5+clip"},
    "denoising dropout:0.5": {"noise": "dropout:0.5"},
    "sparse KL kl:0.1:0.2 (sigmoid)": {"sparsity": "kl:0.1:0.2", "activation": "sigmoid"},
    "sparse L1 l1:1e-5": {"sparsity": "l1:1e-5"},
    "contractive 0.01 (autograd)": {"contractive": 0.01},
    "k-sparse K=10": {"k_sparse": 10},
}


def load(name: str, limit: int) -> np.ndarray:
    data = aekit.load_source(name, data_dir=str(DATA_DIR), limit=limit)
    return (data.x / data.full_scale).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=10_000, help="training images")
    parser.add_argument("--test", type=int, default=10_000, help="test images")
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    x_train, x_test = load("mnist", args.train), load("mnist:test", args.test)
    config = TrainConfig(optimizer="adam", lr=1e-3, batch_size=128, epochs=args.epochs,
                         val_split=0.0)
    print(f"MNIST: {len(x_train)} train / {len(x_test)} test images, {args.epochs} epochs, "
          f"784-256-32-256-784, sigmoid output, MSE loss, Adam 1e-3, batch 128\n")
    print("| model | test MSE | code mean | train s |")
    print("|---|---:|---:|---:|")
    for name, options in VARIANTS.items():
        torch.manual_seed(0)
        net = create_model("stacked", input_shape=x_train.shape[1:], hidden=(256, 32),
                           activation=options.pop("activation", "relu"), init="he",
                           output="sigmoid", **options)
        started = time.perf_counter()
        Trainer(net, config, device="cpu").fit(x_train)
        seconds = time.perf_counter() - started
        mse = recon_errors(x_test, reconstruct(net, x_test))["mse"]
        with torch.no_grad():
            code_mean = float(net.eval().encode(torch.as_tensor(x_test)).mean())
        print(f"| {name} | {mse:.5f} | {code_mean:.3f} | {seconds:.1f} |")
    print(f"| PCA, 32 components | {pca_mse(x_train, x_test, 32):.5f} | - | - |")


if __name__ == "__main__":
    main()
