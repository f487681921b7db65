"""Unsupervised pretraining on 60k unlabelled MNIST images, then classification with 100 and
1000 labels: fine-tuned pretrained encoder vs the same net from scratch vs a linear probe,
averaged over 3 label draws/seeds; MNIST test accuracy.

    python -m benchmarks.pretrain_mnist [--data-dir ../shared/data] [--ae-epochs 10]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import aekit
from aekit.config import DataConfig, ModelConfig, TrainConfig
from aekit.tasks.classify import PretrainedClassifier, few_labels, linear_probe_accuracy

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA))
    parser.add_argument("--ae-epochs", type=int, default=10)
    parser.add_argument("--out", default="runs/bench-pretrain-ae")
    args = parser.parse_args()
    started = time.perf_counter()
    preset = aekit.load_preset("stacked-mnist")
    ae = aekit.fit_run(
        ModelConfig(**{**preset.model, "output": "sigmoid"}),
        TrainConfig(**{**preset.train, "epochs": args.ae_epochs}),
        DataConfig(source="mnist", data_dir=args.data_dir), args.out, overwrite=True,
        device="cpu")
    print(f"pretrained 784-300-150 on 60000 unlabelled images, {args.ae_epochs} epochs, "
          f"{time.perf_counter() - started:.0f} s")
    train = aekit.load_source("mnist", data_dir=args.data_dir)
    test = aekit.load_source("mnist:test", data_dir=args.data_dir)
    x, x_test = ae.scaling.apply(train.x), ae.scaling.apply(test.x)
    print("| labels | fine-tuned | from scratch | linear probe | seeds |")
    print("|---:|---:|---:|---:|---:|")
    for n in (100, 1000):
        scores: dict[str, list[float]] = {"tuned": [], "scratch": [], "probe": []}
        for seed in range(3):
            idx = few_labels(train.y, n, seed)
            for name, scratch in (("tuned", False), ("scratch", True)):
                clf = PretrainedClassifier(ae.model, from_scratch=scratch, seed=seed)
                scores[name].append(clf.fit(x[idx], train.y[idx]).score(x_test, test.y))
            scores["probe"].append(linear_probe_accuracy(ae.model, x[idx], train.y[idx],
                                                         x_test, test.y))
        mean = {k: statistics.mean(v) for k, v in scores.items()}
        print(f"| {n} | {mean['tuned']:.4f} | {mean['scratch']:.4f} | {mean['probe']:.4f} | 3 |")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
