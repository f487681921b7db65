"""The user-facing anomaly detector: the kind of detector that fits the data, by one rule.

With no model options it is the default for the data's layout: the ensemble of narrow
autoencoders on a table (`detect/ensemble.py`), the strided conv autoencoder scored by code-space
neighbours on images (`detect/image.py`); any model option trains one autoencoder scored by a
registered score (`detect/reconstruction.py`). The kinds share the interface of
`detect/base.py`, so the detector only picks one and hands it the data.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from aekit.detect.base import DEFAULT_CONTAMINATION, BaseDetector
from aekit.detect.ensemble import EnsembleDetector
from aekit.detect.image import image_detector
from aekit.detect.reconstruction import ReconstructionDetector
from aekit.train.estimator import AutoencoderEstimator


class AnomalyDetector(BaseDetector, AutoencoderEstimator):
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
    contamination : float in (0, 0.5], or "auto"
        Fraction of the training data to flag; sets the threshold as a training-score quantile.
        "auto": median + 3 robust standard deviations of the training scores
        (`aekit.detect.base.auto_threshold`), when the fraction is unknown.
    threshold : float or None
        An explicit threshold on the anomaly score (overrides `contamination`).

    `anomaly_scores(X)` is higher for more anomalous rows; following scikit-learn,
    `score_samples` is its negative, `decision_function` is negative for anomalies, `predict`
    gives 1 (normal) or -1 (anomaly). As in PyOD, `decision_scores_` holds the training rows'
    scores and `labels_` their flags (1 = anomaly). Fitting needs at least 2 rows; NaN or
    infinite values are refused; one long series, scored per time point, is
    `aekit.detect.series_detector.SeriesDetector`'s (scikit-learn's estimators take samples,
    so a 1-D array is refused here rather than read as a series). `detector_` is the fitted
    kind (an `EnsembleDetector` or a
    `ReconstructionDetector`, with its model or members); a trained run's detector is
    `ReconstructionDetector.from_run(run)`.

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
                 n_jobs: int | None = None, anomaly_score: str = "auto",
                 contamination: float | str = DEFAULT_CONTAMINATION,
                 threshold: float | None = None):
        AutoencoderEstimator.__init__(self, model, preset=preset, hidden=hidden, epochs=epochs,
                                      lr=lr, batch_size=batch_size, options=options,
                                      input_shape=input_shape, scaling=scaling,
                                      random_state=random_state, device=device,
                                      n_jobs=n_jobs)
        BaseDetector.__init__(self, contamination=contamination, threshold=threshold)
        self.anomaly_score = anomaly_score

    def _kind(self, x: np.ndarray) -> BaseDetector:
        """The detector for the validated samples `x`: with no model option and the automatic
        score, the ensemble for a table, the image default for images (N, channels, height,
        width); else one autoencoder from the parameters, scored by `anomaly_score` (mse for
        "auto")."""
        shared = {"random_state": self.random_state, "device": self.device, "n_jobs": self.n_jobs,
                  "contamination": self.contamination, "threshold": self.threshold}
        if self.anomaly_score == "auto" and not self._chooses_model():
            if x.ndim == 2 and self.scaling in ("auto", "standard"):
                return EnsembleDetector(**shared)
            if x.ndim == 4 and self.scaling == "auto":
                images = image_detector(x, input_shape=self.input_shape, **shared)
                if images is not None:  # None: no conv step fits the image
                    return images
        params = {k: v for k, v in self.get_params(deep=False).items() if k != "anomaly_score"}
        return ReconstructionDetector(
            **params, anomaly_score="mse" if self.anomaly_score == "auto" else self.anomaly_score)

    def _fit(self, x: np.ndarray) -> np.ndarray:
        self.detector_ = self._kind(x).fit(x)
        return self.detector_.decision_scores_

    def _scores(self, x: np.ndarray) -> np.ndarray:
        return self.detector_.anomaly_scores(x)

    def _explain(self, x: np.ndarray) -> np.ndarray:
        return self.detector_._explain(x)
