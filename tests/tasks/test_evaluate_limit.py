"""`evaluate --limit N` scores the first N samples on every run kind, a classifier's too."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from aekit.cli.main import main


def test_evaluate_limit_on_a_classifier_run(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    ae, clf = tmp_path / "ae", tmp_path / "clf"
    assert main(["train", "--data", "digits:train", "--hidden", "16,4", "--epochs", "1",
                 "--out", str(ae), "--quiet", "--device", "cpu"]) == 0
    assert main(["pretrain", str(ae), "--data", "digits:train", "--labels", "20",
                 "--epochs", "2", "--out", str(clf), "--device", "cpu"]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(clf), "--data", "digits:test", "--limit", "50"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["n"] == 50 and np.asarray(found["confusion_matrix"]).sum() == 50
    assert main(["evaluate", str(clf), "--data", "digits:test"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 297
