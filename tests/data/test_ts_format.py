"""The `.ts` reader, layouts and sliding windows, on the real UCR files and small edited copies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import aekit
from aekit.data.ts import read_ts

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
GUNPOINT = DATA / "timeseries" / "GunPoint_TRAIN.ts"
ECG = DATA / "timeseries" / "ecg-diff-count-3_TEST.csv"


def test_gunpoint_reads_as_series() -> None:
    data = aekit.load_source(str(GUNPOINT))
    assert data.kind == "series"
    assert data.x.shape == (50, 150, 1)
    assert set(np.unique(data.y)) == {1, 2}


def test_italy_power_demand_test_split() -> None:
    x, y = read_ts(DATA / "timeseries" / "ItalyPowerDemand_TEST.ts")
    assert x.shape == (1029, 24, 1) and y is not None and len(y) == 1029


def _edited(tmp_path: Path, change: str) -> Path:
    """GunPoint's header and first 3 series, with the 3rd line replaced by `change`."""
    lines = GUNPOINT.read_text().splitlines()
    at = lines.index("@data") + 1
    body = lines[at:at + 3]
    body[2] = change.format(line=body[2])
    path = tmp_path / "edited.ts"
    path.write_text("\n".join(lines[:at] + body) + "\n")
    return path


@pytest.mark.parametrize(("change", "message"), [
    ("1.0,2.0:3.0,4.0:1", "2 dimensions, the first series has 1"),
    ("nan,{line}", "missing or non-finite"),
    ("?,{line}", "expected comma-separated numbers"),
    ("1.0,abc,3.0:1", "expected comma-separated numbers"),
    ("1.0,2.0", "expected values:label"),
])
def test_bad_ts_lines_name_file_and_line(tmp_path: Path, change: str, message: str) -> None:
    path = _edited(tmp_path, change)
    with pytest.raises(aekit.AekitError, match=message) as info:
        aekit.load_source(str(path))
    line = GUNPOINT.read_text().splitlines().index("@data") + 4  # the 3rd series, 1-based
    assert f"{path}: line {line}:" in str(info.value)


def test_multivariate_ts(tmp_path: Path) -> None:
    path = tmp_path / "mv.ts"
    path.write_text("@problemName mv\n@univariate false\n@classLabel true a b\n@data\n"
                    "1,2,3:4,5,6:a\n7,8,9:1,2,3:b\n")
    data = aekit.load_source(str(path))
    assert data.x.shape == (2, 3, 2)
    assert data.x[0, :, 1].tolist() == [4, 5, 6]
    assert data.y.tolist() == [0, 1]


def test_unequal_lengths_pad_or_resample(tmp_path: Path) -> None:
    path = _edited(tmp_path, "1.0,2.0,4.0:1")
    path.write_text(path.read_text().replace("@equalLength true", "@equalLength false"))
    padded, resampled = (aekit.load_source(str(path), pad=pad).x for pad in ("mask", "resample"))
    assert padded.shape == resampled.shape == (3, 150, 1)
    assert padded[2, :3, 0].tolist() == [1, 2, 4] and np.isnan(padded[2, 3:]).all()
    assert resampled[2, [0, 75, 149], 0] == pytest.approx([1.0, 2.0 + 2 / 149, 4.0], abs=1e-5)


def test_series_npz_of_shape_n_t_c(tmp_path: Path) -> None:
    motions = aekit.load_source(str(DATA / "timeseries" / "BasicMotions_TEST.ts"))
    np.savez(tmp_path / "m.npz", x=motions.x, y=motions.y)
    data = aekit.load_source(str(tmp_path / "m.npz"), kind="series")
    assert data.kind == "series" and data.x.shape == (40, 100, 6)
    assert np.array_equal(data.x, motions.x) and np.array_equal(data.y, motions.y)


def test_ragged_dimensions_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "rag.ts"
    path.write_text("@univariate false\n@classLabel false\n@data\n1,2,3:4,5\n")
    with pytest.raises(aekit.AekitError, match=r"rag\.ts: line 4: ragged"):
        aekit.load_source(str(path))


def test_sliding_windows_over_csv() -> None:
    data = aekit.load_source(str(ECG), label_column="is_anomaly", window=100, stride=50)
    assert data.kind == "series" and data.x.shape == (199, 100, 1)
    assert data.y is not None and 0 < data.y.sum() < len(data.y)
    raw = aekit.load_source(str(ECG), label_column="is_anomaly")
    np.testing.assert_array_equal(data.x[3, :, 0], raw.x[150:250, 0])


def test_window_longer_than_series_names_option() -> None:
    with pytest.raises(aekit.AekitError, match="--window 20000 is longer than the series"):
        aekit.load_source(str(ECG), window=20000, label_column="is_anomaly")


@pytest.mark.parametrize("layout", ["nhw", "nhwc", "nchw"])
def test_npy_image_layouts(tmp_path: Path, layout: str) -> None:
    images = aekit.load_source("mnist:test", data_dir=DATA, limit=4).x.astype(np.uint8)
    arrays = {"nhw": images[:, 0], "nhwc": np.moveaxis(images, 1, -1), "nchw": images}
    path = tmp_path / "images.npy"
    np.save(path, arrays[layout], allow_pickle=False)
    data = aekit.load_source(str(path))
    assert data.kind == "image" and data.full_scale == 255.0
    np.testing.assert_array_equal(data.x, images.astype(np.float32))


def test_npy_series_needs_kind(tmp_path: Path) -> None:
    x, _ = read_ts(GUNPOINT)
    path = tmp_path / "series.npy"
    np.save(path, x[:, :, 0], allow_pickle=False)
    assert aekit.load_source(str(path), kind="series").x.shape == (50, 150, 1)
    assert aekit.load_source(str(path)).kind == "tabular"


def _regression_ts(path: Path, rows: slice) -> np.ndarray:
    """A stand-in for Tecator (no UCR regression file is in the shared data): GunPoint's real
    series, cut to Tecator's 100 steps, in Tecator's layout (`@targetLabel true`, a float
    target after the last ':'); the target is each series' peak, a real property of it."""
    lines = GUNPOINT.read_text().splitlines()
    at = lines.index("@data") + 1
    series = np.array([[float(v) for v in line.split(":")[0].split(",")[:100]]
                       for line in lines[at:][rows]])
    targets = series.max(1)
    header = ["@problemName Tecator", "@timeStamps false", "@missing false",
              "@univariate true", "@equalLength true", "@seriesLength 100",
              "@targetLabel true", "@data"]
    body = [",".join(f"{v:g}" for v in s) + f":{t:.4f}" for s, t in zip(series, targets,
                                                                          strict=True)]
    path.write_text("\n".join(header + body) + "\n")
    return targets


def test_regression_ts_reads_its_float_target_and_trains(tmp_path: Path, capsys) -> None:
    """`@targetLabel true`: the last field is a float target, not a dimension; train and
    evaluate read the file as series with that target."""
    train, test = tmp_path / "tecator_TRAIN.ts", tmp_path / "tecator_TEST.ts"
    targets = _regression_ts(train, slice(0, 40))
    _regression_ts(test, slice(40, 50))
    data = aekit.load_source(str(train))
    assert data.x.shape == (40, 100, 1) and data.y.dtype == np.float32
    np.testing.assert_allclose(data.y, targets, atol=1e-4)
    from aekit.cli.main import main

    run = tmp_path / "run"
    assert main(["train", "--data", str(train), "--hidden", "16,4", "--epochs", "2",
                 "--out", str(run), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(run), "--data", str(test)]) == 0
    assert "mse" in capsys.readouterr().out


@pytest.mark.parametrize(("edit", "message"), [
    (("@univariate true", "@dimensions 3"), "@dimensions 3: the series have 1"),
    (("@seriesLength 150", "@seriesLength 140"), "@seriesLength 140: the series have 150"),
])
def test_a_header_that_lies_is_refused_in_one_line(tmp_path: Path, edit, message) -> None:
    path = tmp_path / "lying.ts"
    path.write_text(GUNPOINT.read_text().replace(*edit, 1))
    with pytest.raises(aekit.AekitError, match=message) as info:
        aekit.load_source(str(path))
    assert "\n" not in str(info.value)


def test_equal_length_header_on_ragged_rows_is_refused(tmp_path: Path) -> None:
    path = _edited(tmp_path, "1.0,2.0,4.0:1")
    with pytest.raises(aekit.AekitError, match="@equalLength true, but the series have "
                                               "lengths 3 to 150"):
        aekit.load_source(str(path))


def test_longer_equal_length_series_are_resampled_for_a_model(tmp_path: Path) -> None:
    """GunPoint's 150 steps for a model of 115 are resampled down, as the data guide says."""
    x, _ = read_ts(GUNPOINT, length=115)
    full, _ = read_ts(GUNPOINT)
    assert x.shape == (50, 115, 1)
    assert x[:, [0, -1], 0] == pytest.approx(full[:, [0, -1], 0])
