"""Point scores of one long series: a detector trained on windows scores each window of the
series, and each point gets the mean score of the windows that cover it."""

from __future__ import annotations

import numpy as np

from aekit.data.windows import point_scores, sliding_windows, window_starts
from aekit.detect.base import BaseDetector
from aekit.errors import AekitError


def series_scores(detector: BaseDetector, series: np.ndarray, window: int, stride: int,
                  name: str) -> np.ndarray:
    """(L,) point scores of the series (L, C) `name` from its windows of `window` steps
    starting every `stride` steps (and one ending at the last step); any kind of fitted
    detector on (window, C) samples scores them."""
    channels = detector.input_shape_[-1]
    if series.ndim != 2 or series.shape[1] != channels:
        raise AekitError(f"--data: {name} has {series.shape[1:]} features per step, the model "
                         f"expects {channels}")
    starts = window_starts(len(series), window, stride)
    windows = sliding_windows(series, window, 1, name)[starts]  # (N, window, C)
    return point_scores(detector.anomaly_scores(windows), starts, window, len(series))
