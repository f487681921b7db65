"""Windows of one long series: how it is cut into samples, which windows cover every point,
and how window scores go back to points.

Training cuts windows every `stride` steps (`series_windows`, or `window_count` for a series
read lazily); detection adds one window ending at the last step (`window_starts`) so every
point has a score, the mean of the windows that cover it (`point_scores`).
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
