"""Unsupervised pretraining on 60k unlabelled MNIST images, then classification with 100 and
1000 labels: fine-tuned pretrained encoder vs the same net from scratch vs a linear probe,
averaged over 3 label draws/seeds; MNIST test accuracy. One table per pretraining preset.

    python -m benchmarks.pretrain_mnist [--data-dir ../shared/data] [--ae-epochs 10]
        [--presets pretrain-mnist stacked-mnist]
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
    parser.add_argument("--presets", nargs="+", default=["pretrain-mnist", "stacked-mnist"])
    parser.add_argument("--out", default="runs/bench-pretrain")
    args = parser.parse_args()
    train = aekit.load_source("mnist", data_dir=args.data_dir)
    test = aekit.load_source("mnist:test", data_dir=args.data_dir)
    for name in args.presets:
        compare(name, args, train, test)


def compare(name: str, args: argparse.Namespace, train: aekit.Dataset,
            test: aekit.Dataset) -> None:
    started = time.perf_counter()
    preset = aekit.load_preset(name)
    ae = aekit.fit_run(
        ModelConfig(**preset.model), TrainConfig(**{**preset.train, "epochs": args.ae_epochs}),
        DataConfig(source="mnist", data_dir=args.data_dir), f"{args.out}-{name}",
        overwrite=True, device="cpu")
    print(f"\n{name}: pretrained on 60000 unlabelled images, {args.ae_epochs} epochs, "
          f"{time.perf_counter() - started:.0f} s")
    x, x_test = ae.scaling.apply(train.x), ae.scaling.apply(test.x)
    print("| labels | fine-tuned | from scratch | linear probe | seeds |")
    print("|---:|---:|---:|---:|---:|")
    for n in (100, 1000):
        scores: dict[str, list[float]] = {"tuned": [], "scratch": [], "probe": []}
        for seed in range(3):
            idx = few_labels(train.y, n, seed)
            for kind, scratch in (("tuned", False), ("scratch", True)):
                clf = PretrainedClassifier(ae.model, from_scratch=scratch, random_state=seed)
                scores[kind].append(clf.fit(x[idx], train.y[idx]).score(x_test, test.y))
            scores["probe"].append(linear_probe_accuracy(ae.model, x[idx], train.y[idx],
                                                         x_test, test.y))
        mean = {k: statistics.mean(v) for k, v in scores.items()}
        print(f"| {n} | {mean['tuned']:.4f} | {mean['scratch']:.4f} | {mean['probe']:.4f} | 3 |")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
