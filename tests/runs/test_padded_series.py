"""Unequal-length `.ts` series padded with a mask (`--pad mask`, the default): no model, loss or
score reads the padding, so a run trains, keeps finite training scores and detects; without a
run, the default detector (which needs equal lengths) says so in one line."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from aekit.cli.main import main
from aekit.runs.train_scores import TRAIN_SCORES
from aekit.tensors import load_tensors

TRAIN = "timeseries/JapaneseVowels_TRAIN.ts"  # 7 to 29 steps of 12 channels
TEST = "timeseries/JapaneseVowels_TEST.ts"


def _scores(path: Path) -> np.ndarray:
    with open(path) as handle:
        return np.array([float(row["score"]) for row in csv.DictReader(handle)])


@pytest.mark.parametrize("model", [["--hidden", "8,2"], ["--model", "conv1d"],
                                   ["--model", "vae", "--hidden", "8,2"]])
def test_masked_run_trains_and_detects_with_finite_scores(
        model: list[str], data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    rc = main(["train", "--data", str(data_dir / TRAIN), "--limit", "60", "--epochs", "1",
               "--out", str(run), "--quiet", "--device", "cpu", *model])
    assert rc == 0, capsys.readouterr().err
    stored, _ = load_tensors(run / TRAIN_SCORES)
    assert stored["mse"].isfinite().all() and len(stored["mse"]) > 0
    out = tmp_path / "scores.csv"
    rc = main(["detect", str(run), "--data", str(data_dir / TEST), "--limit", "40",
               "--out", str(out), "--device", "cpu"])
    assert rc == 0, capsys.readouterr().err
    scores = _scores(out)
    assert len(scores) == 40 and np.isfinite(scores).all() and scores.std() > 0


def test_default_detector_refuses_masked_series_in_one_line(
        data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["detect", "--data", str(data_dir / TEST), "--limit", "40", "--device", "cpu",
            "--out", str(tmp_path / "scores.csv")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--pad resample" in err[0], err
    assert main([*argv, "--pad", "resample"]) == 0
    assert np.isfinite(_scores(tmp_path / "scores.csv")).all()
