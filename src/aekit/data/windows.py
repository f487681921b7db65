"""Windows of one long series: how it is cut into samples, which windows cover every point,
and how window scores go back to points.

Training cuts windows every `stride` steps (`series_windows`, or `window_count` for a series
read lazily); detection adds one window ending at the last step (`window_starts`) so every
point has a score, the mean of the windows that cover it (`point_scores`). With no window
given, `dominant_period` finds one from the series itself.
"""

from __future__ import annotations

import numpy as np

from aekit.errors import AekitError


def check_window(length: int, window: int, name: str) -> None:
    """Refuse a window longer than the series it is cut from."""
    if window > length:
        raise AekitError(f"{name}: --window {window} is longer than the series ({length} steps)")


def window_count(length: int, window: int, stride: int, name: str) -> int:
    """How many windows of `window` steps start every `stride` steps in `length` steps."""
    check_window(length, window, name)
    return (length - window) // stride + 1


def sliding_windows(x: np.ndarray, window: int, stride: int, name: str) -> np.ndarray:
    """(L, C) -> (N, window, C) windows every `stride` steps; a view, no copy."""
    check_window(len(x), window, name)
    view = np.lib.stride_tricks.sliding_window_view(x, window, axis=0)  # (L-w+1, C, w)
    return np.moveaxis(view[::stride], -1, 1)


def series_windows(x: np.ndarray, y: np.ndarray | None, window: int, stride: int, name: str
                   ) -> tuple[np.ndarray, np.ndarray | None]:
    """One long series (L,) or (L, C) -> (N, window, C); a window's label is its largest one
    (so a window holding any anomaly is labelled anomalous)."""
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise AekitError(f"{name}: --window needs one long series (L, C), got shape {x.shape}")
    cut = np.ascontiguousarray(sliding_windows(x, window, stride, name))
    if y is None:
        return cut, None
    return cut, sliding_windows(y[:, None], window, stride, name).max(axis=(1, 2))


def window_starts(length: int, window: int, stride: int, name: str = "--data") -> np.ndarray:
    """Starts every `stride` steps, plus one window ending at the last step, so every point
    of the series is covered."""
    check_window(length, window, name)
    starts = np.arange(0, length - window + 1, stride)
    return starts if starts[-1] == length - window else np.append(starts, length - window)


def point_scores(window_scores: np.ndarray, starts: np.ndarray, window: int, length: int
                 ) -> np.ndarray:
    """Each point's score: the mean score of the windows that cover it."""
    total, count = np.zeros(length + 1), np.zeros(length + 1)
    np.add.at(total, starts, window_scores)
    np.add.at(total, starts + window, -window_scores)
    np.add.at(count, starts, 1)
    np.add.at(count, starts + window, -1)
    return np.cumsum(total)[:length] / np.cumsum(count)[:length]


PERIOD_PREFIX = 20_000
"""Steps of a series' start that its period is read from: the autocorrelation of a prefix costs
the same on a series of 10 million steps as on one of 20,000."""
SHORTEST_PERIOD = 8
FALLBACK_PERIOD = 100
"""The window of a series with no repeating shape (no autocorrelation peak after it turns
negative): a common hand-picked length in the series literature."""


def dominant_period(series: np.ndarray) -> int:
    """The series' dominant period: the highest peak of its autocorrelation (summed over its
    channels, on its first `PERIOD_PREFIX` steps) after the autocorrelation first drops below
    zero, searched in [8, n // 20] (n: the prefix's length) so that at least 20 periods fit in
    it (TSB-UAD's rule); `FALLBACK_PERIOD` (at most n // 20) when it never drops below zero."""
    x = series.reshape(len(series), -1)[:PERIOD_PREFIX].astype(np.float64)
    x = x - x.mean(axis=0)
    n = len(x)
    longest = max(SHORTEST_PERIOD, n // 20)
    spectrum = np.fft.rfft(x, 2 * n, axis=0)
    autocorrelation = np.fft.irfft(spectrum * np.conj(spectrum), axis=0)[:n].sum(axis=1)
    if autocorrelation[0] <= 0:  # a constant series
        return min(FALLBACK_PERIOD, longest)
    below_zero = np.flatnonzero(autocorrelation[:longest] < 0)
    if len(below_zero) == 0 or max(below_zero[0], SHORTEST_PERIOD) >= longest:
        return min(FALLBACK_PERIOD, longest)
    first = max(below_zero[0], SHORTEST_PERIOD)
    return int(first + np.argmax(autocorrelation[first:longest]))
