"""The detector every kind extends (PyOD's `BaseDetector`): fit on training data that may hold
anomalies, per-sample anomaly scores, and a threshold such that a fraction `contamination` of the
training scores lie above it.

A kind says how it trains (`_fit`, returning the training samples' scores) and how it scores
validated samples (`_scores`); the base does the rest once: input checks, the contamination rule,
the threshold, the flags, and scikit-learn's outlier conventions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import OutlierMixin
from sklearn.utils.validation import check_is_fitted

from aekit.errors import AekitError
from aekit.train.estimator import Estimator

DEFAULT_CONTAMINATION = 0.05


def check_contamination(contamination: float, option: str = "contamination") -> float:
    """`contamination` as a float in (0, 0.5]; else one line naming `option`."""
    if isinstance(contamination, bool) or not isinstance(contamination, int | float) \
            or not 0 < contamination <= 0.5:
        raise AekitError(f"{option}: expected a fraction in (0, 0.5], got {contamination!r}")
    return float(contamination)


class BaseDetector(OutlierMixin, Estimator):
    """Fit, score, threshold: what every aekit anomaly detector does alike.

    `anomaly_scores(X)` is higher for more anomalous samples; following scikit-learn,
    `score_samples` is its negative, `decision_function` is negative for anomalies, `predict`
    gives 1 (normal) or -1 (anomaly). As in PyOD, `decision_scores_` holds the training
    samples' scores, `threshold_` the score above which a sample is flagged, and `labels_` the
    training samples' flags (1 = anomaly). Fitting needs at least 2 samples; NaN or infinite
    values are refused.

    Parameters
    ----------
    contamination : float in (0, 0.5]
        Fraction of the training data to flag; sets the threshold as a training-score quantile.
    threshold : float or None
        An explicit threshold on the anomaly score (overrides `contamination`).
    """

    def __init__(self, *, contamination: float = DEFAULT_CONTAMINATION,
                 threshold: float | None = None):
        self.contamination = contamination
        self.threshold = threshold

    def _fit(self, x: np.ndarray) -> np.ndarray:
        """Train on the validated samples `x`; return their anomaly scores."""
        raise NotImplementedError

    def _scores(self, x: np.ndarray) -> np.ndarray:
        """Anomaly scores of the validated samples `x`."""
        raise NotImplementedError

    def _contamination(self) -> float:
        return check_contamination(self.contamination)

    def fit(self, X: Any, y: Any = None) -> BaseDetector:
        """Train on X (its anomalies may be in it) and set the threshold from its scores."""
        self._contamination()  # before any training
        x = self._validate(X, reset=True)
        if len(x) < 2:
            raise AekitError(f"X: {len(x)} sample; the detector needs at least 2 samples "
                             "(rows) to fit")
        return self._fitted(self._fit(x))

    def _fitted(self, train_scores: np.ndarray) -> BaseDetector:
        """The training scores, the threshold they give and their flags (PyOD's
        `_process_decision_scores`): the last step of `fit` and of a detector built from a run."""
        self.decision_scores_ = train_scores
        self.set_threshold(train_scores)
        self.labels_ = (train_scores > self.threshold_).astype(np.int64)
        return self

    def set_threshold(self, train_scores: np.ndarray | None) -> BaseDetector:
        """`threshold_` from the explicit threshold or the training scores' (1 - contamination)
        quantile, so about `contamination` of the training data is flagged."""
        if self.threshold is not None:
            self.threshold_ = float(self.threshold)
        elif train_scores is None:
            raise AekitError("threshold: give an explicit threshold or training scores")
        else:
            self.threshold_ = float(np.quantile(train_scores, 1 - self._contamination()))
        self.offset_ = -self.threshold_
        return self

    def anomaly_scores(self, X: Any) -> np.ndarray:
        """Anomaly score of each sample of X (higher = more anomalous)."""
        check_is_fitted(self, "decision_scores_")
        return self._scores(self._validate(X, reset=False))

    def score_samples(self, X: Any) -> np.ndarray:
        """Negative anomaly score (scikit-learn's convention: lower = more abnormal)."""
        return -self.anomaly_scores(X)

    def decision_function(self, X: Any) -> np.ndarray:
        """threshold - anomaly score: negative for anomalies."""
        return self.score_samples(X) - self.offset_

    def predict(self, X: Any) -> np.ndarray:
        """1 for normal samples, -1 for anomalies."""
        return np.where(self.decision_function(X) >= 0, 1, -1)
