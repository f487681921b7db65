"""Which column made a row anomalous (`explain`, `--explain K`) and a threshold without labels
(`contamination="auto"`, `--contamination auto`), on real ADBench tables."""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pandas as pd
import pytest

from aekit.cli.main import main
from aekit.detect.base import AUTO_SIGMAS, MAD_PER_STD
from aekit.detect.detector import AnomalyDetector
from aekit.errors import AekitError
from tests.detect.test_default_detector import _adbench


@pytest.fixture(scope="module")
def cardio(data_dir) -> tuple[np.ndarray, np.ndarray]:
    return _adbench(data_dir, "7_Cardiotocography", 800)


def _frame(x: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(x, columns=[f"c{j}" for j in range(x.shape[1])])


@pytest.fixture(scope="module")
def fitted(cardio) -> AnomalyDetector:
    return AnomalyDetector(contamination="auto").fit(_frame(cardio[0]))


def test_auto_threshold_is_median_plus_three_robust_sigmas(fitted, cardio) -> None:
    """The rule: median + 3 * 1.4826 * MAD of the training scores; it flags the anomalies far
    more often than the normal rows, with no fraction given."""
    scores = fitted.decision_scores_
    median = np.median(scores)
    expected = median + AUTO_SIGMAS * MAD_PER_STD * np.median(np.abs(scores - median))
    assert AUTO_SIGMAS == 3 and fitted.threshold_ == pytest.approx(expected)
    y = cardio[1]
    flagged = fitted.labels_ == 1
    assert 0 < flagged.mean() < 0.5
    assert y[flagged].mean() > 3 * y.mean(), (y[flagged].mean(), y.mean())


def test_bad_contamination_and_threshold_are_refused(cardio) -> None:
    for bad in ("automatic", 0.7, float("nan")):
        with pytest.raises(AekitError, match="contamination: expected a fraction in"):
            AnomalyDetector(contamination=bad).fit(cardio[0][:50])
    with pytest.raises(AekitError, match="threshold: expected a finite number"):
        AnomalyDetector(threshold=float("nan")).fit(cardio[0][:50])


def test_explain_attributes_a_planted_value_to_its_column(fitted, cardio) -> None:
    """A value 10 robust spreads from the median planted in one column of 60 rows is that
    row's largest contribution in at least 90% of them; shares are >= 0 and sum to 1."""
    x = cardio[0].copy()
    rng = np.random.default_rng(0)
    rows = rng.choice(np.flatnonzero(cardio[1] == 0), 60, replace=False)
    columns = rng.integers(0, x.shape[1], len(rows))
    spread = np.std(x, axis=0)
    x[rows, columns] = np.median(x, axis=0)[columns] + 10 * spread[columns]
    explained = fitted.explain(_frame(x))
    assert list(explained.columns) == list(_frame(x).columns)
    shares = explained.to_numpy()
    assert shares.shape == x.shape
    assert np.all(shares >= 0)
    np.testing.assert_allclose(shares.sum(1), 1.0, rtol=1e-9)
    hit = (shares[rows].argmax(1) == columns).mean()
    assert hit >= 0.9, hit


def test_cli_explain_and_auto(tmp_path, data_dir, capsys) -> None:
    table = str(data_dir / "adbench" / "39_vertebral.npz")
    out = tmp_path / "scores.csv"
    capsys.readouterr()
    assert main(["detect", "--data", table, "--contamination", "auto", "--explain", "3",
                 "--out", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:9] == ["index", "score", "flag", "explain_1", "explain_1_share",
                                 "explain_2", "explain_2_share", "explain_3",
                                 "explain_3_share"]
    scores = np.array([float(r["score"]) for r in rows])
    median = np.median(scores)
    assert result["threshold"] == pytest.approx(
        median + 3 * MAD_PER_STD * np.median(np.abs(scores - median)), rel=1e-6)
    first = rows[0]
    shares = [float(first[f"explain_{k}_share"]) for k in (1, 2, 3)]
    assert shares == sorted(shares, reverse=True) and sum(shares) <= 1 + 1e-6
    assert first["explain_1"] != first["explain_2"]
    for options, message in ((["--threshold", "nan"], "--threshold: expected a finite"),
                             (["--contamination", "often"], "--contamination: expected a "
                                                            "fraction in \\(0, 0.5\\] or auto"),
                             (["--explain", "0"], "--explain: expected")):
        assert main(["detect", "--data", table, "--out", str(out), *options]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and re.search(message, err), err
