"""Per-sample anomaly scores by name: reconstruction errors and code statistics
(`reconstruction`), code-space neighbour distances (`neighbours`)."""

from __future__ import annotations

import numpy as np
import torch

from aekit.registry import lookup, names
from aekit.scores import neighbours, reconstruction  # noqa: F401  (register the scores)


def fit_score(model: torch.nn.Module, x_train: np.ndarray, score: str) -> dict[str, np.ndarray]:
    """What score `score` learns from the (scaled) training data; {} for the plain errors."""
    lookup("score", score, "--score")
    return lookup("score_fit", score)(model, x_train) if score in names("score_fit") else {}


def anomaly_scores(model: torch.nn.Module, x_scaled: np.ndarray, score: str = "mse",
                   state: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Score `score` (a registered name) of each sample, in the model's scaled units; `state`
    is what `fit_score` learnt, for the scores fitted to the training data."""
    return lookup("score", score, "--score")(model, x_scaled, **(state or {}))
