"""Anomaly detection: scores against numpy, thresholds against the requested contamination,
outliers of another distribution found, series point scores, and `aekit detect` end to end."""

from __future__ import annotations

import copy
import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

import aekit
import aekit.scores as scoring
from aekit.cli.main import main
from aekit.data import windows
from aekit.detect.detector import AnomalyDetector
from aekit.runs.train_scores import TRAIN_SCORES, train_scores

ECG = "timeseries/ecg-diff-count-3_{}.csv"


@pytest.fixture(scope="module")
def fitted(mnist) -> tuple[AnomalyDetector, np.ndarray]:
    """A small dense detector trained on 3000 MNIST training images (flattened)."""
    x = mnist["x_train"][:3000].reshape(3000, -1)
    det = AnomalyDetector(hidden=(128, 32), epochs=5, lr=2e-3, contamination=0.05,
                          options={"output": "sigmoid"}, scaling="unit").fit(x)
    return det, x


def test_flags_inputs_from_another_distribution(fitted, mnist) -> None:
    """Inverted digits and uniform noise score far above MNIST test digits."""
    det, _ = fitted
    normal = mnist["x_test"][:500].reshape(500, -1)
    noise = np.random.default_rng(0).uniform(0, 1, (250, 784)).astype(np.float32)
    outliers = np.concatenate([1 - normal[:250], noise])
    x = np.concatenate([normal, outliers])
    y = np.r_[np.zeros(500), np.ones(500)]
    assert roc_auc_score(y, det.anomaly_scores(x)) > 0.95
    assert roc_auc_score(y, -det.decision_function(x)) > 0.95
    assert (det.predict(outliers) == -1).mean() > 0.95
    assert (det.predict(normal) == 1).mean() > 0.85


@pytest.mark.parametrize("contamination", [0.01, 0.05, 0.1, 0.25, 0.5])
def test_threshold_flags_the_requested_share_of_training_data(fitted, contamination) -> None:
    det, x = fitted
    det = copy.copy(det).set_params(contamination=contamination)  # the fixture stays as it is
    det.set_threshold(det.anomaly_scores(x))
    assert abs((det.predict(x) == -1).mean() - contamination) <= 0.01


def test_fit_itself_flags_its_contamination(fitted) -> None:
    det, x = fitted
    assert abs((det.predict(x) == -1).mean() - 0.05) <= 0.01
    explicit = copy.copy(det).set_params(threshold=float(np.median(det.anomaly_scores(x))))
    explicit.set_threshold(None)
    assert abs((explicit.predict(x) == -1).mean() - 0.5) <= 0.01


def test_scores_match_numpy(fitted) -> None:
    det, x = fitted
    model = det.detector_.model_
    x = x[:200].astype(np.float64)
    recon = aekit.metrics.reconstruct(model, x).reshape(200, -1)
    diff = x - recon
    r = np.clip(recon, 1e-7, 1 - 1e-7)
    expected = {"mse": (diff**2).mean(1), "l1": np.abs(diff).mean(1),
                "l2": np.sqrt((diff**2).sum(1)), "linf": np.abs(diff).max(1),
                "bce": -(x * np.log(r) + (1 - x) * np.log(1 - r)).mean(1)}
    for name, values in expected.items():
        torch.testing.assert_close(scoring.anomaly_scores(model, x, name), values,
                                   rtol=1e-6, atol=1e-9)


def test_code_scores_match_numpy(fitted) -> None:
    """`code` is the squared Mahalanobis distance under the training codes' Gaussian (its
    covariance plus 1e-6 of the mean variance on the diagonal);
    `mse+code` adds it to the MSE, each over its training standard deviation."""
    det, x = fitted
    model = det.detector_.model_
    train, test = x[:1000].astype(np.float64), x[1000:1200].astype(np.float64)
    codes = aekit.metrics.encode(model, train).astype(np.float64)
    cov = np.cov(codes.T)
    cov += 1e-6 * np.trace(cov) / len(cov) * np.eye(len(cov))  # the documented ridge
    centred = aekit.metrics.encode(model, test) - codes.mean(0)
    expected = (centred * np.linalg.solve(cov, centred.T).T).sum(1)
    state = scoring.fit_score(model, train, "code")
    torch.testing.assert_close(scoring.anomaly_scores(model, test, "code", state),
                               expected, rtol=1e-3, atol=1e-6)
    state = scoring.fit_score(model, train, "mse+code")
    mse = scoring.anomaly_scores(model, test, "mse")
    gaussian = {k: state[k] for k in ("mean", "precision")}
    train_code = scoring.anomaly_scores(model, train, "code", gaussian)
    combined = mse / scoring.anomaly_scores(model, train, "mse").std() \
        + scoring.anomaly_scores(model, test, "code", gaussian) / train_code.std()
    torch.testing.assert_close(scoring.anomaly_scores(model, test, "mse+code", state),
                               combined)


def test_knn_scores_match_numpy(fitted) -> None:
    """`knn` is the mean Mahalanobis distance (under the training codes' covariance) of the
    code to its 2nd to 6th nearest training codes (brute force here); `mse+knn` adds it to the
    MSE, each over its training standard deviation."""
    det, x = fitted
    model = det.detector_.model_
    train, test = x[:1000].astype(np.float64), x[1000:1200].astype(np.float64)
    reference = aekit.metrics.encode(model, train).astype(np.float64)
    codes = aekit.metrics.encode(model, test).astype(np.float64)
    cov = np.cov(reference, rowvar=False)
    precision = np.linalg.inv(cov + 1e-6 * np.trace(cov) / len(cov) * np.eye(len(cov)))
    gaps = codes[:, None] - reference[None]
    distances = np.sort(np.sqrt(np.einsum("abi,ij,abj->ab", gaps, precision, gaps)), axis=1)
    state = scoring.fit_score(model, train, "knn")
    # whitened reference codes: uncorrelated, unit variance but where the ridge damps a
    # near-dead direction
    whitened = np.cov(state["rows_reference"], rowvar=False)
    assert np.abs(whitened - np.diag(np.diag(whitened))).max() < 1e-8
    assert np.median(np.diag(whitened)) > 0.999 and np.diag(whitened).max() < 1 + 1e-9
    knn = scoring.anomaly_scores(model, test, "knn", state)
    torch.testing.assert_close(knn, distances[:, 1:6].mean(1), rtol=1e-4, atol=1e-6)
    train_knn = scoring.anomaly_scores(model, train, "knn", state)
    combined = scoring.anomaly_scores(model, test, "mse") / scoring.anomaly_scores(
        model, train, "mse").std() + knn / train_knn.std()
    state = scoring.fit_score(model, train, "mse+knn")
    torch.testing.assert_close(scoring.anomaly_scores(model, test, "mse+knn", state),
                               combined)


def test_point_scores_average_the_covering_windows() -> None:
    rng = np.random.default_rng(1)
    starts = windows.window_starts(23, 5, 4)
    assert starts.tolist() == [0, 4, 8, 12, 16, 18]  # the last window ends at the last step
    window_scores = rng.uniform(size=len(starts))
    expected = [np.mean([s for s, a in zip(window_scores, starts, strict=True) if a <= t < a + 5])
                for t in range(23)]
    np.testing.assert_allclose(windows.point_scores(window_scores, starts, 5, 23), expected)


def _npz(path: Path, x: np.ndarray, y: np.ndarray | None = None) -> str:
    np.savez(path, x=x, **({} if y is None else {"y": y}))
    return str(path)


def test_detect_cli_on_labelled_images(tmp_path, mnist, capsys) -> None:
    """Train with --train-normal-only on a labelled .npz, detect on another: JSON metrics,
    scores.csv in input order, the stored training scores and the histogram figure."""
    digits = (mnist["x_train"][:1200, 0] * 255).astype(np.uint8)
    outliers = 255 - digits[:200]
    train = _npz(tmp_path / "train.npz", np.concatenate([digits[:1000], outliers[:100]]),
                 np.r_[np.zeros(1000), np.ones(100)].astype(np.int64))
    test = _npz(tmp_path / "test.npz", np.concatenate([digits[1000:], outliers[100:]]),
                np.r_[np.zeros(200), np.ones(100)].astype(np.int64))
    run = tmp_path / "run"
    assert main(["train", "--data", train, "--train-normal-only", "--hidden", "64,16",
                 "--epochs", "3", "--out", str(run), "--quiet"]) == 0
    stored, _ = train_scores(aekit.load_run(run))
    assert len(stored) == 900  # the 1000 normal images less the 10% validation split
    assert (run / TRAIN_SCORES).exists()
    out = tmp_path / "scores.csv"
    capsys.readouterr()
    assert main(["detect", str(run), "--data", test, "--out", str(out),
                 "--contamination", "0.1"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["roc_auc"] > 0.95 and result["average_precision"] > 0.9
    assert 0 < result["best_f1"] <= 1
    assert result["threshold"] == pytest.approx(np.quantile(stored, 0.9))
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["index"] for r in rows] == [str(i) for i in range(300)]
    scores = np.array([float(r["score"]) for r in rows])
    assert [int(r["flag"]) for r in rows] == (scores > result["threshold"]).astype(int).tolist()
    assert roc_auc_score([int(r["label"]) for r in rows], scores) == pytest.approx(
        result["roc_auc"])
    assert Path(result["figure"]).stat().st_size > 10_000
    assert main(["detect", str(run), "--data", test, "--out", str(out),
                 "--score", "mse+code"]) == 0  # fitted on the training data, then kept
    assert json.loads(capsys.readouterr().out)["roc_auc"] > 0.95
    scores, state = train_scores(aekit.load_run(run), "mse+code")
    assert len(scores) == 900 and set(state) == {"mean", "precision", "mse_scale", "code_scale"}
    for _ in range(2):  # fitted and kept, then read back with its 900 reference codes
        assert main(["detect", str(run), "--data", test, "--out", str(out),
                     "--score", "mse+knn"]) == 0
        assert json.loads(capsys.readouterr().out)["roc_auc"] > 0.95
    scores, state = train_scores(aekit.load_run(run), "mse+knn")
    assert state["rows_reference"].shape == (900, 16)


def test_detect_cli_on_a_long_series(tmp_path, data_dir, capsys) -> None:
    """conv1d on the anomaly-free ECG windows; point scores of the test series, aligned with
    its time stamps, find the labelled anomalies."""
    run = tmp_path / "ecg"
    assert main(["train", "--model", "conv1d", "--data", str(data_dir / ECG.format("TRAIN_NA")),
                 "--label-column", "is_anomaly", "--window", "64", "--stride", "4",
                 "--hidden", "16", "--epochs", "6", "--out", str(run), "--quiet"]) == 0
    test = data_dir / ECG.format("TEST")
    out = tmp_path / "ecg.csv"
    capsys.readouterr()
    assert main(["detect", str(run), "--data", str(test), "--out", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == 10_000 and result["n_anomalies"] == 300
    assert result["roc_auc"] > 0.9
    with test.open() as handle:
        times = [row["timestamp"] for row in csv.DictReader(handle)]
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["time"] for r in rows] == times
    assert Path(result["figure"]).exists()


def test_detect_errors_name_the_problem(tmp_path, capsys) -> None:
    x = np.random.default_rng(0).normal(size=(200, 4)).astype(np.float32)
    run = tmp_path / "run"
    assert main(["train", "--data", _npz(tmp_path / "x.npz", x), "--hidden", "3",
                 "--epochs", "1", "--out", str(run), "--quiet"]) == 0
    cases = [
        (["--data", _npz(tmp_path / "wide.npz", np.zeros((5, 6)))],
         r"wide.npz: samples have shape \(6,\), the model expects \(4,\)"),
        (["--data", _npz(tmp_path / "x.npz", x), "--contamination", "0.6"],
         "--contamination: expected a fraction in \\(0, 0.5\\] or auto, got 0.6"),
        (["--data", _npz(tmp_path / "y.npz", x, np.full(200, 2))],
         "labels of .*y.npz must be 0 \\(normal\\) or 1 \\(anomaly\\), found 2"),
        (["--data", _npz(tmp_path / "x.npz", x), "--score", "mae"], "unknown score 'mae'"),
    ]
    for options, message in cases:
        assert main(["detect", str(run), *options, "--out", str(tmp_path / "s.csv")]) == 2
        assert re.search(message, capsys.readouterr().err)
    assert main(["train", "--data", _npz(tmp_path / "x.npz", x), "--train-normal-only",
                 "--out", str(tmp_path / "r2"), "--quiet"]) == 2
    assert "--train-normal-only: " in capsys.readouterr().err


def test_detect_refuses_another_window_or_channel_count(tmp_path, data_dir, capsys) -> None:
    series = data_dir / ECG.format("TRAIN_NA")
    run = tmp_path / "ecg"
    assert main(["train", "--model", "conv1d", "--data", str(series), "--window", "32",
                 "--label-column", "is_anomaly", "--stride", "32", "--hidden", "4",
                 "--epochs", "1", "--out", str(run), "--quiet"]) == 0
    out = str(tmp_path / "s.csv")
    assert main(["detect", str(run), "--data", str(series), "--window", "64", "--out", out]) == 2
    assert "--window 64: the model was trained on windows of 32 steps" in capsys.readouterr().err
    two = tmp_path / "two.csv"
    two.write_text("a,b\n" + "".join(f"{i},{i}\n" for i in range(100)))
    assert main(["detect", str(run), "--data", str(two), "--out", out]) == 2
    assert "no column 'value-0'; the model was trained on columns value-0" in \
        capsys.readouterr().err  # CSV channels are matched by name
    one = tmp_path / "one.csv"  # unlabelled, in the training file's format: scored
    one.write_text("timestamp,value-0\n" + "".join(f"{i},{i % 7}\n" for i in range(100)))
    assert main(["detect", str(run), "--data", str(one), "--out", out]) == 0


def test_vae_negative_elbo_is_a_score(mnist) -> None:
    """`score="elbo"` ranks inverted digits and noise above test digits with a VAE's -ELBO, and
    equals the metric it wraps."""
    from aekit.metrics import neg_elbo_per_sample

    x = mnist["x_train"][:2000].reshape(2000, -1)
    det = AnomalyDetector("vae", hidden=(128, 8), epochs=4, lr=2e-3, anomaly_score="elbo",
                          options={"output": "sigmoid", "loss": "bce"}, scaling="unit").fit(x)
    normal = mnist["x_test"][:300].reshape(300, -1)
    noise = np.random.default_rng(1).uniform(0, 1, (150, 784)).astype(np.float32)
    test = np.concatenate([normal, 1 - normal[:150], noise])
    y = np.r_[np.zeros(300), np.ones(300)]
    scores = det.anomaly_scores(test)
    assert roc_auc_score(y, scores) > 0.95
    vae = det.detector_  # the reconstruction kind: one VAE
    np.testing.assert_allclose(scores, neg_elbo_per_sample(vae.model_,
                                                           vae.scaling_.apply(test)),
                               rtol=1e-6)
