"""Array layouts for sequence models: series as (N, T, C), and one long series cut into
overlapping windows (images: `images.image_layout`).

Layouts are settled once, when data are read, so models never guess which axis is which.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aekit.data.formats import sliding_windows
from aekit.errors import AekitError


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
