"""The scikit-learn estimators: the estimator contract (scikit-learn's own checks), Pipeline,
GridSearchCV, pickling, and N-D inputs for conv models."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from aekit.data.sources import load_source
from aekit.detect.detector import AnomalyDetector
from aekit.errors import AekitError
from aekit.estimators import AutoencoderOutlierDetector, AutoencoderTransformer

TINY = {"hidden": (4, 2), "epochs": 2, "batch_size": 64}


# Every check runs; none is skipped by aekit. scikit-learn itself skips check_array_api_input
# (SCIPY_ARRAY_API unset) and, without pandas, the pandas-input check.
@parametrize_with_checks([AutoencoderOutlierDetector(**TINY), AutoencoderOutlierDetector(),
                          AutoencoderTransformer(**TINY)])
def test_sklearn_estimator_checks(estimator, check) -> None:
    check(estimator)


def test_outlier_detector_is_the_anomaly_detector() -> None:
    assert AutoencoderOutlierDetector is AnomalyDetector


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    bunch = load_digits()
    return bunch.data / 16.0, bunch.target


def test_transformer_in_pipeline_and_grid_search(digits) -> None:
    """Codes feed a classifier; GridSearchCV clones and refits over the code size."""
    x, y = digits
    pipe = make_pipeline(AutoencoderTransformer(hidden=(32, 8), epochs=15, lr=3e-3,
                                                options={"output": "sigmoid"}, scaling="unit"),
                         LogisticRegression(max_iter=500))
    search = GridSearchCV(pipe, {"autoencodertransformer__hidden": [(32, 2), (32, 12)]}, cv=2)
    search.fit(x[:1000], y[:1000])
    assert search.best_params_["autoencodertransformer__hidden"] == (32, 12)
    assert search.score(x[1000:], y[1000:]) > 0.8  # 10 classes from 12 learned features


def test_transformer_score_prefers_better_reconstruction(digits) -> None:
    """GridSearchCV without `scoring` uses score = -reconstruction MSE: the larger code wins."""
    x, _ = digits
    search = GridSearchCV(AutoencoderTransformer(epochs=15, lr=3e-3),
                          {"hidden": [(32, 2), (32, 16)]}, cv=2).fit(x[:800])
    assert search.best_params_ == {"hidden": (32, 16)}
    assert search.best_score_ < 0


def test_detector_in_grid_search_with_a_labelled_scorer(digits) -> None:
    """An outlier detector tuned on labelled validation data via a custom scorer."""
    x, y = digits
    normal = x[y == 0]
    x_val = np.concatenate([normal[100:], x[y == 1][:40]])
    y_val = np.r_[np.zeros(len(normal) - 100), np.ones(40)]

    def auroc(est, X, labels):
        return roc_auc_score(labels, -est.score_samples(X))

    search = GridSearchCV(AutoencoderOutlierDetector(hidden=(16, 4), epochs=40, lr=3e-3),
                          {"anomaly_score": ["mse", "l1"]}, scoring=auroc,
                          cv=[(np.arange(100), np.arange(100, len(x_val) + 100))])
    search.fit(np.concatenate([normal[:100], x_val]), np.r_[np.zeros(100), y_val])
    assert search.best_score_ > 0.95


def test_pickle_round_trip_and_unfitted_errors(digits) -> None:
    x, _ = digits
    transformer = AutoencoderTransformer(hidden=(16, 4), epochs=3,
                                         options={"noise": "gaussian:0.1"})
    with pytest.raises(NotFittedError):
        transformer.transform(x)
    transformer.fit(x)
    restored = pickle.loads(pickle.dumps(transformer))
    np.testing.assert_array_equal(restored.transform(x), transformer.transform(x))
    np.testing.assert_array_equal(restored.inverse_transform(restored.transform(x[:5])),
                                  transformer.inverse_transform(transformer.transform(x[:5])))
    assert clone(transformer).get_params() == transformer.get_params()
    assert not hasattr(clone(transformer), "model_")


def test_conv_model_on_nd_and_flattened_images(digits) -> None:
    """(N, 1, 8, 8) arrays, or flat rows with input_shape, train a conv autoencoder."""
    x, _ = digits
    images = x.reshape(-1, 1, 8, 8)[:300]
    options = {"channels": (4, 4), "output": "sigmoid"}
    nd = AutoencoderTransformer("conv", hidden=(6,), epochs=2, options=options).fit(images)
    flat = AutoencoderTransformer("conv", hidden=(6,), epochs=2, options=options,
                                  input_shape=(1, 8, 8)).fit(images.reshape(300, -1))
    assert nd.n_features_in_ == flat.n_features_in_ == 64
    np.testing.assert_allclose(nd.transform(images), flat.transform(images.reshape(300, -1)))
    assert nd.inverse_transform(nd.transform(images)).shape == (300, 64)


def test_bad_parameters_fail_at_fit_naming_them(digits) -> None:
    x, _ = digits
    with pytest.raises(ValueError, match="options: unknown key 'hiden'"):
        AutoencoderTransformer(options={"hiden": (3,)}).fit(x)
    with pytest.raises(ValueError, match=r"input_shape: \[1, 9, 9\] holds 81 values"):
        AutoencoderTransformer(input_shape=(1, 9, 9)).fit(x)
    with pytest.raises(ValueError, match="contamination"):
        AutoencoderOutlierDetector(contamination=0.7).fit(x)
    with pytest.raises(ValueError, match="unknown score 'mae'"):
        AutoencoderOutlierDetector(anomaly_score="mae").fit(x)


def test_estimators_check_the_model_size_before_allocating(data_dir) -> None:
    """hidden=(10**9,) would ask for tens of GiB: refused in one line, as the CLI's --hidden
    is, before a byte is allocated (seconds, not an allocator failure)."""
    x = load_source(str(data_dir / "adbench" / "39_vertebral.npz")).x[:50]
    with pytest.raises(AekitError, match=r"hidden: the model has [\d,]+ parameters, .* GiB"):
        AutoencoderOutlierDetector(hidden=(10**9,)).fit(x)
