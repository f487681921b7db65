"""The default anomaly detector (`AnomalyDetector()` with no arguments) on real ADBench tables:
its rule from the data's shape, contaminated training, odd columns, `aekit detect` without a
run, and the errors bad input gets."""

from __future__ import annotations

import csv
import json
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

import aekit
from aekit.cli.main import main
from aekit.config import ModelConfig, TrainConfig
from aekit.detect.detector import AnomalyDetector
from aekit.detect.ensemble import default_plan
from aekit.errors import AekitError
from aekit.estimators import AutoencoderOutlierDetector
from aekit.model import Autoencoder
from aekit.parts.trimmed import trimmed_mse
from aekit.train.trainer import Trainer


def _adbench(data_dir: Path, name: str, rows: int, seed: int = 0
             ) -> tuple[np.ndarray, np.ndarray]:
    """A stratified sample of `rows` rows of an ADBench set, as the benchmark caps it."""
    with np.load(data_dir / "adbench" / f"{name}.npz", allow_pickle=False) as f:
        x, y = f["X"].astype(np.float64), f["y"].astype(np.int64)
    if rows < len(x):
        x, _, y, _ = train_test_split(x, y, train_size=rows, stratify=y, random_state=seed)
    return x, y


def test_beats_isolation_forest_on_contaminated_mammography(data_dir) -> None:
    """Trained on a split that holds its anomalies (2.3%), scored on the rest: at least as
    good as IsolationForest minus 0.02 on the same split."""
    x, y = _adbench(data_dir, "23_mammography", 3000)
    x_train, x_test, _, y_test = train_test_split(x, y, test_size=0.3, stratify=y,
                                                  random_state=0)
    ours = roc_auc_score(y_test, AnomalyDetector().fit(x_train).anomaly_scores(x_test))
    forest = roc_auc_score(y_test, -IsolationForest(random_state=0).fit(x_train)
                           .score_samples(x_test))
    assert ours > forest - 0.02, (ours, forest)


@pytest.mark.parametrize("features", [1, 2, 3, 30, 1555])
def test_the_code_is_narrower_than_the_input(features) -> None:
    for rows in (10, 5000, 600_000):
        plan = default_plan(rows, features)
        assert plan.code_size < features or plan.code_size == features == 1
        assert plan.code_size >= 1 and plan.hidden[0] >= plan.code_size


def test_epochs_shrink_only_on_large_tables() -> None:
    """15 epochs, unless 3,000 steps come sooner; never under 5."""
    assert default_plan(3500, 10).epochs == 15  # 55 steps an epoch
    assert default_plan(245_000, 3).epochs == 13  # 240 steps of 1,024 rows
    assert default_plan(619_000, 10).epochs == 5  # 605 steps: 5 epochs is 3,025


def test_column_weighted_errors_match_numpy(data_dir) -> None:
    """The error view weighs each column by 1 / its mean training error: a column that is
    never reconstructed well counts as much as one that always is."""
    x, _ = _adbench(data_dir, "29_Pima", 300)
    x = ((x - x.mean(0)) / x.std(0)).astype(np.float64)
    det = AnomalyDetector().fit(x)
    model, weights = det.detector_.members_[0], det.detector_.score_state_.error_weights[0]
    errors = (aekit.metrics.reconstruct(model, x) - x) ** 2
    np.testing.assert_allclose(weights, 1 / errors.mean(0), rtol=1e-6)
    np.testing.assert_allclose(aekit.metrics.squared_errors(model, x, weights),
                               (errors * weights).mean(1), rtol=1e-6)
    assert (errors * weights).mean(0) == pytest.approx(np.ones(8))


def test_defaults_on_a_wide_table_with_fewer_rows_than_features(data_dir) -> None:
    """InternetAds: 1,555 features, 300 rows; the fitted members have the rule's narrow code."""
    x, y = _adbench(data_dir, "17_InternetAds", 300)
    det = AutoencoderOutlierDetector().fit(x)
    assert det.detector_.plan_ == default_plan(300, 1555)
    assert all(m.code_size == 20 < 1555 for m in det.detector_.members_)
    assert np.isfinite(det.decision_scores_).all()
    assert roc_auc_score(y, det.decision_scores_) > 0.55


def test_constant_and_one_hot_columns_give_finite_scores(data_dir) -> None:
    x, _ = _adbench(data_dir, "29_Pima", 400)
    categories = np.random.default_rng(0).integers(0, 3, len(x))
    wide = np.column_stack([x, np.full(len(x), 7.0), np.eye(3)[categories]])
    det = AnomalyDetector().fit(wide)
    scores = det.anomaly_scores(np.vstack([wide[:5], np.r_[x[0], 9.0, 0, 0, 0]]))
    assert np.isfinite(det.decision_scores_).all() and np.isfinite(scores).all()


def test_pyod_style_training_scores_and_labels(data_dir) -> None:
    """decision_scores_ are the training rows' scores, labels_ flag `contamination` of them,
    and a pickled detector scores as the original."""
    x, _ = _adbench(data_dir, "39_vertebral", 240)
    det = AnomalyDetector(contamination=0.1).fit(x)
    assert det.labels_.mean() == pytest.approx(0.1, abs=0.01)
    assert (det.labels_ == (det.decision_scores_ > det.threshold_)).all()
    assert (det.predict(x[:50]) == -1).sum() >= 1
    again = pickle.loads(pickle.dumps(det))
    np.testing.assert_array_equal(again.anomaly_scores(x), det.anomaly_scores(x))


def test_bad_input_gets_a_clear_error(data_dir) -> None:
    x, _ = _adbench(data_dir, "39_vertebral", 240)
    with pytest.raises(AekitError, match="1 sample; the detector needs at least 2"):
        AnomalyDetector().fit(x[:1])
    with pytest.raises(ValueError, match="NaN"):
        AnomalyDetector().fit(np.where(np.eye(len(x), x.shape[1]) > 0, np.nan, x))


def test_trimmed_loss_leaves_the_worst_rows_out_of_training() -> None:
    target = torch.zeros(10, 3)
    recon = torch.arange(10.0)[:, None].expand(10, 3)  # row i's squared error is i^2
    assert trimmed_mse(recon, recon, target).item() == pytest.approx(
        np.mean(np.arange(9.0) ** 2))
    with torch.no_grad():
        assert trimmed_mse(recon, recon, target).item() == pytest.approx(
            np.mean(np.arange(10.0) ** 2))


def test_trimmed_loss_trains_through_the_trainer(data_dir) -> None:
    """Picked by name like any loss: the one Trainer's loss falls on a contaminated table."""
    x, _ = _adbench(data_dir, "7_Cardiotocography", 1000)
    x = ((x - x.mean(0)) / np.where(x.std(0) > 0, x.std(0), 1)).astype(np.float32)
    model = Autoencoder(ModelConfig(input_shape=(21,), hidden=(16, 3), output="none",
                                    loss="trimmed-mse"))
    history = Trainer(model, TrainConfig(epochs=4, batch_size=64, val_split=0.0),
                      device="cpu").fit(x)
    assert history[-1]["train_loss"] < 0.7 * history[0]["train_loss"]


def test_npz_with_capital_x_is_read(data_dir) -> None:
    data = aekit.load_source(str(data_dir / "adbench" / "39_vertebral.npz"))
    assert data.x.shape == (240, 6) and int(data.y.sum()) == 30


def test_detect_without_a_run(tmp_path, data_dir, capsys) -> None:
    """`aekit detect --data TABLE`: fit on the table and score it (PyOD's fit and
    decision_scores_); --train fits on another table; JSON metrics and scores.csv."""
    table = str(data_dir / "adbench" / "39_vertebral.npz")
    out = tmp_path / "scores.csv"
    capsys.readouterr()
    assert main(["detect", "--data", table, "--out", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == 240 and result["n_anomalies"] == 30
    assert {"roc_auc", "average_precision", "best_f1"} <= set(result)
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    scores = np.array([float(r["score"]) for r in rows])
    expected = AnomalyDetector().fit(aekit.load_source(table).x.astype(np.float64))
    np.testing.assert_allclose(scores, expected.decision_scores_, rtol=1e-6)
    x, y = _adbench(data_dir, "39_vertebral", 240)
    train = tmp_path / "normal.npz"
    np.savez(train, X=x[y == 0])
    assert main(["detect", "--data", table, "--train", str(train), "--out", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["roc_auc"] > result["roc_auc"] - 0.05


@pytest.mark.parametrize(("options", "message"), [
    (["--score", "mse"], "--score: only with RUN"),
    (["--train", "WIDE"], "--train: .* has 3 features, --data .* has 6"),
    (["--data", "ONE"], "has 1 row; the detector needs at least 2"),
    (["--data", "LABELS"], "must be 0 \\(normal\\) or 1 \\(anomaly\\), found 2"),
    (["--data", "NAN"], "NaN or infinite"),
])
def test_detect_without_a_run_names_the_problem(tmp_path, data_dir, capsys, options,
                                                message) -> None:
    x, _ = _adbench(data_dir, "39_vertebral", 240)
    files = {"WIDE": {"X": x[:, :3]}, "ONE": {"X": x[:1]},
             "LABELS": {"X": x, "y": np.full(len(x), 2)},
             "NAN": {"X": np.where(np.eye(len(x), 6) > 0, np.nan, x)}}
    for name, arrays in files.items():
        np.savez(tmp_path / f"{name}.npz", **arrays)
    options = [str(tmp_path / f"{o}.npz") if o in files else o for o in options]
    args = ["detect", "--data", str(data_dir / "adbench" / "39_vertebral.npz"),
            "--out", str(tmp_path / "s.csv"), *options]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert re.search(message, err), err
