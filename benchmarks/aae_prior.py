"""How closely an AAE's codes follow its N(0, I) prior, next to the floor any encoder meets.

Trains `aae-mnist` (784-512-512-d, the preset's recipe) at each code size on MNIST and reports,
for 2,000 training codes, 2,000 seeded random test codes and the first 2,000 test codes: the
largest per-dimension |mean|, the largest |variance - 1| and the largest absolute correlation
between dimensions, for the codes as the adversary left them ("raw") and after the moment
calibration the preset ends with ("calibrated", parts/calibration.py). Beside them, PCA codes
whitened on the training images: a linear code that matches the prior's moments exactly on the
training set, so what it shows on test images is the shift between MNIST's training and test
writers that no encoder trained on the training set removes (the test set's first half comes
from a different writer group, so the first 2,000 test codes are off for every encoder). Last,
the digit judge's mean confidence on 1,000 decoded prior samples (the VAE's: 0.824).

    python -m benchmarks.aae_prior [--sizes 2,8,16] [--epochs 20] [--limit 60000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

import aekit
from aekit import metrics, sampling
from aekit.parts.calibration import calibrate_codes
from benchmarks.digit_judge import accuracy, confidence, train_judge

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
N = 2000


def stats(codes: np.ndarray) -> tuple[float, float, float]:
    """Worst |mean|, worst |variance - 1|, worst |correlation| over the code's dimensions."""
    corr = np.corrcoef(codes.T) if codes.shape[1] > 1 else np.eye(1)
    return (float(np.abs(codes.mean(0)).max()), float(np.abs(codes.var(0) - 1).max()),
            float(np.abs(corr - np.eye(len(corr))).max()))


def whitened_pca(x: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The mean and the projection that whiten the top `size` principal components of x."""
    mean = x.mean(0)
    _, s, vt = np.linalg.svd(x - mean, full_matrices=False)
    return mean, vt[:size].T / (s[:size] / np.sqrt(len(x)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA))
    parser.add_argument("--sizes", default="2,8,16")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--limit", type=int, default=60000, help="training images")
    args = parser.parse_args()
    train = aekit.load_source("mnist", data_dir=args.data_dir, limit=args.limit)
    test = aekit.load_source("mnist:test", data_dir=args.data_dir)
    x = (train.x / train.full_scale).astype(np.float32)
    x_test = (test.x / test.full_scale).astype(np.float32)
    subsets = {"train 2k": x[:N],
               "test random 2k": x_test[np.random.default_rng(0).choice(len(x_test), N, False)],
               "test first 2k": x_test[:N]}
    preset = aekit.load_preset("aae-mnist")
    judge = train_judge(x, train.y)
    print(f"aae-mnist on {len(x)} MNIST images, {args.epochs} epochs; worst |mean|, |var - 1|, "
          f"|corr| of {N} codes (targets 0.1, 0.15, 0.1); digit judge: test accuracy "
          f"{accuracy(judge, x_test, test.y):.4f}, confidence on 1,000 prior samples")
    print("| code | codes | subset | mean | var | corr | judge | train s |")
    print("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    flat = x.reshape(len(x), -1).astype(np.float64)
    for size in (int(s) for s in args.sizes.split(",")):
        torch.manual_seed(0)
        model = aekit.create_model(**{**preset.model, "name": preset.model["arch"],
                                      "hidden": [*preset.model["hidden"][:-1], size],
                                      "input_shape": (1, 28, 28), "code_calibration": False})
        config = aekit.TrainConfig(**{**preset.train, "epochs": args.epochs, "val_split": 0.0})
        start = time.perf_counter()
        aekit.Trainer(model, config, device="cpu").fit(x)
        seconds = time.perf_counter() - start
        raw = {name: metrics.encode(model.eval(), images) for name, images in subsets.items()}
        calibrate_codes(model, torch.as_tensor(x).split(1000))  # what the preset's fit ends with
        judged = confidence(judge, sampling.sample(model, 1000, seed=0))
        mean, project = whitened_pca(flat, size)
        for name, images in subsets.items():
            rows = (("raw", raw[name], "", f"{seconds:.0f}"),
                    ("calibrated", metrics.encode(model, images), f"{judged:.3f}", ""),
                    ("whitened PCA", (images.reshape(len(images), -1) - mean) @ project, "", ""))
            for label, codes, judge_text, took in rows:
                m, v, c = stats(codes)
                print(f"| {size} | {label} | {name} | {m:.3f} | {v:.3f} | {c:.3f} | "
                      f"{judge_text} | {took} |", flush=True)


if __name__ == "__main__":
    main()
