"""ECG anomaly series: train on the anomaly-free part, score every point of the test part
(64-point windows, point score = mean over the windows covering it), and report ROC-AUC and
average precision for aekit's conv1d autoencoder next to PCA-8 reconstruction error and
IsolationForest on the same windows, computed in the same run.

    PYTHONPATH=src python -m benchmarks.anomaly_ecg [--epochs 10] [--stride 1]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest

import aekit
from aekit import scores as scoring
from aekit.data.windows import point_scores, sliding_windows, window_starts
from aekit.detect.reconstruction import ReconstructionDetector
from aekit.metrics import detection_metrics

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "timeseries"
WINDOW = 64


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--stride", type=int, default=1, help="between training windows")
    args = parser.parse_args()
    source = {s: str(DATA / f"ecg-diff-count-3_{s}.csv") for s in ("TRAIN_NA", "TEST")}
    train = aekit.load_source(source["TRAIN_NA"], label_column="is_anomaly", window=WINDOW,
                              stride=args.stride).x  # (N, 64, 1)
    test = aekit.load_source(source["TEST"], label_column="is_anomaly")
    starts = window_starts(len(test.x), WINDOW, 1)
    windows = sliding_windows(test.x, WINDOW, 1, "test")[starts]

    def points(window_scores: np.ndarray) -> dict[str, float | None]:
        scores = point_scores(window_scores, starts, WINDOW, len(test.x))
        return detection_metrics(test.y.astype(int), scores)

    flat_train, flat_test = train.reshape(len(train), -1), windows.reshape(len(windows), -1)
    pca = PCA(8, random_state=0).fit(flat_train)
    rows = {"PCA-8": points(((flat_test - pca.inverse_transform(pca.transform(flat_test)))
                             ** 2).mean(1)),
            "IsolationForest": points(-IsolationForest(random_state=0).fit(flat_train)
                                      .score_samples(flat_test))}
    started = time.perf_counter()
    det = ReconstructionDetector("conv1d", hidden=(16,), epochs=args.epochs, lr=1e-3,
                                 batch_size=64,
                                 options={"channels": (16, 32, 32), "conv_mode": "stride",
                                          "kernel": 5, "code_activation": "none"}).fit(train)
    seconds = time.perf_counter() - started
    x_train, x_test = det.scaling_.apply(train), det.scaling_.apply(windows)
    for score in ("mse", "mse+code"):
        state = scoring.fit_score(det.model_, x_train, score)
        rows[f"aekit conv1d {score}"] = points(scoring.anomaly_scores(det.model_, x_test, score,
                                                                      state))
    print("| method | ROC-AUC | AP | best F1 |\n|---|---|---|---|")
    for name, m in rows.items():
        print(f"| {name} | {m['roc_auc']:.4f} | {m['average_precision']:.4f} | "
              f"{m['best_f1']:.4f} |")
    ours = rows["aekit conv1d mse"]
    print(f"\naekit conv1d mse / PCA-8: ROC-AUC {ours['roc_auc'] / rows['PCA-8']['roc_auc']:.2f}x, "
          f"AP {ours['average_precision'] / rows['PCA-8']['average_precision']:.2f}x "
          f"({args.epochs} epochs on {len(train)} windows, {seconds:.0f} s)")


if __name__ == "__main__":
    main()
