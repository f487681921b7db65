"""Sequence autoencoders with their defaults on every shared UCR set: test MSE next to PCA with
the same code size, 1-NN accuracy of the codes next to 1-NN on the raw series, wall time.

    PYTHONPATH=src python benchmarks/series.py [--epochs 100] [--sets GunPoint,...] [--threads 1]

Each model is trained as a user would: `aekit train --model ARCH --data SET_TRAIN.ts --epochs N`
and nothing else, then scored on SET_TEST.ts in the run's own scaling. PCA is fitted on the
whole training file (scaled the same way); padded steps of unequal-length sets read as 0 in PCA
and the 1-NN distances, as the models read them, and count in no error.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import aekit
from aekit import metrics
from aekit.cli.main import main as cli
from aekit.runs.run import load_run

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "timeseries"
SETS = ("GunPoint", "ItalyPowerDemand", "ACSF1", "OSULeaf", "BasicMotions", "JapaneseVowels")
ARCHS = ("lstm", "conv1d")


def flat(x: np.ndarray) -> np.ndarray:
    return np.nan_to_num(x.reshape(len(x), -1))


def measure(name: str, arch: str, epochs: int, data: Path = DATA) -> dict[str, float]:
    """Train with the defaults, then test MSE, PCA's at the same code size, and 1-NN accuracies."""
    train_file, test_file = (str(data / f"{name}_{split}.ts") for split in ("TRAIN", "TEST"))
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        cli(["train", "--model", arch, "--data", train_file, "--epochs", str(epochs),
             "--out", f"{tmp}/run", "--quiet"])
        seconds = time.perf_counter() - started
        run = load_run(f"{tmp}/run")
    steps = run.model_config.input_shape[0]
    train = aekit.load_source(train_file, length=steps)
    test = aekit.load_source(test_file, length=steps)
    x_train, x_test = run.scaling.apply(train.x), run.scaling.apply(test.x)
    codes = [metrics.encode(run.model, x) for x in (x_train, x_test)]
    code_size = run.model.code_size
    return {"test_mse": metrics.recon_errors(x_test, metrics.reconstruct(run.model, x_test))["mse"],
            "pca_mse": metrics.pca_mse(x_train, x_test, code_size) or float("nan"),
            "code": code_size,
            "nn1_codes": metrics.nn1_accuracy(codes[0], train.y, codes[1], test.y),
            "nn1_raw": metrics.nn1_accuracy(flat(x_train), train.y, flat(x_test), test.y),
            "seconds": seconds}


def verdict(mse: float, pca: float) -> str:
    """'tie' within float32 rounding (0.01%): a run that ends at its PCA start does not beat it."""
    if abs(mse - pca) <= 1e-4 * pca:
        return "tie"
    return "yes" if mse < pca else "NO"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--archs", default=",".join(ARCHS))
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default: 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"defaults of `aekit train --model ARCH --data SET_TRAIN.ts --epochs {args.epochs}`; "
          f"scored on SET_TEST.ts; {args.threads} torch thread(s)\n")
    print("| set | model | code | test MSE | PCA test MSE | beats PCA | 1-NN codes | 1-NN raw "
          "| train s |\n| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |", flush=True)
    for name in args.sets.split(","):
        for arch in args.archs.split(","):
            r = measure(name, arch, args.epochs)
            print(f"| {name} | {arch} | {r['code']} | {r['test_mse']:.4f} | {r['pca_mse']:.4f} | "
                  f"{verdict(r['test_mse'], r['pca_mse'])} | {r['nn1_codes']:.3f} | "
                  f"{r['nn1_raw']:.3f} | {r['seconds']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
