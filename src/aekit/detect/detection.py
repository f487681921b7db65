"""What `aekit detect` finds: scores and flags per sample, or per point of one long series,
with the labels where known; written as scores.csv, a figure and a summary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aekit import metrics
from aekit.data.labels import anomaly_labels
from aekit.data.sources import Dataset
from aekit.detect.base import BaseDetector
from aekit.detect.detector import AnomalyDetector
from aekit.detect.series import series_scores
from aekit.errors import AekitError
from aekit.io import atomic_write_bytes
from aekit.report import plots


@dataclass
class Detection:
    """Scores and flags (1 = anomaly) per sample or per point of a series, with labels."""

    scores: np.ndarray
    flags: np.ndarray
    threshold: float
    labels: np.ndarray | None
    index: list[str]  # time stamps of a series' points, or sample numbers
    index_name: str
    series: np.ndarray | None = None  # the raw series (L, C) for the figure
    channels: list[str] | None = None  # the series' channel names, for the figure's legend


def score_samples(detector: BaseDetector, x: np.ndarray, labels: np.ndarray | None,
                  times: list[str] | None = None) -> Detection:
    """Scores of independent samples; a CSV's time stamps (one per row) index them."""
    scores = detector.anomaly_scores(x)
    timed = times is not None and len(times) == len(x)
    return Detection(scores, (scores > detector.threshold_).astype(np.int64),
                     detector.threshold_, labels,
                     list(times) if timed else [str(i) for i in range(len(x))],
                     "time" if timed else "index")


def fit_and_score(data: Dataset, train: Dataset | None = None, device: str = "cpu",
                  **params: float) -> Detection:
    """The default detector fitted on `train` (else on `data` itself, anomalies and all, as
    PyOD's `fit` then `decision_scores_`) and its scores of `data`'s rows; `params`:
    contamination, threshold."""
    labels = anomaly_labels(data)  # refuses labels other than 0/1 before any training
    rows = _samples(data)
    detector = AnomalyDetector(device=device, **params)
    if train is None:
        detector.fit(rows)
        return Detection(detector.decision_scores_, detector.labels_, detector.threshold_,
                         labels, [str(i) for i in range(len(rows))], "index")
    fitted_on = _samples(train)
    if fitted_on.shape[1:] != rows.shape[1:]:
        raise AekitError(f"--train: {train.name} has {_layout(fitted_on)}, --data {data.name} "
                         f"has {_layout(rows)}")
    return score_samples(detector.fit(fitted_on), rows, labels)


def _layout(x: np.ndarray) -> str:
    if x.ndim == 2:
        return f"{x.shape[1]} features"
    return "images of " + "x".join(map(str, x.shape[1:]))


def _samples(data: Dataset) -> np.ndarray:
    """Images as (N, channels, height, width) in [0, 1], so the detector picks its image
    default, kept in float32 (a copy of MNIST's 60,000 images is 190 MB); any other samples as
    rows of a float64 table (a window's values flattened)."""
    if np.isnan(data.x).any():  # unequal-length series, padded with NaN (their mask)
        raise AekitError(f"--data: {data.name} holds series of unequal length; the default "
                         "detector needs equal lengths: pass --pad resample, or train a run, "
                         "which skips the padding")
    if len(data.x) < 2:
        raise AekitError(f"--data: {data.name} has {len(data.x)} row; the detector needs at "
                         "least 2 rows to fit")
    if data.kind == "image":  # in [0, 1] by the source's own full scale (16 for digits)
        return (data.x / np.float32(data.full_scale)).astype(np.float32)
    return data.x.reshape(len(data.x), -1).astype(np.float64)


def score_series(detector: BaseDetector, series: np.ndarray, labels: np.ndarray | None,
                 window: int, stride: int, times: list[str] | None, name: str) -> Detection:
    """Point scores of one long series (L, C) (`series_scores`), indexed by its time stamps."""
    scores = series_scores(detector, series, window, stride, name)
    index = times if times is not None else [str(i) for i in range(len(series))]
    return Detection(scores, (scores > detector.threshold_).astype(np.int64),
                     detector.threshold_, labels, index, "time" if times else "index", series)


def write_scores(path: str | Path, detection: Detection) -> Path:
    """scores.csv: the index (time stamp or sample number), score and flag (1 = anomaly), and
    the label where known, one row per sample or point in input order."""
    header = [detection.index_name, "score", "flag"]
    columns = [detection.index, [f"{s:.9g}" for s in detection.scores],
               [str(f) for f in detection.flags]]
    if detection.labels is not None:
        header.append("label")
        columns.append([str(v) for v in detection.labels])
    lines = [",".join(header), *(",".join(row) for row in zip(*columns, strict=True))]
    return atomic_write_bytes(path, ("\n".join(lines) + "\n").encode())


def figure(path: str | Path, detection: Detection, title: str) -> Path:
    """The score histogram by class, or for a series the series, scores and flagged points."""
    if detection.series is not None:
        times = detection.index if detection.index_name == "time" else None
        return plots.series_scores(detection.series, detection.scores, detection.flags,
                                   detection.labels, detection.threshold, path, title,
                                   times=times, channels=detection.channels)
    if detection.labels is None:
        raise AekitError("--figure: a histogram by class needs labels (y in an .npz, "
                         "--label-column in a CSV)")
    return plots.score_histogram(detection.scores, detection.labels, detection.threshold, path,
                                 title)


def summary(detection: Detection) -> dict[str, float | int | None]:
    """Counts, the threshold and, with labels, ROC-AUC, AP, best F1 and the flags' F1."""
    result: dict[str, float | int | None] = {
        "n": len(detection.scores), "threshold": detection.threshold,
        "n_flagged": int(detection.flags.sum())}
    if detection.labels is not None:
        result.update(n_anomalies=int(detection.labels.sum()),
                      **metrics.detection_metrics(detection.labels, detection.scores),
                      **metrics.flag_metrics(detection.labels, detection.flags))
    return result
