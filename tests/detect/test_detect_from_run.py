"""A trained run's detector (`ReconstructionDetector.from_run`): fitted from the run's model,
scaling and stored training scores, it scores and thresholds as `aekit detect RUN` does."""

from __future__ import annotations

import csv
import json
import pickle

import numpy as np
import pytest

import aekit
from aekit.cli.main import main
from aekit.detect.reconstruction import ReconstructionDetector
from aekit.runs.train_scores import train_scores


def test_from_run_scores_and_threshold_as_aekit_detect(tmp_path, capsys) -> None:
    run = tmp_path / "run"
    assert main(["train", "--data", "digits", "--hidden", "32,8", "--epochs", "2",
                 "--out", str(run), "--quiet"]) == 0
    out = tmp_path / "scores.csv"
    capsys.readouterr()
    assert main(["detect", str(run), "--contamination", "0.1", "--out", str(out)]) == 0
    written = json.loads(capsys.readouterr().out)
    with out.open() as handle:
        rows = list(csv.DictReader(handle))

    detector = ReconstructionDetector.from_run(run, contamination=0.1)
    x = aekit.load_source("digits").x  # what `aekit detect RUN` scores: the training source
    scores = detector.anomaly_scores(x)
    np.testing.assert_allclose(scores, [float(r["score"]) for r in rows], rtol=1e-8)
    assert detector.threshold_ == written["threshold"]
    assert (detector.predict(x) == -1).tolist() == [r["flag"] == "1" for r in rows]
    # fitted as PyOD's fit leaves a detector: the training split's scores, threshold, flags
    stored, _ = train_scores(aekit.load_run(run))
    np.testing.assert_array_equal(detector.decision_scores_, stored)
    assert detector.threshold_ == pytest.approx(np.quantile(stored, 0.9))
    assert (detector.labels_ == (stored > detector.threshold_)).all()
    assert detector.n_features_in_ == 64 and detector.input_shape_ == (1, 8, 8)
    again = pickle.loads(pickle.dumps(detector))
    np.testing.assert_array_equal(again.anomaly_scores(x), scores)
