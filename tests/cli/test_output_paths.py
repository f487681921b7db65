"""No command writes its output over one of its inputs: `--out` (and every other output flag)
is compared with every input by resolved path, so `./` spellings, `..` detours and symbolic
links count, and the input is left byte for byte as it was."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from aekit.cli.main import main

CSV_ROWS = 60


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """The first rows of ADBench's Pima table as a CSV with a label column."""
    found = np.load(data_dir / "adbench" / "29_Pima.npz")
    x, y = found["X"][:CSV_ROWS], found["y"][:CSV_ROWS]
    path = tmp_path_factory.mktemp("table") / "t.csv"
    header = ",".join(f"f{i}" for i in range(x.shape[1])) + ",label"
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", header=header, comments="",
               fmt="%.6g")
    return path


@pytest.fixture(scope="module")
def image_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tiny run on digits, and the digits it reads as an .npy."""
    from sklearn.datasets import load_digits

    folder = tmp_path_factory.mktemp("images")
    images = folder / "imgs.npy"
    np.save(images, load_digits().images[:40].astype(np.float32))
    run = folder / "run"
    assert main(["train", "--data", str(images), "--hidden", "8,2", "--epochs", "1",
                 "--out", str(run), "--quiet", "--device", "cpu"]) == 0
    return run, images


def _refused(argv: list[str], victim: Path, capsys: pytest.CaptureFixture[str]) -> str:
    before = _sha(victim) if victim.is_file() else None
    rc = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2, err
    assert len(err) == 1 and err[0].startswith("aekit: error: "), err
    if before is not None:
        assert _sha(victim) == before
    return err[0]


def test_detect_refuses_out_equal_to_data(table: Path, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    line = _refused(["detect", "--data", str(table), "--label-column", "label", "--out",
                     str(table)], table, capsys)
    assert "--out" in line and "--data" in line


def test_detect_refuses_out_equal_to_train_by_another_spelling(
        table: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(table.parent)
    other = table.parent / "other.csv"
    other.write_bytes(table.read_bytes())
    line = _refused(["detect", "--data", "other.csv", "--train", "./t.csv", "--label-column",
                     "label", "--out", f"../{table.parent.name}/t.csv"], table, capsys)
    assert "--train" in line


def test_symlinked_output_is_the_input(table: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    link = tmp_path / "link.csv"
    os.symlink(table, link)
    _refused(["detect", "--data", str(table), "--label-column", "label", "--out", str(link)],
             table, capsys)


def test_train_refuses_out_equal_to_data(table: Path, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    _refused(["train", "--data", str(table), "--label-column", "label", "--epochs", "1",
              "--out", str(table), "--overwrite", "--quiet"], table, capsys)


@pytest.mark.parametrize("command", ["encode", "reconstruct", "denoise"])
def test_run_commands_refuse_out_equal_to_data(command: str, image_run: tuple[Path, Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    run, images = image_run
    noise = ["--noise", "gaussian:0.1"] if command == "denoise" else []
    line = _refused([command, str(run), "--data", str(images), "--out", str(images),
                     "--device", "cpu", *noise], images, capsys)
    assert str(images) in line or "--data" in line


def test_outputs_may_not_replace_a_file_of_the_run(image_run: tuple[Path, Path],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    run, images = image_run
    _refused(["report", str(run), "--out", str(run / "config.json")], run / "config.json",
             capsys)
    _refused(["generate", str(run), "--out", str(run / "x.png"), "--npy", str(images)],
             images, capsys)
    _refused(["pretrain", str(run), "--labels", "10", "--out", str(run), "--epochs", "1"],
             run / "config.json", capsys)


def test_a_new_output_beside_the_input_is_written(table: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["detect", "--data", str(table), "--label-column", "label", "--out",
                 str(tmp_path / "scores.csv"), "--device", "cpu"]) == 0
    assert (tmp_path / "scores.csv").is_file()
