"""One-class MNIST: for each digit d, train on the training images of d only, score the whole
test set, and report the ROC-AUC of "not d" as the anomaly, for aekit's default detector
(`AnomalyDetector()` with no options: the image default) and its dense and conv autoencoders
(scores `mse`, `mse+code`, `knn` and `mse+knn`), next to PCA-32 reconstruction error and
scikit-learn's IsolationForest, computed in the same run on the same data.

    PYTHONPATH=src python -m benchmarks.anomaly_mnist [--digits 0,8] [--models default,conv]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

import aekit
from aekit import scores as scoring
from aekit.detect.detector import AnomalyDetector
from aekit.detect.reconstruction import ReconstructionDetector

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SCORES = ("mse", "mse+code", "knn", "mse+knn")
COMMON = {"code_activation": "none", "output": "sigmoid", "loss": "bce", "activation": "elu"}
MODELS = {  # detector parameters; the epochs come from the command line
    "dense": {"model": "stacked", "hidden": (256, 64, 32), "options": COMMON},
    "conv": {"model": "conv", "hidden": (32,),
             "options": {**COMMON, "channels": (32, 64, 64), "conv_mode": "stride"}},
}


def baselines(x_train: np.ndarray, x_test: np.ndarray, y: np.ndarray) -> dict[str, float]:
    flat_train, flat_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    pca = PCA(32, random_state=0).fit(flat_train)
    error = ((flat_test - pca.inverse_transform(pca.transform(flat_test))) ** 2).mean(1)
    forest = IsolationForest(random_state=0).fit(flat_train)
    return {"PCA-32": roc_auc_score(y, error),
            "IsolationForest": roc_auc_score(y, -forest.score_samples(flat_test))}


def aekit_aurocs(name: str, epochs: int, x_train: np.ndarray, x_test: np.ndarray,
                 y: np.ndarray) -> dict[str, float]:
    """One detector per model, trained once; every score computed from the same weights."""
    if name == "default":
        scores = AnomalyDetector().fit(x_train).anomaly_scores(x_test)
        return {"default": roc_auc_score(y, scores)}
    det = ReconstructionDetector(**MODELS[name], epochs=epochs, lr=1e-3, batch_size=64,
                                 input_shape=(1, 28, 28), scaling="unit").fit(x_train)
    result = {}
    for score in SCORES:
        state = scoring.fit_score(det.model_, x_train, score)
        scores = scoring.anomaly_scores(det.model_, x_test, score, state)
        result[f"{name} {score}"] = roc_auc_score(y, scores)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits", default="0,1,2,3,4,5,6,7,8,9")
    parser.add_argument("--models", default="default,dense,conv")
    parser.add_argument("--dense-epochs", type=int, default=20)
    parser.add_argument("--conv-epochs", type=int, default=15)
    args = parser.parse_args()
    train = aekit.load_source("mnist", data_dir=DATA)
    test = aekit.load_source("mnist:test", data_dir=DATA)
    x_train_all, x_test = train.x / 255.0, test.x / 255.0  # (N, 1, 28, 28) in [0, 1]
    epochs = {"dense": args.dense_epochs, "conv": args.conv_epochs}
    rows: dict[int, dict[str, float]] = {}
    for digit in (int(d) for d in args.digits.split(",")):
        started = time.perf_counter()
        x_train, y = x_train_all[train.y == digit], (test.y != digit).astype(int)
        rows[digit] = baselines(x_train, x_test, y)
        for name in args.models.split(","):
            rows[digit].update(aekit_aurocs(name, epochs.get(name, 0), x_train, x_test, y))
        print(f"digit {digit}: " + ", ".join(f"{k} {v:.4f}" for k, v in rows[digit].items())
              + f" ({time.perf_counter() - started:.0f} s)", flush=True)
    columns = list(next(iter(rows.values())))
    print("\n| digit | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for digit, row in rows.items():
        print(f"| {digit} | " + " | ".join(f"{row[c]:.4f}" for c in columns) + " |")
    means = {c: float(np.mean([row[c] for row in rows.values()])) for c in columns}
    print("| mean | " + " | ".join(f"{means[c]:.4f}" for c in columns) + " |")
    best = max((c for c in columns if c not in ("PCA-32", "IsolationForest")), key=means.get)
    trained = ", ".join(f"{name} {epochs[name]}" for name in args.models.split(",")
                        if name in epochs)
    print(f"\nbest aekit: {best} {means[best]:.4f} = {means[best] / means['PCA-32']:.4f}x "
          f"PCA-32, {means[best] / means['IsolationForest']:.4f}x IsolationForest"
          + (f" (epochs: {trained})" if trained else ""))


if __name__ == "__main__":
    main()
