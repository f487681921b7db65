"""Epoch time of aekit's `keras-conv` (through the one Trainer) next to a plain PyTorch NCHW
loop of the same model, in the same process on the same data.

    PYTHONPATH=src python benchmarks/conv_epoch.py [--limit 60000] [--epochs 1]

The plain loop is what one would write by hand: an nn.Sequential in the default NCHW memory
format, Adadelta, BCE from logits, a shuffled index slice per batch. Ratios < 1 mean aekit is
faster (it runs convolutions channels_last on the CPU). Issue 7's target: <= 0.6x.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

import aekit
from aekit.train.trainer import Trainer

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def plain_model() -> nn.Sequential:
    """The Keras blog's conv AE as written there (its 3rd decoder conv is 'valid': 16 -> 14);
    logits out, the loss applies the sigmoid."""
    def conv(a: int, b: int, padding: str = "same") -> nn.Conv2d:
        return nn.Conv2d(a, b, 3, padding=padding)

    up = nn.Upsample(scale_factor=2, mode="nearest")
    return nn.Sequential(
        conv(1, 16), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
        conv(16, 8), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
        conv(8, 8), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
        conv(8, 8), nn.ReLU(), up,
        conv(8, 8), nn.ReLU(), up,
        conv(8, 16, "valid"), nn.ReLU(), up,
        conv(16, 1))


def plain_epoch(x: torch.Tensor, batch: int, seed: int) -> float:
    """Seconds for one epoch of the hand-written NCHW loop."""
    torch.manual_seed(seed)
    model = plain_model()
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0, rho=0.95, eps=1e-7)
    perm = torch.randperm(len(x))
    start = time.perf_counter()
    for i in range(0, len(x), batch):
        xb = x[perm[i:i + batch]]
        logits = model(xb)
        loss = F.binary_cross_entropy_with_logits(logits, xb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start


def aekit_epoch(x: torch.Tensor, epochs: int) -> tuple[float, float]:
    """Seconds of aekit's last epoch, and its final training BCE."""
    preset = aekit.load_preset("keras-conv")
    model = aekit.Autoencoder(aekit.ModelConfig(**{**preset.model, "input_shape": (1, 28, 28)}))
    trainer = Trainer(model, aekit.TrainConfig(**{**preset.train, "epochs": epochs}),
                      device="cpu")
    history = trainer.fit(x)
    return history[-1]["seconds"], history[-1]["train_loss"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=60000, help="MNIST training images")
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    data = aekit.load_source("mnist", data_dir=DATA, limit=args.limit)
    x = torch.from_numpy(data.x / 255.0).float()
    print(f"keras-conv on {len(x)} MNIST images, batch 128, {torch.get_num_threads()} threads")
    plain = min(plain_epoch(x, 128, seed) for seed in range(args.epochs))
    ours, bce = aekit_epoch(x, args.epochs)
    print(f"plain PyTorch NCHW loop: {plain:.2f} s/epoch")
    print(f"aekit keras-conv:        {ours:.2f} s/epoch (train BCE {bce:.4f})")
    print(f"ratio aekit / plain:     {ours / plain:.2f}x (target <= 0.6x)")


if __name__ == "__main__":
    main()
