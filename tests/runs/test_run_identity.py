"""A checkpoint belongs to its run, and runs do not nest: a resume refuses a checkpoint another
run wrote, `train --out RUN/sub` is refused, and a run's report shows its own figures only."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from aekit.cli.main import main
from aekit.report.html import figure_paths


@pytest.fixture
def digits(tmp_path: Path) -> Path:
    from sklearn.datasets import load_digits

    path = tmp_path / "digits.npy"
    np.save(path, load_digits().images[:60].astype(np.float32))
    return path


def _train(data: Path, out: Path, *extra: str) -> int:
    return main(["train", "--data", str(data), "--hidden", "8,2", "--epochs", "1",
                 "--out", str(out), "--quiet", "--device", "cpu", *extra])


def _one_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("aekit: error: "), err
    return err[0]


def test_resume_refuses_another_runs_checkpoint(digits: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert _train(digits, a, "--seed", "1") == 0 and _train(digits, b, "--seed", "2") == 0
    ids = {json.loads((run / "config.json").read_text())["run_id"] for run in (a, b)}
    assert len(ids) == 2
    assert main(["train", "--resume", str(a), "--epochs", "2", "--quiet"]) == 0
    shutil.copy(b / "checkpoints" / "last.safetensors", a / "checkpoints" / "last.safetensors")
    capsys.readouterr()
    assert main(["train", "--resume", str(a), "--epochs", "3", "--quiet"]) == 2
    assert "another run" in _one_error(capsys)


def test_train_refuses_out_inside_a_run(digits: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    assert _train(digits, run) == 0
    capsys.readouterr()
    assert _train(digits, run / "sub" / "deeper") == 2
    assert "inside the run" in _one_error(capsys)
    assert not (run / "sub").exists()


def test_report_shows_only_its_own_figures(digits: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert _train(digits, run) == 0
    assert _train(digits, tmp_path / "other") == 0
    nested = run / "old"  # a run moved in by hand: its figures are its own report's
    shutil.move(tmp_path / "other", nested)
    assert figure_paths(run) and all(nested not in p.parents for p in figure_paths(run))
