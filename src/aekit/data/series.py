"""Array layouts for convolutional and sequence models: images as (N, C, H, W), series as
(N, T, C), and one long series cut into overlapping windows.

Layouts are settled once, when data are read, so models never guess which axis is which.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aekit.data.formats import sliding_windows
from aekit.errors import AekitError

_CHANNEL_COUNTS = (1, 3, 4)


def image_layout(x: np.ndarray, path: Path) -> np.ndarray:
    """(N, H, W) -> (N, 1, H, W); (N, H, W, C) with C in 1/3/4 -> (N, C, H, W); NCHW kept."""
    if x.ndim == 3:
        return x[:, None]
    if x.ndim != 4:
        raise AekitError(f"{path}: images must be (N, H, W), (N, H, W, C) or (N, C, H, W), "
                         f"got shape {x.shape}")
    if x.shape[-1] in _CHANNEL_COUNTS and x.shape[1] not in _CHANNEL_COUNTS:
        return np.ascontiguousarray(np.moveaxis(x, -1, 1))
    return x


def series_layout(x: np.ndarray, path: Path) -> np.ndarray:
    """(N, T) -> (N, T, 1); (N, T, C) kept."""
    if x.ndim == 2:
        return x[:, :, None]
    if x.ndim != 3:
        raise AekitError(f"{path}: series must be (N, T) or (N, T, C) (--kind series), got "
                         f"shape {x.shape}")
    return x


def windows(x: np.ndarray, y: np.ndarray | None, window: int, stride: int, name: str
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
