"""Semi-supervised MNIST: the ladder network (preset semisup-mnist) on 100 and 1,000 labels
plus the other 59,900 / 59,000 training images without labels, over label draws (seeds);
MNIST test accuracy, next to the same network trained on the labels alone and `pretrain`
fine-tuning (pretrain-mnist encoder, seed 000's method). Wall time and cost per epoch on this
machine; per-epoch test accuracy curves in OUT/accuracy.png.

    python -m benchmarks.semisup [--labels 100 1000] [--seeds 0 1 2] [--epochs N]
        [--threads T] [--pretrain-run RUN | --skip-pretrain] [--out DIR]
    python -m benchmarks.semisup --merge DIR1/rows.json DIR2/rows.json [--out DIR]
        (one table, and the curves kept in the rows in DIR/accuracy.png)
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

import aekit
from aekit.config import DataConfig, ModelConfig, TrainConfig
from aekit.presets import load_preset
from aekit.report import plots
from aekit.tasks.classify import PretrainedClassifier
from aekit.tasks.semisup import SemiSupervisedClassifier, partial_labels

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def ladder(preset: Any, args: argparse.Namespace, seed: int, scale: float,
           monitor: tuple[np.ndarray, np.ndarray] | None) -> SemiSupervisedClassifier:
    """The preset's ladder as the estimator; `scale` 0 is the labels-alone baseline."""
    train = preset.train
    return SemiSupervisedClassifier(
        tuple(args.hidden or preset.model["hidden"]),
        noise=float(preset.model["noise"].split(":")[1]), denoising_scale=scale,
        epochs=args.epochs or train["epochs"], lr=train["lr"],
        batch_size=train["batch_size"], random_state=seed, monitor=monitor, verbose=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA))
    parser.add_argument("--labels", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, help="ladder epochs (default: the preset's)")
    parser.add_argument("--hidden", type=int, nargs="+", help="default: the preset's")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--skip-pretrain", action="store_true")
    parser.add_argument("--pretrain-run", help="a trained pretrain-mnist run to reuse")
    parser.add_argument("--merge", nargs="+", help="print one table from these rows.json")
    parser.add_argument("--out", default="runs/bench-semisup")
    args = parser.parse_args()
    if args.merge:
        rows = [row for path in args.merge for row in json.loads(Path(path).read_text())]
        print_table(rows)
        draw_curves(rows, Path(args.out))
        return
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    train = aekit.load_source("mnist", data_dir=args.data_dir)
    test = aekit.load_source("mnist:test", data_dir=args.data_dir)
    scaling = aekit.fit_scaling(train)
    x = scaling.apply(train.x).reshape(len(train.x), -1)
    x_test = scaling.apply(test.x).reshape(len(test.x), -1)
    preset = load_preset("semisup-mnist")
    encoder = None if args.skip_pretrain else (
        aekit.load(args.pretrain_run) if args.pretrain_run else pretrained_encoder(args))
    rows = []
    for n in args.labels:
        for seed in args.seeds:
            y_partial = partial_labels(train.y, n, seed)
            started = time.perf_counter()
            semi = ladder(preset, args, seed, 1.0, (x_test, test.y)).fit(x, y_partial)
            seconds = time.perf_counter() - started
            labelled = y_partial >= 0
            alone = ladder(preset, args, seed, 0.0, None).fit(x, y_partial)
            row = {"labels": n, "seed": seed, "ladder": semi.score(x_test, test.y),
                   "labels_alone": alone.score(x_test, test.y),
                   "train_seconds": seconds, "epochs": len(semi.history_),
                   "seconds_per_epoch": seconds / len(semi.history_),
                   "curve": [r["accuracy"] for r in semi.history_]}
            if encoder is not None:
                tuned = PretrainedClassifier(encoder, random_state=seed)
                row["pretrain"] = tuned.fit(x[labelled], train.y[labelled]).score(x_test,
                                                                                  test.y)
            rows.append(row)
            print(json.dumps(row), flush=True)
            (out / "rows.json").write_text(json.dumps(rows, indent=1))
    print_table(rows)
    draw_curves(rows, out)


def draw_curves(rows: list[dict[str, Any]], out: Path) -> None:
    """OUT/accuracy.png: the ladder's MNIST test accuracy per epoch, one line per run (rows
    written before the curves were kept in rows.json have none to draw)."""
    curves = {f"{r['labels']} labels, seed {r['seed']}": r["curve"] for r in rows if "curve" in r}
    if not curves:
        return
    out.mkdir(parents=True, exist_ok=True)
    plots.accuracy_curve([{"epoch": i + 1, **{k: v[i] for k, v in curves.items()}}
                          for i in range(min(map(len, curves.values())))],
                         list(curves), out / "accuracy.png",
                         "ladder (semisup-mnist): MNIST test accuracy per epoch")
    print(f"figure {out / 'accuracy.png'}")


def pretrained_encoder(args: argparse.Namespace) -> aekit.Autoencoder:
    """The pretrain-mnist autoencoder on all 60,000 images (unlabelled), 10 epochs, as
    benchmarks/pretrain_mnist.py trains it."""
    started = time.perf_counter()
    preset = load_preset("pretrain-mnist")
    run = aekit.fit_run(ModelConfig(**preset.model), TrainConfig(**preset.train),
                        DataConfig(source="mnist", data_dir=args.data_dir),
                        Path(args.out) / "pretrain-ae", overwrite=True, device="cpu")
    print(f"pretrain-mnist autoencoder: {time.perf_counter() - started:.0f} s", flush=True)
    return run.model


def print_table(rows: list[dict[str, Any]]) -> None:
    """Means over seeds (with the spread) per label count."""
    print("\n| labels | ladder (semisup-mnist) | same net, labels alone | pretrain fine-tuned "
          "| seeds | train time per seed | per epoch |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in sorted({r["labels"] for r in rows}):
        mine = [r for r in rows if r["labels"] == n]

        def cell(key: str, rows: list[dict[str, Any]] = mine) -> str:
            values = [r[key] for r in rows if key in r]
            if not values:
                return "not run"
            spread = f" ± {statistics.stdev(values):.4f}" if len(values) > 1 else ""
            part = f" ({len(values)} of {len(rows)} seeds)" if len(values) < len(rows) else ""
            return f"{statistics.mean(values):.4f}{spread}{part}"

        minutes = statistics.mean(r["train_seconds"] for r in mine) / 60
        per_epoch = statistics.mean(r["seconds_per_epoch"] for r in mine)
        print(f"| {n} | {cell('ladder')} | {cell('labels_alone')} | {cell('pretrain')} "
              f"| {len(mine)} | {minutes:.1f} min ({mine[0]['epochs']} epochs) "
              f"| {per_epoch:.0f} s |")


if __name__ == "__main__":
    main()
