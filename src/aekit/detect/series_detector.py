"""The default detector of one long series: windows far from every other window of the series
(discords), over a few window lengths around the series' own period, by shape and by level."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from aekit.data.windows import SHORTEST_PERIOD, dominant_period, point_scores, window_starts
from aekit.detect.base import DEFAULT_CONTAMINATION, BaseDetector
from aekit.detect.discord import LEVEL, SHAPE, nearest_distances, window_matrix
from aekit.errors import AekitError

PERIOD_MULTIPLES = (0.5, 1.0, 2.0)
"""Window lengths of the ensemble, in periods: a discord shorter or longer than one period is
seen best by a shorter or longer window, and no one length has to be guessed."""
VIEWS = (SHAPE, LEVEL)
WINDOW_STEP = 8
"""Windows scored per window length: a window starts every length // 8 steps, so each point
lies in about 8 of them."""
MAX_WINDOWS = 2**15
"""Windows per length at most, neighbours and (until they are a window apart) windows
scored: a longer series has its starts spaced further apart, so the cost of a step stays
bounded whatever the series' length."""
SERIES_MIN_WINDOWS = 3


def as_series(X: Any, name: str = "X") -> np.ndarray:
    """X (T,) or (T, C) as a float64 (T, C) series; NaN/inf or another shape refused."""
    series = np.asarray(X, dtype=np.float64)
    if series.ndim == 1:
        series = series[:, None]
    if series.ndim != 2 or series.shape[1] == 0:
        raise AekitError(f"{name}: expected one series of shape (T,) or (T, C), got "
                         f"{series.shape}")
    if not np.isfinite(series).all():
        raise AekitError(f"{name}: the series holds NaN or infinite values; fill the gaps "
                         "first (or --nan-policy zero on the command line)")
    return series


class SeriesDetector(BaseDetector):
    """Anomaly scores of each time point of one long series (T,) or (T, C), from its discords.

    Window rule: with no `window`, P is the series' dominant period (`dominant_period`: the
    highest autocorrelation peak after the autocorrelation first turns negative, in
    [8, 1000], from the first 20,000 steps; 100 for a series with no such peak), and the
    windows are 0.5P, P and 2P steps long (at least 8); `window` gives one length instead.
    For each length and two views of a window, by shape (z-normalised per channel: the Matrix
    Profile) and by level (raw values, so amplitude and offset count), a window's score is its
    distance to the nearest window of the training series that does not overlap it by more
    than half its length. The windows scored start every length // 8 steps (`stride`; at
    most a window's length apart, so every point lies in one); the neighbour set is every
    window, or 32,768 spread evenly over a longer series, so time and memory grow only
    linearly with its length. A point's score per length and view is the mean of the windows
    that cover it (`aekit.data.windows.point_scores`); each is centred on its median over the
    training series and divided by its interquartile range, and a point's score is their
    mean.

    `fit(X)` takes the training series (its anomalies may be in it; `train_end=N`: only its
    first N steps are normal, so neighbours come from them) and sets `decision_scores_`, one
    score per training step. `anomaly_scores(X)` scores another series against the training
    series' windows (no exclusion zone: its windows are not the training ones).

    Parameters
    ----------
    window : int or None
        One window length instead of the rule above.
    stride : int or None
        Steps between the starts of the windows scored instead of length // 8 (at most the
        window's length).
    train_end : int or None
        The first `train_end` steps of the training series are normal: the neighbour set.
    contamination, threshold : as for every detector (`BaseDetector`).
    """

    def __init__(self, window: int | None = None, *, stride: int | None = None,
                 train_end: int | None = None, contamination: float = DEFAULT_CONTAMINATION,
                 threshold: float | None = None):
        super().__init__(contamination=contamination, threshold=threshold)
        self.window = window
        self.stride = stride
        self.train_end = train_end

    def _lengths(self, series: np.ndarray) -> list[int]:
        _check_count("stride", self.stride, 1)
        if self.window is not None:
            lengths = [_check_count("window", self.window, 2)]
        else:
            period = dominant_period(series)
            lengths = sorted({max(SHORTEST_PERIOD, round(m * period))
                              for m in PERIOD_MULTIPLES})
        if len(series) < SERIES_MIN_WINDOWS * lengths[-1]:
            raise AekitError(f"X: a series of {len(series)} steps is shorter than "
                             f"{SERIES_MIN_WINDOWS} windows of {lengths[-1]} steps; give a "
                             "longer series or a shorter window")
        return lengths

    def fit(self, X: Any, y: Any = None) -> SeriesDetector:
        """Fit on the series X (T,) or (T, C): its windows (the first `train_end` steps' where
        given) are the neighbour set; `decision_scores_` scores each of its steps."""
        self._contamination()
        series = as_series(X)
        reference = series
        if self.train_end is not None:
            if _check_count("train_end", self.train_end, 1) > len(series):
                raise AekitError(f"train_end: {self.train_end} is beyond the series' "
                                 f"{len(series)} steps")
            reference = series[:int(self.train_end)]
        self.lengths_ = self._lengths(reference)
        self.reference_ = reference.astype(np.float32)
        self.n_features_in_ = series.shape[1]
        self.centres_, self.spreads_ = [], []
        total = np.zeros(len(series))
        for component in self._components(series, exclude_self=True):
            self.centres_.append(float(np.median(component)))
            self.spreads_.append(_spread(component))
            total += (component - self.centres_[-1]) / self.spreads_[-1]
        return self._fitted(total / len(self.centres_))

    def anomaly_scores(self, X: Any) -> np.ndarray:
        """One score per step of the series X, against the training series' windows."""
        check_is_fitted(self, "reference_")
        series = as_series(X)
        if series.shape[1] != self.n_features_in_:
            raise AekitError(f"X: {series.shape[1]} channels, the detector was fitted on "
                             f"{self.n_features_in_}")
        if len(series) < self.lengths_[-1]:
            raise AekitError(f"X: a series of {len(series)} steps is shorter than the "
                             f"{self.lengths_[-1]}-step window")
        total = np.zeros(len(series))
        for component, centre, spread in zip(self._components(series, exclude_self=False),
                                             self.centres_, self.spreads_, strict=True):
            total += (component - centre) / spread
        return total / len(self.centres_)

    def _components(self, series: np.ndarray, exclude_self: bool) -> Iterator[np.ndarray]:
        """Point scores per window length and view, before normalisation, one at a time (a
        series of millions of steps holds one in memory, not six)."""
        reference = self.reference_.astype(np.float64)
        for length in self.lengths_:
            step = self.stride or max(1, length // WINDOW_STEP)
            query_starts = _starts(len(series), length, step, widest=length)
            reference_starts = _starts(len(reference), length, 1, widest=len(reference))
            for view in VIEWS:
                distances = nearest_distances(
                    window_matrix(series, length, query_starts, view), query_starts,
                    window_matrix(reference, length, reference_starts, view), reference_starts,
                    max(1, length // 2) if exclude_self else 0)
                yield point_scores(distances, query_starts, length, len(series))


def _check_count(name: str, value: Any, least: int) -> int | None:
    """`value` as an int of at least `least` (None stays None); else one line naming it."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
        raise AekitError(f"{name}: expected an integer of at least {least}, got {value!r}")
    return int(value)


def _starts(length: int, window: int, step: int, widest: int) -> np.ndarray:
    """Window starts every `step` steps, spaced further where that gives more than
    `MAX_WINDOWS`, but never more than `widest` apart (the window's own length for the
    windows scored, so that every point lies in one)."""
    spaced = max(step, -(-(length - window + 1) // MAX_WINDOWS))
    return window_starts(length, window, min(spaced, widest))


def _spread(scores: np.ndarray) -> float:
    """The interquartile range, or the standard deviation where half the scores tie (a flat
    series), or 1: never 0, so no score is NaN."""
    low, high = np.percentile(scores, [25, 75])
    return float(high - low) or float(scores.std()) or 1.0
