"""The default series detector (`SeriesDetector`) on short series of the UCR anomaly archive:
its window rule, the point its scores peak at, `aekit detect --data SERIES.csv` without a run
(the series rule, time order, --window/--stride/--train-end honoured) and bad input."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest

import aekit
from aekit.cli.main import main
from aekit.data.windows import dominant_period
from aekit.detect.series_detector import SeriesDetector
from aekit.errors import AekitError

WALKING = "ucr-anomaly/054_DISTORTEDWalkingAceleration5.csv"  # anomaly at 5920-5978
BLEEDING = "ucr-anomaly/024_DISTORTEDInternalBleeding10.csv"  # anomaly at 4526-4555


def _series(data_dir: Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    data = aekit.load_source(str(data_dir / name), label_column="label")
    return data.x[:, 0].astype(np.float64), data.y


def _scores(path: Path) -> tuple[list[str], np.ndarray]:
    with path.open() as handle:
        rows = list(csv.reader(handle))
    return rows[0], np.array([float(r[1]) for r in rows[1:]])


@pytest.mark.parametrize(("name", "period"), [(WALKING, 115),
                                              ("ucr-anomaly/032_DISTORTEDInternalBleeding4.csv",
                                               178)])
def test_window_rule_finds_the_series_period(data_dir, name, period) -> None:
    series, _ = _series(data_dir, name)
    assert dominant_period(series) == period
    # a series with no repeating shape falls back to 100 steps, at most a 20th of it
    assert dominant_period(np.linspace(0, 1, 5000)) == 100
    assert dominant_period(np.linspace(0, 1, 400)) == 20


@pytest.mark.parametrize("name", [WALKING, BLEEDING])
def test_the_highest_point_score_lies_in_the_anomaly(data_dir, name) -> None:
    series, labels = _series(data_dir, name)
    detector = SeriesDetector().fit(series)
    period = dominant_period(series)
    assert detector.lengths_ == [round(period / 2), period, 2 * period]
    scores = detector.decision_scores_
    assert scores.shape == series.shape and np.isfinite(scores).all()
    assert labels[np.argmax(scores)] == 1  # the peak inside the labelled run
    assert detector.labels_.mean() == pytest.approx(0.05, abs=0.002)


def test_point_scores_follow_the_windows_that_cover_each_point(data_dir) -> None:
    """A spike at one step raises the points its windows cover, and no point beyond them."""
    series, _ = _series(data_dir, WALKING)
    spiked = series[:3000].copy()
    spiked[2000] += 10 * series.std()
    scores = SeriesDetector(window=50, stride=5).fit(spiked).decision_scores_
    high = np.flatnonzero(scores > np.percentile(scores, 99))
    assert high.min() >= 1950 and high.max() <= 2050 and 2000 in high


def test_train_end_takes_neighbours_from_the_normal_prefix_only(data_dir) -> None:
    series, labels = _series(data_dir, BLEEDING)
    doubled = np.concatenate([series, series])  # the anomaly twice: each is the other's twin
    anomaly = np.flatnonzero(labels)
    twin = SeriesDetector().fit(doubled).decision_scores_
    prefixed = SeriesDetector(train_end=3200).fit(doubled).decision_scores_
    second = anomaly + len(series)
    # each copy of the anomaly is the other's neighbour, unless neighbours come from the prefix
    assert twin[second].mean() < np.percentile(twin, 90)
    assert prefixed[second].mean() > np.percentile(prefixed, 90)


def test_detect_a_series_without_a_run(tmp_path, data_dir, capsys) -> None:
    """One value column: a series; scores.csv has one row per input row, index first."""
    out = tmp_path / "s.csv"
    capsys.readouterr()
    assert main(["detect", "--data", str(data_dir / WALKING), "--label-column", "label",
                 "--out", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["roc_auc"] > 0.95 and result["average_precision"] > 0.3
    header, scores = _scores(out)
    assert header[:2] == ["index", "score"] and len(scores) == 6684
    series, _ = _series(data_dir, WALKING)
    np.testing.assert_allclose(scores, SeriesDetector().fit(series).decision_scores_,
                               rtol=1e-6)
    # --window and --stride are honoured, not dropped
    assert main(["detect", "--data", str(data_dir / WALKING), "--label-column", "label",
                 "--window", "60", "--stride", "3", "--out", str(out)]) == 0
    np.testing.assert_allclose(_scores(out)[1], SeriesDetector(60, stride=3).fit(series)
                               .decision_scores_, rtol=1e-6)


def test_series_rows_are_scored_in_time_order(tmp_path, data_dir, capsys) -> None:
    series, labels = _series(data_dir, WALKING)
    order = np.random.default_rng(0).permutation(len(series))
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text("t,value,label\n" + "".join(
        f"{i},{series[i]:.17g},{int(labels[i])}\n" for i in order))
    out = tmp_path / "s.csv"
    with pytest.warns(UserWarning, match="not in time order"):
        assert main(["detect", "--data", str(shuffled), "--time-column", "t",
                     "--label-column", "label", "--out", str(out)]) == 0
    header, scores = _scores(out)
    assert header[0] == "time"
    expected = SeriesDetector().fit(series).decision_scores_
    np.testing.assert_allclose(scores, expected[order], rtol=1e-6)  # each row its own score
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("t,value\n" + "".join(f"{i // 2},{v:.17g}\n" for i, v in
                                              enumerate(series[:600])))
    assert main(["detect", "--data", str(repeated), "--time-column", "t", "--out",
                 str(out)]) == 2
    assert "time stamp '0' appears on more than one row" in capsys.readouterr().err


def test_a_table_stays_a_table(tmp_path, data_dir, capsys) -> None:
    """Several value columns, or --kind tabular: the table detector, as before."""
    series, _ = _series(data_dir, WALKING)
    table = tmp_path / "t.csv"
    table.write_text("value\n" + "".join(f"{v:.17g}\n" for v in series[:600]))
    out = tmp_path / "s.csv"
    assert main(["detect", "--data", str(table), "--kind", "tabular", "--out", str(out)]) == 0
    expected = aekit.estimators.AnomalyDetector().fit(series[:600, None])
    np.testing.assert_allclose(_scores(out)[1], expected.decision_scores_, rtol=1e-5)


@pytest.mark.parametrize(("rows", "options", "message"), [
    ("short", [], "a series of 30 steps is shorter than 3 windows of 16 steps"),
    ("values", ["--window", "9000"], "a series of 6684 steps is shorter than 3 windows of 9000"),
    ("nan", [], "NaN or infinite"),
    ("labels", [], "must be 0 \\(normal\\) or 1 \\(anomaly\\)"),
    ("values", ["--train-end", "99999"], "train_end: 99999 is beyond the series"),
])
def test_bad_series_input_gets_one_line(tmp_path, data_dir, capsys, rows, options,
                                        message) -> None:
    series, _ = _series(data_dir, WALKING)
    files = {"short": series[:30], "values": series, "nan": np.where(
        np.arange(len(series)) == 100, np.nan, series), "labels": series}
    path = tmp_path / f"{rows}.csv"
    path.write_text("value,label\n" + "".join(f"{v:.17g},{2 if rows == 'labels' else 0}\n"
                                              for v in files[rows]))
    capsys.readouterr()
    assert main(["detect", "--data", str(path), "--label-column", "label", "--out",
                 str(tmp_path / "s.csv"), *options]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and re.search(message, err), err


def test_a_constant_series_scores_finite(data_dir) -> None:
    detector = SeriesDetector().fit(np.full(3000, 7.0))
    assert np.isfinite(detector.decision_scores_).all()
    with pytest.raises(AekitError, match="NaN or infinite"):
        SeriesDetector().fit(np.array([1.0, np.nan] * 500))


def test_a_series_run_scores_rows_in_time_order(tmp_path, data_dir) -> None:
    """With a run too, shuffled rows with a time column are windowed in time order: each row
    gets the score it has in the sorted file."""
    series, labels = _series(data_dir, BLEEDING)
    series, labels = series[:3000], labels[:3000]
    rows = [f"{i},{series[i]:.17g},{int(labels[i])}\n" for i in range(len(series))]
    ordered, shuffled = tmp_path / "ordered.csv", tmp_path / "shuffled.csv"
    ordered.write_text("t,value,label\n" + "".join(rows))
    order = np.random.default_rng(0).permutation(len(rows))
    shuffled.write_text("t,value,label\n" + "".join(rows[i] for i in order))
    run = tmp_path / "run"
    assert main(["train", "--model", "conv1d", "--data", str(ordered), "--time-column", "t",
                 "--label-column", "label", "--window", "32", "--stride", "8", "--epochs", "1",
                 "--threads", "1", "--quiet", "--out", str(run)]) == 0
    outs = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["detect", str(run), "--data", str(ordered), "--out", str(outs[0])]) == 0
    with pytest.warns(UserWarning, match="not in time order"):
        assert main(["detect", str(run), "--data", str(shuffled), "--out", str(outs[1])]) == 0
    np.testing.assert_allclose(_scores(outs[1])[1], _scores(outs[0])[1][order], rtol=1e-6)
