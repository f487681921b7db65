"""The window rules of one long series (data/windows.py), read in memory and lazily, and the
format table (data/filetypes.py) with load_source's one DataConfig, on the shared ECG series."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import aekit
from aekit.config import DataConfig
from aekit.data import filetypes, lazy, windows
from aekit.errors import AekitError

ECG = "timeseries/ecg-diff-count-3_TEST.csv"


def test_windows_of_a_series_in_memory_and_lazily_agree(data_dir: Path) -> None:
    config = DataConfig(label_column="is_anomaly", window=64, stride=8)
    cut = aekit.load_source(str(data_dir / ECG), config)
    raw = aekit.load_source(str(data_dir / ECG), label_column="is_anomaly")
    assert cut.kind == "series" and cut.x.shape == (windows.window_count(len(raw.x), 64, 8,
                                                                          "ecg"), 64, 1)
    np.testing.assert_array_equal(cut.x[3], raw.x[24:88])
    # a window holding any labelled anomaly is anomalous
    assert cut.y.tolist() == [raw.y[s:s + 64].max() for s in range(0, len(raw.x) - 63, 8)]
    rows = filetypes.FORMATS[".csv"].open_lazy(data_dir / ECG, config)
    assert isinstance(rows, lazy.Rows) and rows.shape == cut.x.shape
    np.testing.assert_array_equal(rows[np.array([0, 3, len(rows) - 1])],
                                  cut.x[[0, 3, len(cut.x) - 1]])


def test_window_starts_cover_every_point_and_refuse_long_windows() -> None:
    starts = windows.window_starts(50, 20, 7)
    assert starts.tolist() == [0, 7, 14, 21, 28, 30]
    scores = windows.point_scores(np.arange(len(starts), dtype=float), starts, 20, 50)
    assert scores[0] == 0 and scores[-1] == 5 and np.isfinite(scores).all()
    with pytest.raises(AekitError, match="x: --window 60 is longer than the series"):
        windows.window_starts(50, 60, 1, "x")


def test_load_source_takes_one_data_config(tmp_path: Path) -> None:
    np.save(tmp_path / "t.npy", np.arange(40, dtype=np.float32).reshape(10, 4))
    by_config = aekit.load_source(str(tmp_path / "t.npy"), DataConfig(limit=3))
    by_name = aekit.load_source(str(tmp_path / "t.npy"), limit=3)
    np.testing.assert_array_equal(by_config.x, by_name.x)
    assert by_config.x.shape == (3, 4)
    with pytest.raises(AekitError, match="unknown option 'limt'"):
        aekit.load_source("digits", limt=3)
    with pytest.raises(AekitError, match="expected a DataConfig, got str"):
        aekit.load_source("digits", "somewhere")  # type: ignore[arg-type]


def test_format_table_names_unsupported_files(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("1,2\n")
    with pytest.raises(AekitError, match=r"x.txt: unsupported file type; expected one of "
                                         r"\.npy, \.npz, \.csv, \.tsv, \.parquet, \.gz, \.idx, "
                                         r"\.ts"):
        aekit.load_source(str(tmp_path / "x.txt"))
    assert filetypes.format_of(Path("train-images-idx3-ubyte")) is filetypes.IDX
