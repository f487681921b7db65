"""Tables as users have them: CSV with `;`, tab or `|` between cells, TSV, Parquet (streamed
by row group when larger than --max-memory), text columns encoded by one stated rule and kept in
the run, --columns/--drop-columns, pandas' index column, and values past float32. Real data:
ADBench's Pima table, with a text column made from its own values."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import aekit
from aekit.cli.main import main
from aekit.data.encoding import ONEHOT_MAX_LEVELS
from aekit.errors import AekitError, AekitWarning

NAMES = ["pregnancies", "glucose", "pressure", "skin", "insulin", "bmi", "pedigree", "age"]


@pytest.fixture(scope="module")
def pima(data_dir: Path) -> pd.DataFrame:
    """Pima as a DataFrame, with `band` (3 levels: the glucose tercile, as text), `clinic` (more
    levels than one-hot takes) and the label `outcome`."""
    with np.load(data_dir / "adbench" / "29_Pima.npz") as archive:
        x, y = archive["X"].astype(np.float64), archive["y"].astype(np.int64)
    frame = pd.DataFrame(x, columns=NAMES)
    frame["band"] = pd.cut(frame["glucose"], 3, labels=["low", "mid", "high"]).astype(str)
    frame["clinic"] = [f"c{i % (ONEHOT_MAX_LEVELS + 5)}" for i in range(len(frame))]
    frame["outcome"] = y
    return frame


def _run(frame: pd.DataFrame, folder: Path, *extra: str) -> Path:
    source = folder / "train.parquet"
    frame.to_parquet(source, index=False)
    out = folder / "run"
    assert main(["train", "--data", str(source), "--label-column", "outcome", "--hidden", "8,3",
                 "--epochs", "2", "--quiet", "--out", str(out), *extra]) == 0
    return out


def _detect(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    capsys.readouterr()
    code = main(["detect", *args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


def test_delimiters_tsv_and_parquet_read_alike(pima: pd.DataFrame, tmp_path: Path) -> None:
    numbers = pima[[*NAMES, "outcome"]]
    numbers.to_csv(tmp_path / "comma.csv", index=False)
    numbers.to_csv(tmp_path / "semicolon.csv", sep=";", index=False)
    numbers.to_csv(tmp_path / "pipe.csv", sep="|", index=False)
    numbers.to_csv(tmp_path / "tabs.tsv", sep="\t", index=False)
    numbers.to_parquet(tmp_path / "table.parquet", index=False, row_group_size=100)
    read = {name: aekit.load_source(str(tmp_path / name), label_column="outcome")
            for name in ("comma.csv", "semicolon.csv", "pipe.csv", "tabs.tsv", "table.parquet")}
    for data in read.values():
        assert data.x.shape == (768, 8) and data.features == NAMES
        np.testing.assert_allclose(data.x, pima[NAMES].to_numpy(np.float32), rtol=1e-6)
        np.testing.assert_array_equal(data.y, pima["outcome"])


def test_text_columns_are_encoded_by_the_stated_rule_and_kept_in_the_run(
        pima: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = _run(pima, tmp_path)
    loaded = aekit.load_run(run)
    encoding = loaded.data_config.encoding
    assert encoding["band"] == {"onehot": ["high", "low", "mid"]}
    shares = encoding["clinic"]["frequency"]
    assert len(shares) == ONEHOT_MAX_LEVELS + 5 and abs(sum(shares.values()) - 1) < 1e-9
    assert loaded.model_config.input_shape == (8 + 3 + 1,)
    # later data: a TSV, its columns in another order, with a level training never saw
    later = pima.iloc[::-1].copy()
    later.loc[later.index[0], "band"] = "unheard-of"
    later = later[["clinic", "outcome", *reversed(NAMES), "band"]]
    later.to_csv(tmp_path / "later.tsv", sep="\t", index=False)
    pima.iloc[::-1].to_csv(tmp_path / "same.tsv", sep="\t", index=False)
    moved = _detect(capsys, str(run), "--data", str(tmp_path / "later.tsv"), "--out",
                    str(tmp_path / "moved.csv"))
    same = _detect(capsys, str(run), "--data", str(tmp_path / "same.tsv"), "--out",
                   str(tmp_path / "same.csv"))
    assert moved["n"] == same["n"] == 768 and same["roc_auc"] > 0.6
    a = pd.read_csv(tmp_path / "moved.csv")["score"].to_numpy()
    b = pd.read_csv(tmp_path / "same.csv")["score"].to_numpy()
    assert np.isfinite(a).all()
    assert a[0] != b[0]  # the unseen level: all-zero one-hot, a different row
    np.testing.assert_allclose(a[1:], b[1:], rtol=1e-6)


def test_columns_and_drop_columns_choose_the_features(
        pima: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = _run(pima, tmp_path, "--columns", "glucose,bmi,band")
    loaded = aekit.load_run(run)
    assert loaded.data_config.columns == ("glucose", "bmi", "band")
    assert loaded.model_config.input_shape == (5,)
    for option, names in (("--columns", "glucose"), ("--drop-columns", "bmi")):
        assert main(["detect", str(run), "--data", str(tmp_path / "train.parquet"), option,
                     names, "--out", str(tmp_path / "r.csv")]) == 2  # the run's features stand
        assert option in capsys.readouterr().err
    pima.to_csv(tmp_path / "all.csv", sep=";", index=False)
    found = _detect(capsys, "--data", str(tmp_path / "all.csv"), "--label-column", "outcome",
                    "--drop-columns", "clinic,band", "--out", str(tmp_path / "s.csv"))
    assert found["roc_auc"] > 0.6
    assert main(["detect", "--data", str(tmp_path / "all.csv"), "--drop-columns", "glucos",
                 "--out", str(tmp_path / "t.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert "'glucos'" in err and "all.csv" in err and len(err.splitlines()) == 1


def test_a_pandas_index_column_is_left_out_with_one_line(
        pima: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pima[[*NAMES, "outcome"]].to_csv(tmp_path / "indexed.csv")  # pandas' unnamed index first
    with pytest.warns(AekitWarning, match="index"):
        data = aekit.load_source(str(tmp_path / "indexed.csv"), label_column="outcome")
    assert data.features == NAMES
    found = _detect(capsys, "--data", str(tmp_path / "indexed.csv"), "--label-column",
                    "outcome", "--out", str(tmp_path / "s.csv"))
    assert found["n"] == 768
    capsys.readouterr()
    main(["detect", "--data", str(tmp_path / "indexed.csv"), "--label-column", "outcome",
          "--out", str(tmp_path / "s.csv")])
    err = [line for line in capsys.readouterr().err.splitlines() if "index" in line]
    assert len(err) == 1 and err[0].startswith("aekit: warning:")


def test_python_api_takes_frames_as_the_cli_does(pima: pd.DataFrame) -> None:
    from aekit.estimators import AnomalyDetector

    train = pima.iloc[:500]
    with pytest.warns(AekitWarning, match="'outcome'"):
        AnomalyDetector(hidden=(4,), epochs=1).fit(train)
    features = train.drop(columns="outcome")
    features = features.assign(band=features["band"].astype("category"))
    detector = AnomalyDetector(hidden=(4,), epochs=2).fit(features)
    assert detector.n_features_in_ == 8 + 3 + 1
    test = pima.iloc[500:].drop(columns="outcome")
    scores = detector.anomaly_scores(test)
    moved = detector.anomaly_scores(test[list(reversed(test.columns))])
    np.testing.assert_array_equal(scores, moved)
    unseen = test.assign(band="unheard-of")
    assert np.isfinite(detector.anomaly_scores(unseen)).all()
    with pytest.raises(AekitError, match="'glucose'"):
        detector.anomaly_scores(test.drop(columns="glucose"))


def test_detect_without_a_run_matches_train_and_data_by_name(
        pima: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    numbers = pima[[*NAMES, "outcome"]]
    numbers.to_csv(tmp_path / "train.csv", index=False)
    numbers.to_csv(tmp_path / "data.csv", index=False)
    numbers[list(reversed(numbers.columns))].to_csv(tmp_path / "moved.csv", index=False)
    args = ["--train", str(tmp_path / "train.csv"), "--label-column", "outcome"]
    _detect(capsys, "--data", str(tmp_path / "data.csv"), *args, "--out",
            str(tmp_path / "a.csv"))
    _detect(capsys, "--data", str(tmp_path / "moved.csv"), *args, "--out",
            str(tmp_path / "b.csv"))
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()
    numbers.rename(columns={"bmi": "mass"}).to_csv(tmp_path / "renamed.csv", index=False)
    np.savez(tmp_path / "arrays.npz", X=numbers[NAMES].to_numpy(), y=numbers["outcome"])
    for data in ("renamed.csv", "arrays.npz"):
        assert main(["detect", "--data", str(tmp_path / data), *args, "--out",
                     str(tmp_path / "c.csv")]) == 2
        err = capsys.readouterr().err.strip()
        assert data in err and len(err.splitlines()) == 1
        assert "'bmi'" in err or "names" in err


def test_values_past_float32_are_refused_not_zeroed(
        pima: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = pima[NAMES].copy()
    frame.loc[3, "insulin"] = 1e300
    frame.to_csv(tmp_path / "huge.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy overflow warning may leak
        for policy in ("error", "zero", "drop"):
            with pytest.raises(AekitError, match=r"huge\.csv.*'insulin'.*float32"):
                aekit.load_source(str(tmp_path / "huge.csv"), nan_policy=policy)
    assert main(["detect", "--data", str(tmp_path / "huge.csv"), "--nan-policy", "zero",
                 "--out", str(tmp_path / "s.csv")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_parquet_without_pyarrow_names_the_extra(
        pima: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pima[NAMES].to_parquet(tmp_path / "t.parquet", index=False)
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as in an install without the extra
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(AekitError, match=r"t\.parquet.*aekit\[tables\]"):
        aekit.load_source(str(tmp_path / "t.parquet"))


def test_a_parquet_larger_than_max_memory_is_scored_by_row_group(
        pima: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = _run(pima, tmp_path)
    big = pd.concat([pima] * 4, ignore_index=True)
    big.to_parquet(tmp_path / "big.parquet", index=False, row_group_size=500)
    in_memory = _detect(capsys, str(run), "--data", str(tmp_path / "big.parquet"), "--out",
                        str(tmp_path / "a.csv"))
    cap = str(768 * 4 * 12 * 4 / 3 / 2**30)  # a third of the table as float32
    streamed = _detect(capsys, str(run), "--data", str(tmp_path / "big.parquet"),
                       "--max-memory", cap, "--out", str(tmp_path / "b.csv"))
    assert streamed["n"] == in_memory["n"] == 4 * 768
    assert streamed["roc_auc"] == in_memory["roc_auc"]
    a = pd.read_csv(tmp_path / "a.csv")["score"].to_numpy()
    b = pd.read_csv(tmp_path / "b.csv")["score"].to_numpy()
    np.testing.assert_allclose(a, b, rtol=1e-5)
    streamed_run = tmp_path / "streamed"  # training streams it too, fitting the same encoding
    assert main(["train", "--data", str(tmp_path / "big.parquet"), "--label-column", "outcome",
                 "--max-memory", cap, "--hidden", "8,3", "--epochs", "1", "--quiet", "--out",
                 str(streamed_run)]) == 0
    trained = aekit.load_run(streamed_run).data_config
    assert trained.encoding == aekit.load_run(run).data_config.encoding
    assert trained.columns == aekit.load_run(run).data_config.columns


def test_a_run_trained_on_a_table_refuses_an_array_without_names(
        pima: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Columns are matched by name with a run too: an array has none to match, so its columns
    would be scored by position against the table's."""
    numbers = pima[[*NAMES, "outcome"]]
    run = _run(numbers, tmp_path)
    np.savez(tmp_path / "arrays.npz", X=numbers[NAMES].to_numpy(), y=numbers["outcome"])
    capsys.readouterr()
    assert main(["detect", str(run), "--data", str(tmp_path / "arrays.npz"), "--out",
                 str(tmp_path / "s.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "arrays.npz" in err and "by name" in err
    assert not (tmp_path / "s.csv").exists()
