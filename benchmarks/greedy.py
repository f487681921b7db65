"""Greedy layer-wise training of `stacked-mnist` three ways vs end-to-end training for the same
total epochs: test MSE of each, and seconds per phase-2 epoch (phases vs cached).

    python -m benchmarks.greedy [--data-dir ../shared/data] [--epochs-per-phase 4]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import torch

import aekit
from aekit.config import TrainConfig
from aekit.metrics import recon_errors, reconstruct
from aekit.train.greedy import greedy_pretrain

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA))
    parser.add_argument("--epochs-per-phase", type=int, default=4, help="seed 000: 4")
    args = parser.parse_args()
    preset = aekit.load_preset("stacked-mnist")
    train = aekit.load_source("mnist", data_dir=args.data_dir)
    test = aekit.load_source("mnist:test", data_dir=args.data_dir)
    scaling = aekit.fit_scaling(train)
    x, x_test = scaling.apply(train.x), scaling.apply(test.x)
    model_options = {k: v for k, v in preset.model.items() if k != "arch"}
    config = TrainConfig(**{**preset.train, "epochs": args.epochs_per_phase, "val_split": 0.0})
    rows = []
    for way in ("end-to-end", "separate", "phases", "cached"):
        torch.manual_seed(0)
        model = aekit.create_model("stacked", input_shape=(1, 28, 28), **model_options)
        if way == "end-to-end":
            trainer = aekit.Trainer(model, aekit.config.replace(
                config, epochs=2 * args.epochs_per_phase), device="cpu")
            trainer.fit(x)
            history = trainer.history
        else:
            trainer = aekit.Trainer(model, aekit.config.replace(config, greedy=way),
                                    device="cpu")
            history = greedy_pretrain(trainer, x, x_test[:0])
        mse = recon_errors(x_test, reconstruct(model, x_test))["mse"]
        phase2 = [r["seconds"] for r in history if r.get("phase", "").startswith("greedy 2")]
        rows.append((way, mse, statistics.median(phase2) if phase2 else None,
                     sum(r["seconds"] for r in history)))
    reference = rows[0][1]
    print(f"stacked-mnist 784-300-150-300-784, {args.epochs_per_phase} epochs per phase "
          f"(end-to-end: {2 * args.epochs_per_phase}), 60000 train / 10000 test images")
    print("| way | test MSE | vs end-to-end | s per phase-2 epoch | total train s |")
    print("|---|---:|---:|---:|---:|")
    for way, mse, phase2, total in rows:
        p2 = f"{phase2:.2f}" if phase2 is not None else "-"
        print(f"| {way} | {mse:.5f} | {mse / reference:.3f} | {p2} | {total:.1f} |")


if __name__ == "__main__":
    main()
