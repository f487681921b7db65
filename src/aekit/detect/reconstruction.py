"""The reconstruction detector: one autoencoder and a registered anomaly score.

An autoencoder trained on normal data reconstructs normal inputs well and others badly, so a
per-sample reconstruction error (or a statistic of the codes, `aekit.scores`) is an anomaly
score. The detector is trained from parameters as `aekit train` would (`fit`), or taken from a
trained run (`from_run`): its model, its scaling, and the training split's scores the run keeps
beside the weights, so no training data is read again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from aekit.detect.base import DEFAULT_CONTAMINATION, BaseDetector, column_shares
from aekit.metrics import row_element_errors
from aekit.registry import lookup
from aekit.runs.run import Run, load_run
from aekit.runs.train_scores import train_scores
from aekit.scores import anomaly_scores, fit_score
from aekit.train.estimator import AutoencoderEstimator


class ReconstructionDetector(BaseDetector, AutoencoderEstimator):
    """Anomaly scores of one aekit autoencoder (scikit-learn style).

    Takes the parameters of `aekit.train.estimator.AutoencoderEstimator` (model, preset, hidden,
    epochs, lr, batch_size, options, input_shape, scaling, random_state, device), those of
    `aekit.detect.base.BaseDetector` (contamination, threshold), and

    anomaly_score : str
        A registered score: mse, bce, l1, l2, linf, code, mse+code, knn, mse+knn, or elbo
        (a VAE's -ELBO).

    Fitted: `model_`, `scaling_` and `score_state_` (what the score learnt from the training
    data), besides the base's `decision_scores_`, `threshold_` and `labels_`.

    >>> ReconstructionDetector.from_run("runs/ecg", "mse+knn").anomaly_scores(x)
    """

    def __init__(self, model: str | None = None, *, preset: str | None = None,
                 hidden: tuple[int, ...] | None = None, epochs: int | None = None,
                 lr: float | None = None, batch_size: int | None = None,
                 options: dict[str, Any] | None = None, input_shape: tuple[int, ...] | None = None,
                 scaling: str = "auto", random_state: int = 0, device: str = "cpu",
                 n_jobs: int | None = None, anomaly_score: str = "mse",
                 contamination: float | str = DEFAULT_CONTAMINATION,
                 threshold: float | None = None):
        AutoencoderEstimator.__init__(self, model, preset=preset, hidden=hidden, epochs=epochs,
                                      lr=lr, batch_size=batch_size, options=options,
                                      input_shape=input_shape, scaling=scaling,
                                      random_state=random_state, device=device,
                                      n_jobs=n_jobs)
        BaseDetector.__init__(self, contamination=contamination, threshold=threshold)
        self.anomaly_score = anomaly_score

    @classmethod
    def from_run(cls, run: Run | str | Path, anomaly_score: str = "mse", **params: Any
                 ) -> ReconstructionDetector:
        """The fitted detector of a trained run: its model and scaling, and the threshold
        from its training split's `anomaly_score` scores (stored in the run, computed and
        kept on first use). `params`: contamination, threshold, device."""
        loaded = run if isinstance(run, Run) else load_run(run)
        detector = cls(loaded.model_config.arch, anomaly_score=anomaly_score,
                       input_shape=tuple(loaded.model_config.input_shape),
                       scaling=loaded.data_config.scaling, **params)
        detector._contamination()  # before any training scores are computed
        scores, detector.score_state_ = train_scores(loaded, anomaly_score)
        detector._set_input_shape(detector.input_shape)
        detector._set_model(loaded.model, loaded.scaling)
        if loaded.data_config.columns is not None:  # DataFrames matched by name, as the CLI does
            detector.columns_ = list(loaded.data_config.columns)
            detector.encoding_ = loaded.data_config.encoding or {}
        return detector._fitted(scores)

    def _fit(self, x: np.ndarray) -> np.ndarray:
        lookup("score", self.anomaly_score, "anomaly_score")  # before any training
        x_scaled = self._fit_autoencoder(x)
        self.score_state_ = fit_score(self.model_, x_scaled, self.anomaly_score)
        return anomaly_scores(self.model_, x_scaled, self.anomaly_score, self.score_state_)

    def _explain(self, x: np.ndarray) -> np.ndarray:
        """Each element's share of the row's squared reconstruction error (for any score:
        the error is what the model could not rebuild), flattened to the row's values."""
        errors = row_element_errors(self.model_, self.scaling_.apply(x).astype(np.float64))
        return column_shares(errors)

    def _scores(self, x: np.ndarray) -> np.ndarray:
        return anomaly_scores(self.model_, self.scaling_.apply(x).astype(np.float64),
                              self.anomaly_score, self.score_state_)
