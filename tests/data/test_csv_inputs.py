"""CSV input as users write it: columns matched by name, missing values in their usual
spellings, and a label column that would otherwise be trained on. Real data: ADBench's
mammography set written out as CSV."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import aekit
from aekit.cli.main import main
from aekit.errors import AekitError

NAMES = ["contrast", "area", "gradient", "fractal", "moment", "shape"]


def _write_csv(path: Path, x: np.ndarray, y: np.ndarray, order: list[int]) -> Path:
    header = [NAMES[i] for i in order] + ["is_anomaly"]
    rows = [",".join(f"{v:.6g}" for v in row[order]) + f",{int(t)}"
            for row, t in zip(x, y, strict=True)]
    path.write_text(",".join(header) + "\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture(scope="module")
def mammography(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    with np.load(data_dir / "adbench" / "23_mammography.npz") as archive:
        x, y = archive["X"][:4000], archive["y"][:4000]
    folder = tmp_path_factory.mktemp("mammography")
    train, test = slice(0, 2500), slice(2500, None)
    normal = y[train] == 0
    return {"train": _write_csv(folder / "train.csv", x[train][normal], y[train][normal],
                                list(range(6))),
            "test": _write_csv(folder / "test.csv", x[test], y[test], list(range(6))),
            "reordered": _write_csv(folder / "reordered.csv", x[test], y[test],
                                    [3, 0, 5, 1, 4, 2])}


@pytest.fixture(scope="module")
def run_dir(mammography: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "mammo"
    assert main(["train", "--data", str(mammography["train"]), "--label-column", "is_anomaly",
                 "--hidden", "8,3", "--epochs", "3", "--quiet", "--out", str(out)]) == 0
    return out


def _detect(run_dir: Path, data: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert main(["detect", str(run_dir), "--data", str(data), "--out", str(out)]) == 0
    return json.loads(capsys.readouterr().out)


def test_feature_names_are_stored_and_columns_matched_by_name(
        run_dir: Path, mammography: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert aekit.load_run(run_dir).data_config.columns == tuple(NAMES)
    same = _detect(run_dir, mammography["test"], tmp_path / "a.csv", capsys)
    moved = _detect(run_dir, mammography["reordered"], tmp_path / "b.csv", capsys)
    assert same["roc_auc"] > 0.75  # mammography's anomalies are findable
    assert moved["roc_auc"] == same["roc_auc"]
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()


def test_a_missing_feature_column_is_named(run_dir: Path, mammography: dict[str, Path],
                                           tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    lines = mammography["test"].read_text().splitlines()
    cut = tmp_path / "cut.csv"
    cut.write_text("\n".join(",".join(line.split(",")[1:]) for line in lines) + "\n")
    assert main(["detect", str(run_dir), "--data", str(cut), "--out",
                 str(tmp_path / "s.csv")]) == 2
    err = capsys.readouterr().err
    assert "'contrast'" in err and "trained on" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("spelling", ["", "NA", "N/A", "nan", "NaN", "null", "NULL", "None",
                                      "?", "#N/A", " "])
def test_missing_value_spellings_follow_nan_policy(mammography: dict[str, Path],
                                                   tmp_path: Path, spelling: str) -> None:
    lines = mammography["test"].read_text().splitlines()[:40]
    cells = lines[5].split(",")
    cells[2] = spelling
    lines[5] = ",".join(cells)
    path = tmp_path / "gaps.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(AekitError, match="--nan-policy"):
        aekit.load_source(str(path), label_column="is_anomaly")
    dropped = aekit.load_source(str(path), label_column="is_anomaly", nan_policy="drop")
    assert dropped.x.shape == (38, 6) and len(dropped.y) == 38
    zeroed = aekit.load_source(str(path), label_column="is_anomaly", nan_policy="zero")
    assert zeroed.x.shape == (39, 6) and zeroed.x[4, 2] == 0.0


def test_a_0_1_label_like_column_used_as_a_feature_is_warned_about(
        mammography: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["train", "--data", str(mammography["test"]), "--hidden", "4", "--epochs", "1",
                 "--quiet", "--out", str(out)]) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warned) == 1 and "'is_anomaly'" in warned[0] and "--label-column" in warned[0]
    assert main(["train", "--data", str(mammography["test"]), "--label-column", "is_anomaly",
                 "--hidden", "4", "--epochs", "1", "--quiet", "--out", str(tmp_path / "b")]) == 0
    assert "warning" not in capsys.readouterr().err


def test_detect_keeps_a_tabular_csv_time_column_in_scores(
        run_dir: Path, mammography: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    lines = mammography["test"].read_text().splitlines()
    stamps = [f"2024-01-{1 + i // 1440:02d}T{i // 60 % 24:02d}:{i % 60:02d}:00"
              for i in range(len(lines) - 1)]
    timed = tmp_path / "timed.csv"
    timed.write_text("\n".join([f"timestamp,{lines[0]}",
                                *(f"{t},{row}" for t, row in zip(stamps, lines[1:],
                                                                 strict=True))]) + "\n")
    _detect(run_dir, timed, tmp_path / "s.csv", capsys)
    rows = (tmp_path / "s.csv").read_text().splitlines()
    assert rows[0] == "time,score,flag,label" and rows[1].startswith(stamps[0] + ",")
    assert len(rows) == len(stamps) + 1


def test_series_figure_standardises_channels_against_time(
        data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = (data_dir / "timeseries" / "ecg-diff-count-3_TEST.csv").read_text().splitlines()
    two = tmp_path / "ecg2.csv"
    two.write_text("\n".join(["timestamp,ecg,ecg_mV,is_anomaly", *(
        f"{t},{v},{float(v) * 1000:.3f},{a}" for t, v, a in (r.split(",") for r in rows[1:3001])
    )]) + "\n")
    run = tmp_path / "run"
    assert main(["train", "--model", "conv1d", "--data", str(two), "--label-column",
                 "is_anomaly", "--window", "64", "--stride", "16", "--epochs", "1", "--quiet",
                 "--out", str(run)]) == 0
    found = _detect(run, two, tmp_path / "s.csv", capsys)
    assert Path(found["figure"]).stat().st_size > 20_000
    assert (tmp_path / "s.csv").read_text().startswith("time,score,flag,label\n0,")
    assert main(["detect", str(run), "--data", str(two), "--limit", "500", "--out",
                 str(tmp_path / "cut.csv")]) == 0  # the time column cut to the kept rows
    assert len((tmp_path / "cut.csv").read_text().splitlines()) == 501
