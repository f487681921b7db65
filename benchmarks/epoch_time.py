"""Seconds per epoch of aekit's Trainer on `stacked-mnist` (60k MNIST) next to a plain PyTorch
loop of the same model, measured alternately in the same run; prints the ratio (target <= 1.05).

    python -m benchmarks.epoch_time [--data-dir ../shared/data] [--epochs 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

import aekit

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def plain_epoch(model: nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor, batch: int,
                l2: float) -> float:
    """The loop a tutorial would write: shuffle, slice, forward, MSE + L2, step."""
    weights = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]
    start = time.perf_counter()
    perm = torch.randperm(len(x))
    for i in range(0, len(x), batch):
        xb = x[perm[i:i + batch]]
        loss = F.mse_loss(model(xb), xb) + l2 * sum((w ** 2).sum() for w in weights) / 2
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA))
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs (after 1 warm-up)")
    args = parser.parse_args()
    torch.manual_seed(0)
    preset = aekit.load_preset("stacked-mnist")
    data = aekit.load_source("mnist", data_dir=args.data_dir)
    x = aekit.fit_scaling(data).apply(data.x)  # (60000, 1, 28, 28)
    options = {k: v for k, v in preset.model.items() if k != "arch"}
    model = aekit.create_model("stacked", input_shape=(1, 28, 28), **options)
    trainer = aekit.Trainer(model, aekit.TrainConfig(**{**preset.train, "epochs": 1}),
                            device="cpu")
    x_aekit = torch.as_tensor(x)

    plain = nn.Sequential(nn.Linear(784, 300), nn.ELU(), nn.Linear(300, 150), nn.ELU(),
                          nn.Linear(150, 300), nn.ELU(), nn.Linear(300, 784))
    plain_opt = torch.optim.Adam(plain.parameters(), lr=preset.train["lr"])
    x_plain = x_aekit.reshape(len(x), 784)

    aekit_times, plain_times = [], []
    for epoch in range(args.epochs + 1):  # epoch 0 warms up both
        trainer.config = aekit.config.replace(trainer.config, epochs=epoch + 1)
        trainer.fit(x_aekit)
        p = plain_epoch(plain, plain_opt, x_plain, preset.train["batch_size"],
                        preset.model["l2"])
        if epoch:
            aekit_times.append(trainer.history[-1]["seconds"])
            plain_times.append(p)
    a, p = statistics.median(aekit_times), statistics.median(plain_times)
    print(f"stacked-mnist, 60000 images, batch {preset.train['batch_size']}, "
          f"{torch.get_num_threads()} threads, torch {torch.__version__}")
    for label, median, times in (("aekit Trainer", a, aekit_times),
                                 ("plain PyTorch", p, plain_times)):
        print(f"{label} : {median:.3f} s/epoch  (epochs: {', '.join(f'{t:.3f}' for t in times)})")
    print(f"ratio aekit / plain = {a / p:.3f}  (target <= 1.05)")


if __name__ == "__main__":
    main()
