"""What `aekit detect` finds: scores and flags per sample, or per point of one long series,
with the labels where known; written as scores.csv, a figure and a summary."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aekit import metrics
from aekit.data.labels import anomaly_labels
from aekit.data.sources import Dataset
from aekit.data.time_order import time_order
from aekit.detect.base import BaseDetector
from aekit.detect.detector import AnomalyDetector
from aekit.detect.series import series_scores
from aekit.detect.series_detector import SeriesDetector
from aekit.errors import AekitError
from aekit.io import atomic_write
from aekit.report import plots

CHUNK = 65_536  # rows of scores.csv formatted at a time


@dataclass
class Detection:
    """Scores and flags (1 = anomaly) per sample or per point of a series, with labels."""

    scores: np.ndarray
    flags: np.ndarray
    threshold: float
    labels: np.ndarray | None
    index: list[str] | None  # time stamps of a series' points; None: sample numbers
    index_name: str
    series: np.ndarray | None = None  # the raw series (L, C) for the figure
    channels: list[str] | None = None  # the series' channel names, for the figure's legend
    explained: list[tuple[list[str], np.ndarray]] | None = None  # per rank: columns, shares


def check_explain(k: int) -> None:
    if k < 1:
        raise AekitError(f"--explain: expected a number of columns >= 1, got {k}")


def top_columns(shares: np.ndarray, names: list[str] | None, k: int
                ) -> list[tuple[list[str], np.ndarray]]:
    """For ranks 1..k, each row's column of that rank by share (named by `names`, else x0,
    x1, ... by position) and its share."""
    check_explain(k)
    names = names if names is not None and len(names) == shares.shape[1] else [
        f"x{j}" for j in range(shares.shape[1])]
    order = np.argsort(-shares, axis=1, kind="stable")[:, :k]
    return [([names[j] for j in order[:, rank]],
             np.take_along_axis(shares, order[:, rank:rank + 1], 1)[:, 0])
            for rank in range(order.shape[1])]


def score_samples(detector: BaseDetector, x: np.ndarray, labels: np.ndarray | None,
                  times: list[str] | None = None, explain: int | None = None,
                  columns: list[str] | None = None) -> Detection:
    """Scores of independent samples; a CSV's time stamps (one per row) index them. With
    `explain` K, each row's K most contributing columns (named by `columns`)."""
    scores = detector.anomaly_scores(x)
    timed = times is not None and len(times) == len(x)
    return Detection(scores, (scores > detector.threshold_).astype(np.int64),
                     detector.threshold_, labels,
                     list(times) if timed else None,
                     "time" if timed else "index",
                     explained=_explained(detector, x, explain, columns))


def _explained(detector: BaseDetector, x: np.ndarray, k: int | None,
               columns: list[str] | None) -> list[tuple[list[str], np.ndarray]] | None:
    if k is None:
        return None
    return top_columns(detector.explain(x), columns, k)


def score_batches(detector: BaseDetector, batches: Iterable[np.ndarray],
                  labels: np.ndarray | None, name: str) -> Detection:
    """Scores of samples read a batch at a time (data left on disk), so only one batch is in
    memory at a time."""
    parts: list[np.ndarray] = []
    start = 0
    for x in batches:
        if not np.isfinite(x).all():
            first = start + int(np.argmin(np.isfinite(x).reshape(len(x), -1).all(axis=1)))
            raise AekitError(f"{name}: row {first} holds NaN or infinite values; data larger "
                             "than --max-memory must be finite (--nan-policy needs in-memory "
                             "data)")
        parts.append(detector.anomaly_scores(x))
        start += len(x)
    scores = np.concatenate(parts)
    return Detection(scores, (scores > detector.threshold_).astype(np.int64),
                     detector.threshold_, labels, None, "index")


def fit_and_score(data: Dataset, train: Dataset | None = None, device: str = "cpu",
                  explain: int | None = None, **params: float | str) -> Detection:
    """The default detector fitted on `train` (else on `data` itself, anomalies and all, as
    PyOD's `fit` then `decision_scores_`) and its scores of `data`'s rows; `params`:
    contamination, threshold; `explain` K: each row's K most contributing columns."""
    labels = anomaly_labels(data)  # refuses labels other than 0/1 before any training
    if explain is not None:
        check_explain(explain)  # before any training
    rows = _samples(data)
    detector = AnomalyDetector(device=device, **params)
    if train is None:
        detector.fit(rows)
        return Detection(detector.decision_scores_, detector.labels_, detector.threshold_,
                         labels, *sample_index(data),
                         explained=_explained(detector, rows, explain, data.features))
    fitted_on = _samples(train)
    if fitted_on.shape[1:] != rows.shape[1:]:
        raise AekitError(f"--train: {train.name} has {_layout(fitted_on)}, --data {data.name} "
                         f"has {_layout(rows)}")
    found = score_samples(detector.fit(fitted_on), rows, labels, explain=explain,
                          columns=data.features)
    found.index, found.index_name = sample_index(data)
    return found


def sample_index(data: Dataset) -> tuple[list[str] | None, str]:
    """What names a sample in scores.csv: an image's path in its folder, else its number
    (None: written as 0, 1, 2, ...)."""
    if data.paths is not None:
        return data.paths, "path"
    return None, "index"


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
    order = None if times is None else time_order(times, "--time-column")
    ordered = series if order is None else series[order]
    scores = series_scores(detector, ordered, window, stride, name)
    return _series_detection(scores, detector, labels, times, series, order)


def fit_and_score_series(data: Dataset, train: Dataset | None, times: list[str] | None, *,
                         window: int | None = None, stride: int | None = None,
                         train_end: int | None = None, **params: float) -> Detection:
    """The default series detector (`SeriesDetector`) fitted on `train` (else on `data`
    itself, or its first `train_end` points) and its point scores of `data`, one long series
    (T, C) in the order of its time stamps where given."""
    labels = anomaly_labels(data)
    order = None if times is None else time_order(times, "--time-column")
    series = data.x.reshape(len(data.x), -1)
    ordered = series if order is None else series[order]
    detector = SeriesDetector(window, stride=stride, train_end=train_end, **params)
    if train is None:
        scores = detector.fit(ordered).decision_scores_
    else:
        fitted_on = train.x.reshape(len(train.x), -1)
        if fitted_on.shape[1] != series.shape[1]:
            raise AekitError(f"--train: {train.name} has {fitted_on.shape[1]} value columns, "
                             f"--data {data.name} has {series.shape[1]}")
        scores = detector.fit(fitted_on).anomaly_scores(ordered)
    return _series_detection(scores, detector, labels, times, series, order)


def _series_detection(scores: np.ndarray, detector: BaseDetector, labels: np.ndarray | None,
                      times: list[str] | None, series: np.ndarray, order: np.ndarray | None
                      ) -> Detection:
    """Point scores found in time order, given back in the rows' own order."""
    if order is not None:
        warnings.warn("--time-column: the rows are not in time order; the series was scored "
                      "in time order and the scores are written in the file's row order",
                      stacklevel=2)
        in_rows = np.empty_like(scores)
        in_rows[order] = scores
        scores = in_rows
    return Detection(scores, (scores > detector.threshold_).astype(np.int64),
                     detector.threshold_, labels, times, "time" if times else "index", series)



def write_scores(path: str | Path, detection: Detection) -> Path:
    """scores.csv: the index (time stamp, sample number or image path), score and flag
    (1 = anomaly), the explaining columns and their shares where asked (explain_1,
    explain_1_share, ...), and the label where known, one row per sample or point in input
    order; written `CHUNK` rows at a time, so a table or a series of millions of points
    is never held as text."""
    header = [detection.index_name, "score", "flag"]
    for rank in range(1, len(detection.explained or ()) + 1):
        header += [f"explain_{rank}", f"explain_{rank}_share"]
    if detection.labels is not None:
        header.append("label")

    def write(tmp: Path) -> None:
        with tmp.open("w", newline="") as handle:
            handle.write(",".join(header) + "\n")
            for start in range(0, len(detection.scores), CHUNK):
                part = slice(start, start + CHUNK)
                index = map(str, range(start, min(start + CHUNK, len(detection.scores)))) \
                    if detection.index is None else map(_csv_field, detection.index[part])
                columns = [index, (f"{s:.9g}" for s in detection.scores[part]),
                           map(str, detection.flags[part])]
                for names, shares in detection.explained or ():
                    columns += [map(_csv_field, names[part]), (f"{s:.4f}" for s in shares[part])]
                if detection.labels is not None:
                    columns.append(map(str, detection.labels[part]))
                handle.write("".join(",".join(row) + "\n" for row in zip(*columns, strict=True)))

    return atomic_write(path, write)


def _csv_field(text: str) -> str:
    """A column name as one CSV field: quoted when it holds a comma, quote or line break."""
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


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
