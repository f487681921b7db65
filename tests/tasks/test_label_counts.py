"""Label counts a few-label run cannot use are refused in one line that names --labels, before
any training: as many labels as rows (nothing left unlabelled), and a class-stratified draw that
a class of a single row makes impossible. A resume whose checkpoint holds another optimizer's
state is refused the same way."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from aekit.cli.main import main
from aekit.errors import AekitError
from aekit.tasks.classify import few_labels


@pytest.mark.parametrize(("labels", "limit"), [(500, 500), (10, 10), (10, 12)])
def test_semisup_label_counts_are_refused_in_one_line(
        labels: int, limit: int, data_dir: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["train", "--preset", "semisup-mnist", "--data-dir", str(data_dir), "--labels",
               str(labels), "--limit", str(limit), "--epochs", "1", "--out",
               str(tmp_path / "run"), "--quiet", "--device", "cpu"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2, err
    assert len(err) == 1 and err[0].startswith("aekit: error: --labels"), err


def test_stratified_draw_names_the_classes_too_small(data_dir: Path) -> None:
    from sklearn.datasets import load_digits

    y = load_digits().target[:12]  # classes 0 and 1 twice, the others once
    with pytest.raises(AekitError, match=r"--labels: 10 .* a single row in class 2, 3, 4"):
        few_labels(y, 10, 0)
    assert len(few_labels(load_digits().target[:200], 10, 0)) == 10


def test_resume_refuses_a_checkpoint_of_another_optimizer(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sklearn.datasets import load_digits

    data = tmp_path / "digits.npy"
    np.save(data, load_digits().images[:60].astype(np.float32))
    for name, optimizer in (("adam", "adam"), ("sgd", "sgd")):
        assert main(["train", "--data", str(data), "--hidden", "8,2", "--epochs", "1",
                     "--optimizer", optimizer, "--out", str(tmp_path / name), "--quiet",
                     "--device", "cpu"]) == 0
    shutil.copy(tmp_path / "sgd" / "checkpoints" / "last.safetensors",
                tmp_path / "adam" / "checkpoints" / "last.safetensors")
    capsys.readouterr()
    assert main(["train", "--resume", str(tmp_path / "adam"), "--epochs", "2", "--quiet",
                 "--device", "cpu"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "last.safetensors" in err[0], err
