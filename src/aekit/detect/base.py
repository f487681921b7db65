"""The detector every kind extends (PyOD's `BaseDetector`): fit on training data that may hold
anomalies, per-sample anomaly scores, and a threshold from the training scores: by default the
one above which a fraction `contamination` of them lie; with `contamination="auto"`, the
robust rule `auto_threshold` states, for data whose anomaly rate is unknown.

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
"""The fixed-fraction default: flag the top 5% of the training scores."""
AUTO = "auto"
AUTO_SIGMAS = 3
"""`contamination="auto"`: flag scores above median + AUTO_SIGMAS robust standard deviations."""
MAD_PER_STD = 1.4826
"""Standard deviations per median absolute deviation, for normally distributed scores."""
MEAN_AD_PER_STD = 1.2533
"""Standard deviations per mean absolute deviation (the fallback when the MAD is 0)."""


def check_contamination(contamination: float | str, option: str = "contamination"
                        ) -> float | str:
    """`contamination` as a float in (0, 0.5] or "auto"; else one line naming `option`."""
    if contamination == AUTO:
        return AUTO
    if isinstance(contamination, bool) or not isinstance(contamination, int | float) \
            or not 0 < contamination <= 0.5:
        raise AekitError(f"{option}: expected a fraction in (0, 0.5] or auto, got "
                         f"{contamination!r}")
    return float(contamination)


def check_threshold(threshold: float | None, option: str = "threshold") -> float | None:
    """An explicit threshold must be a finite number: NaN would flag nothing, silently."""
    if threshold is None:
        return None
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) \
            or not np.isfinite(threshold):
        raise AekitError(f"{option}: expected a finite number, got {threshold!r}")
    return float(threshold)


def column_shares(parts: np.ndarray) -> np.ndarray:
    """(N, columns) non-negative parts as shares of their row's total (equal shares for a row
    whose parts are all 0)."""
    totals = parts.sum(1, keepdims=True)
    return np.where(totals > 0, parts / np.where(totals > 0, totals, 1.0), 1.0 / parts.shape[1])


def auto_threshold(train_scores: np.ndarray) -> float:
    """median + 3 robust standard deviations of the training scores, the spread estimated as
    1.4826 * MAD (or, where over half the scores are equal and the MAD is 0, as 1.2533 * the
    mean absolute deviation from the median). Median and MAD, not mean and std, because the
    anomalies among the training scores would pull a mean and inflate a std; on a normal
    bulk, 3 sigmas flag about 0.1% of it."""
    median = float(np.median(train_scores))
    deviations = np.abs(train_scores - median)
    sigma = MAD_PER_STD * float(np.median(deviations)) or MEAN_AD_PER_STD * float(
        deviations.mean())
    return median + AUTO_SIGMAS * sigma


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
    contamination : float in (0, 0.5], or "auto"
        Fraction of the training data to flag; sets the threshold as a training-score quantile.
        "auto": median + 3 robust standard deviations of the training scores
        (`auto_threshold`), when the fraction is unknown.
    threshold : float or None
        An explicit threshold on the anomaly score (overrides `contamination`).
    """

    def __init__(self, *, contamination: float | str = DEFAULT_CONTAMINATION,
                 threshold: float | None = None):
        self.contamination = contamination
        self.threshold = threshold

    def _fit(self, x: np.ndarray) -> np.ndarray:
        """Train on the validated samples `x`; return their anomaly scores."""
        raise NotImplementedError

    def _scores(self, x: np.ndarray) -> np.ndarray:
        """Anomaly scores of the validated samples `x`."""
        raise NotImplementedError

    def _contamination(self) -> float | str:
        check_threshold(self.threshold)
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
        quantile, so about `contamination` of the training data is flagged (with "auto", by
        `auto_threshold`)."""
        contamination = self._contamination()
        if self.threshold is not None:
            self.threshold_ = float(self.threshold)
        elif train_scores is None:
            raise AekitError("threshold: give an explicit threshold or training scores")
        elif contamination == AUTO:
            self.threshold_ = auto_threshold(train_scores)
        else:
            self.threshold_ = float(np.quantile(train_scores, 1 - contamination))
        self.offset_ = -self.threshold_
        return self

    def anomaly_scores(self, X: Any) -> np.ndarray:
        """Anomaly score of each sample of X (higher = more anomalous)."""
        check_is_fitted(self, "decision_scores_")
        return self._scores(self._validate(X, reset=False))

    def explain(self, X: Any) -> Any:
        """Each column's share of each row's score, (N, columns), >= 0 and summing to 1 per
        row (a DataFrame with X's columns and index when X is one): which column made a row
        anomalous. How a kind splits its score is stated on its `_explain`."""
        check_is_fitted(self, "decision_scores_")
        shares = self._explain(self._validate(X, reset=False))
        if hasattr(X, "columns") and hasattr(X, "index"):
            import pandas as pd  # only for a caller who passed a DataFrame

            return pd.DataFrame(shares, columns=X.columns, index=X.index)
        return shares

    def _explain(self, x: np.ndarray) -> np.ndarray:
        """Per-column shares of the validated samples' scores; kinds that can split their
        score by column override it."""
        raise AekitError(f"explain: the {type(self).__name__}'s score is not split by column; "
                         "it is for tables scored by the default detector or a reconstruction "
                         "error")

    def score_samples(self, X: Any) -> np.ndarray:
        """Negative anomaly score (scikit-learn's convention: lower = more abnormal)."""
        return -self.anomaly_scores(X)

    def decision_function(self, X: Any) -> np.ndarray:
        """threshold - anomaly score: negative for anomalies."""
        return self.score_samples(X) - self.offset_

    def predict(self, X: Any) -> np.ndarray:
        """1 for normal samples, -1 for anomalies."""
        return np.where(self.decision_function(X) >= 0, 1, -1)
