"""Anomaly detection by reconstruction: per-sample scores, thresholds and the detector (the
point scores of a long series: `aekit.data.windows`).

An autoencoder trained on normal data reconstructs normal inputs well and others badly, so the
per-sample reconstruction error is an anomaly score (higher = more anomalous). Scores are
registered under kind "score" (`mse`, `bce`, `l1`, `l2`, `linf`); each is a function
`(model, x_scaled) -> (N,) float64`, so a model-specific score (a VAE's negative ELBO) is one
more `register("score", name)` entry. A score that needs statistics of the training data
(`code`: distance of the code from the training codes; `mse+code`; `knn` and `mse+knn` in
`scores/neighbours.py`) also registers a `"score_fit"` function whose arrays are passed to it
as keywords. A threshold is the (1 - contamination) quantile of the training scores, so about
`contamination` of the training data is flagged.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import OutlierMixin

from aekit.data.scaling import fit_scaling
from aekit.data.sources import Dataset
from aekit.detect import ensemble
from aekit.detect.image import ImagePlan, image_plan
from aekit.errors import AekitError
from aekit.registry import lookup
from aekit.scores import anomaly_scores, fit_score
from aekit.train.estimator import AutoencoderEstimator

DEFAULT_CONTAMINATION = 0.05


def check_contamination(contamination: float, option: str = "--contamination") -> float:
    if isinstance(contamination, bool) or not isinstance(contamination, int | float) \
            or not 0 < contamination <= 0.5:
        raise AekitError(f"{option}: expected a fraction in (0, 0.5], got {contamination!r}")
    return float(contamination)


def threshold_for(train_scores: np.ndarray, contamination: float) -> float:
    """The score above which a fraction `contamination` of the training scores lie."""
    return float(np.quantile(train_scores, 1 - check_contamination(contamination)))


class AnomalyDetector(OutlierMixin, AutoencoderEstimator):
    """Outlier detector on aekit autoencoders' reconstruction error (scikit-learn style).

    With no model options (`AnomalyDetector()`) on a table, it is the default detector
    (`aekit.detect.ensemble`), chosen by one rule from the training table's shape (N rows, F
    features) and nothing else:
    - scaling: each column standardised on the training rows (a constant column becomes 0);
    - 5 autoencoders F-h-c-h-F, each from its own seed: code c = ceil(sqrt(F) / 2), at most
      F - 1 (always narrower than the input; 1 for F <= 2), one hidden layer of
      h = min(64, max(2c, F)) ELU units, linear code and output;
    - training: 15 epochs of Adam (lr 1e-3), or as many as make 3,000 steps when that is fewer
      (at least 5), batches of max(64, min(1024, N // 100)) rows, on the trimmed MSE (the
      worst-reconstructed 10% of each batch left out of the gradient, so the anomalies in the
      training data are not learnt);
    - score: the mean over the members of (reconstruction error, each column's over its mean
      training error + mean distance of the code to its 2nd to 6th nearest training codes),
      plus half the distance of the row from the training median (the mean over the columns
      of log(1 + z^2), z in interquartile ranges / 1.349); each view is standardised on a
      log scale over the training rows.

    On images (N, channels, height, width) it trains one strided conv autoencoder (32, 64, 64
    channels while the image is wide enough, code min(32, pixels // 4);
    `aekit.detect.image`) scored by `knn`. Any model option (model, preset, hidden,
    epochs, batch_size, options) or a non-default `anomaly_score` trains one autoencoder as
    `aekit train` would, scored by `anomaly_score`.

    Parameters
    ----------
    anomaly_score : str
        "auto" (the default detector's score, or mse for one autoencoder), or a registered
        score: mse, bce, l1, l2, linf, code, mse+code, knn, mse+knn, or elbo
        (a VAE's -ELBO).
    contamination : float in (0, 0.5]
        Fraction of the training data to flag; sets the threshold as a training-score quantile.
    threshold : float or None
        An explicit threshold on the anomaly score (overrides `contamination`).

    `anomaly_scores(X)` is higher for more anomalous rows; following scikit-learn,
    `score_samples` is its negative, `decision_function` is negative for anomalies, `predict`
    gives 1 (normal) or -1 (anomaly). As in PyOD, `decision_scores_` holds the training rows'
    scores and `labels_` their flags (1 = anomaly). Fitting needs at least 2 rows; NaN or
    infinite values are refused.

    Examples
    --------
    >>> det = AnomalyDetector().fit(x_train)            # the default detector
    >>> det.decision_scores_, det.anomaly_scores(x_test)
    >>> AnomalyDetector("conv", hidden=(32,), input_shape=(1, 28, 28), epochs=20)
    """

    def __init__(self, model: str | None = None, *, preset: str | None = None,
                 hidden: tuple[int, ...] | None = None, epochs: int | None = None,
                 lr: float | None = None, batch_size: int | None = None,
                 options: dict[str, Any] | None = None, input_shape: tuple[int, ...] | None = None,
                 scaling: str = "auto", random_state: int = 0, device: str = "cpu",
                 anomaly_score: str = "auto", contamination: float = DEFAULT_CONTAMINATION,
                 threshold: float | None = None):
        super().__init__(model, preset=preset, hidden=hidden, epochs=epochs, lr=lr,
                         batch_size=batch_size, options=options, input_shape=input_shape,
                         scaling=scaling, random_state=random_state, device=device)
        self.anomaly_score = anomaly_score
        self.contamination = contamination
        self.threshold = threshold

    def _default_plan(self, x: np.ndarray) -> ensemble.Plan | ImagePlan | None:
        """The default detector's plan when no model option is set: the ensemble for a
        table, the conv plan for images (N, channels, height, width); else None."""
        if self.anomaly_score != "auto" or self._chooses_model():
            return None
        if x.ndim == 2 and self.scaling in ("auto", "standard"):
            return ensemble.default_plan(*x.shape)
        return image_plan(x) if x.ndim == 4 and self.scaling == "auto" else None

    def fit(self, X: Any, y: Any = None) -> AnomalyDetector:
        """Train on X (its anomalies may be in it) and set the threshold from its scores."""
        check_contamination(self.contamination, "contamination")
        if self.anomaly_score != "auto":
            lookup("score", self.anomaly_score, "anomaly_score")
        x = self._validate(X, reset=True)
        if len(x) < 2:
            raise AekitError(f"X: {len(x)} sample; the detector needs at least 2 samples "
                             "(rows) to fit")
        self.plan_ = self._default_plan(x)
        if isinstance(self.plan_, ensemble.Plan):
            self.scaling_ = fit_scaling(Dataset(x, None, "X", "tabular"), "standard")
            x = self.scaling_.apply(x).astype(np.float64)
            self.members_ = ensemble.train_members(x.astype(np.float32), self.plan_,
                                                   self.random_state, self.device)
            self.model_ = self.members_[0]
            self.score_state_, scores = ensemble.fit_state(self.members_, x, self.random_state)
        else:
            x = self._fit_autoencoder(X, self.plan_.params if self.plan_ else None)
            self.score_state_ = fit_score(self.model_, x, self._score_name())
            scores = anomaly_scores(self.model_, x, self._score_name(), self.score_state_)
        self.decision_scores_ = scores
        self.set_threshold(scores)
        self.labels_ = (scores > self.threshold_).astype(np.int64)
        return self

    def _score_name(self) -> str:
        if self.anomaly_score != "auto":
            return self.anomaly_score
        return self.plan_.score if isinstance(self.plan_, ImagePlan) else "mse"

    def set_threshold(self, train_scores: np.ndarray | None) -> AnomalyDetector:
        """`threshold_` from the explicit threshold or the training scores' quantile."""
        if self.threshold is not None:
            self.threshold_ = float(self.threshold)
        elif train_scores is None:
            raise AekitError("threshold: give an explicit threshold or training scores")
        else:
            self.threshold_ = threshold_for(train_scores, self.contamination)
        self.offset_ = -self.threshold_
        return self

    def anomaly_scores(self, X: Any) -> np.ndarray:
        """Anomaly score of each row of X (higher = more anomalous)."""
        x = self._scaled(X)  # first: raises NotFittedError before model_ is touched
        if isinstance(getattr(self, "plan_", None), ensemble.Plan):
            return ensemble.ensemble_scores(self.members_, x, self.score_state_)
        return anomaly_scores(self.model_, x, self._score_name(), self.score_state_)

    def score_samples(self, X: Any) -> np.ndarray:
        """Negative anomaly score (scikit-learn's convention: lower = more abnormal)."""
        return -self.anomaly_scores(X)

    def decision_function(self, X: Any) -> np.ndarray:
        """threshold - anomaly score: negative for anomalies."""
        return self.score_samples(X) - self.offset_

    def predict(self, X: Any) -> np.ndarray:
        """1 for normal rows, -1 for anomalies."""
        return np.where(self.decision_function(X) >= 0, 1, -1)
