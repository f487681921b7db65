"""Every aekit estimator, for scikit-learn's Pipeline and GridSearchCV.

`AutoencoderTransformer` maps rows to codes (`transform`) and back (`inverse_transform`).
`AnomalyDetector` (also under its scikit-learn name `AutoencoderOutlierDetector`) picks the
detector for the data; its kinds `EnsembleDetector` (tables) and `ReconstructionDetector` (one
autoencoder and a score, also `from_run` a trained run) share the base
`aekit.detect.base.BaseDetector`, as does `SeriesDetector` (each point of one long series scored
by its windows' discords). `PretrainedClassifier` and `SemiSupervisedClassifier` classify with
few labels. The autoencoder estimators are parameterised like `aekit train` (model or preset,
hidden sizes, training options), seeded by `random_state`, and follow the estimator contract: the
constructor stores parameters only, fitted attributes end in `_`, unfitted use raises
`NotFittedError`, and they pickle (weights and config, never the torch module). Pickling is the
user's choice; aekit itself never unpickles.

    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> clf = make_pipeline(AutoencoderTransformer(hidden=(64, 16), epochs=30),
    ...                     LogisticRegression()).fit(X, y)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted

from aekit.detect.base import BaseDetector
from aekit.detect.detector import AnomalyDetector
from aekit.detect.ensemble import EnsembleDetector
from aekit.detect.reconstruction import ReconstructionDetector
from aekit.detect.series_detector import SeriesDetector
from aekit.metrics import encode, infer, squared_errors
from aekit.tasks.classify import PretrainedClassifier
from aekit.tasks.semisup import SemiSupervisedClassifier
from aekit.train.estimator import AutoencoderEstimator, Estimator

AutoencoderOutlierDetector = AnomalyDetector

__all__ = [
    "AnomalyDetector",
    "AutoencoderEstimator",
    "AutoencoderOutlierDetector",
    "AutoencoderTransformer",
    "BaseDetector",
    "EnsembleDetector",
    "Estimator",
    "PretrainedClassifier",
    "ReconstructionDetector",
    "SemiSupervisedClassifier",
    "SeriesDetector",
]


class AutoencoderTransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin,
                             AutoencoderEstimator):
    """Codes of an aekit autoencoder as features.

    Takes the parameters of `aekit.train.estimator.AutoencoderEstimator` (model, preset, hidden,
    epochs, lr, batch_size, options, input_shape, scaling, random_state, device, n_jobs).
    `transform` gives (N, code_size) codes, `inverse_transform` decodes codes back to rows in
    the input's units, and `score` is the negative mean squared reconstruction error (in the
    scaled units), so GridSearchCV without `scoring` prefers the better reconstruction.
    """

    def fit(self, X: Any, y: Any = None) -> AutoencoderTransformer:
        """Train the autoencoder on X (y is ignored)."""
        self._fit_autoencoder(self._validate(X, reset=True))
        return self

    @property
    def _n_features_out(self) -> int:
        return self.model_.code_size

    def transform(self, X: Any) -> np.ndarray:
        """Codes of the rows of X, in X's float dtype."""
        x = self._scaled(X)
        return encode(self.model_, x).reshape(len(x), -1).astype(_float_dtype(X))

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Rows decoded from codes X, flattened, in the units of the data given to `fit`."""
        check_is_fitted(self, "model_")
        codes = _codes(X, self._n_features_out)
        recon = infer(self.model_, codes, self.model_.decode)
        return self.scaling_.undo(recon).reshape(len(codes), -1).astype(_float_dtype(X))

    def score(self, X: Any, y: Any = None) -> float:
        """Negative mean squared reconstruction error of X (higher is better)."""
        x = self._scaled(X)  # first: raises NotFittedError before model_ is touched
        return -float(squared_errors(self.model_, x).mean())


def _float_dtype(X: Any) -> np.dtype:
    dtype = getattr(X, "dtype", None)
    return np.dtype(np.float32) if dtype == np.float32 else np.dtype(np.float64)


def _codes(X: Any, size: int) -> np.ndarray:
    codes = check_array(X, dtype=(np.float64, np.float32)).astype(np.float32)
    if codes.shape[1] != size:
        raise ValueError(f"X has {codes.shape[1]} features, but inverse_transform expects "
                         f"codes of size {size}")
    return codes
