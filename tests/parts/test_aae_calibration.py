"""The AAE's moment calibration: codes with the prior's mean and covariance, the same decoder
output, on real digits; and the slow MNIST must-show at code size 8."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import aekit
from aekit import TrainConfig, Trainer, create_model, metrics, sampling
from aekit.parts.calibration import moments, transport_map
from benchmarks.aae_prior import stats
from benchmarks.digit_judge import accuracy, confidence, train_judge

VAE_JUDGED = 0.824  # the digit judge's confidence in vae-mnist's samples (test_generative.py)


def _digits_aae(x: np.ndarray, calibrate: bool, prior: str = "gaussian") -> aekit.Autoencoder:
    torch.manual_seed(0)
    model = create_model("aae", input_shape=x.shape[1:], hidden=(64, 2), activation="relu",
                         loss="bce", prior=prior, code_calibration=calibrate)
    Trainer(model, TrainConfig(lr=2e-3, batch_size=50, epochs=30, val_split=0.0),
            device="cpu").fit(x)
    return model.eval()


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    """Digits scaled to [0, 1]: 1,000 to train on, the other 797 held out."""
    data = aekit.load_source("digits")
    x = (data.x / data.full_scale).astype(np.float32)
    order = np.random.default_rng(0).permutation(len(x))
    return x[order[:1000]], x[order[1000:]]


def test_transport_map_is_symmetric_and_moves_one_covariance_onto_the_other():
    rng = np.random.default_rng(0)
    a, b = (torch.as_tensor(m @ m.T + np.eye(4), dtype=torch.float64)
            for m in rng.normal(size=(2, 4, 4)))
    m = transport_map(a, b)
    torch.testing.assert_close(m, m.T)
    torch.testing.assert_close(m @ a @ m, b)
    torch.testing.assert_close(transport_map(a, a), torch.eye(4, dtype=torch.float64))


def test_calibrated_2d_codes_match_the_prior_on_held_out_digits_and_decode_the_same(digits):
    train, held_out = digits
    raw, calibrated = _digits_aae(train, False), _digits_aae(train, True)
    mean, var, corr = stats(metrics.encode(calibrated, train))
    assert mean < 0.01 and var < 0.01 and corr < 0.01, (mean, var, corr)
    mean, var, corr = stats(metrics.encode(calibrated, held_out))
    assert mean < 0.1 and var < 0.15 and corr < 0.1, (mean, var, corr)
    raw_mean, raw_var, _ = stats(metrics.encode(raw, held_out))
    assert max(raw_mean - mean, raw_var - var) > 0.05, (raw_mean, raw_var)
    x = torch.as_tensor(held_out)
    with torch.no_grad():  # the decoder takes the inverse map: the same reconstructions
        torch.testing.assert_close(calibrated.decode(calibrated.encode(x)),
                                   raw.decode(raw.encode(x)), atol=1e-5, rtol=1e-4)


def test_mixture_prior_codes_take_the_mixtures_covariance(digits):
    train, _ = digits
    model = _digits_aae(train, True, prior="mixture")
    draws = model.adversary.sample_prior(1 << 16, torch.Generator().manual_seed(1))
    prior_mean, prior_cov = moments(draws.double())
    code_mean, code_cov = moments(torch.from_numpy(metrics.encode(model, train)).double())
    torch.testing.assert_close(code_mean, prior_mean, atol=0.03, rtol=0)
    torch.testing.assert_close(code_cov, prior_cov, atol=0.06, rtol=0.02)


def test_no_code_calibration_flag_reaches_the_model(tmp_path, capsys):
    from aekit.cli.main import main

    out = tmp_path / "run"
    assert main(["train", "--model", "aae", "--hidden", "16,2", "--data", "digits", "--epochs",
                 "1", "--no-code-calibration", "--out", str(out)]) == 0
    assert aekit.load_run(out).model.config.part_options("prior").code_calibration is False


@pytest.mark.slow
def test_aae_mnist_test_codes_match_the_prior_at_8d_and_samples_are_digits(mnist):
    """The must-show at code size 8: aae-mnist's recipe (20 epochs on 60k), 2,000 random test
    codes within 0.1 in mean, 0.15 in variance, 0.1 in correlation, and its prior samples judged
    digits at least as surely as vae-mnist's."""
    preset = aekit.load_preset("aae-mnist")
    torch.manual_seed(0)
    model = create_model(**{**preset.model, "name": "aae", "input_shape": (1, 28, 28)})
    Trainer(model, TrainConfig(**{**preset.train, "val_split": 0.0}), device="cpu").fit(
        mnist["x_train"])
    pick = np.random.default_rng(0).choice(len(mnist["x_test"]), 2000, replace=False)
    mean, var, corr = stats(metrics.encode(model.eval(), mnist["x_test"][pick]))
    assert mean < 0.1 and var < 0.15 and corr < 0.1, (mean, var, corr)
    judge = train_judge(mnist["x_train"], mnist["y_train"])
    assert accuracy(judge, mnist["x_test"], mnist["y_test"]) > 0.97
    assert confidence(judge, sampling.sample(model, 1000, seed=0)) >= VAE_JUDGED


def test_a_non_boolean_code_calibration_names_the_field():
    with pytest.raises(aekit.AekitError, match=r"model.code_calibration \(--code-calibration\): "
                                               r"expected true or false, got 'yes'"):
        create_model("aae", input_shape=(64,), hidden=(16, 2), code_calibration="yes")
