"""Multivariate and unequal-length series on real shared data: BasicMotions (6 channels),
JapaneseVowels (12 channels, 7-26 steps, padded with a mask), a multichannel CSV built from the
shared ECG series through train, encode and detect, and the bad-input errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch

import aekit
from aekit import metrics
from aekit.cli.main import main
from aekit.data.ts import padded_steps, read_ts
from aekit.parts.losses import masked_mse

SERIES = Path(__file__).resolve().parents[3] / "shared" / "data" / "timeseries"
MOTIONS, VOWELS = (str(SERIES / f"{name}_TRAIN.ts") for name in ("BasicMotions",
                                                                  "JapaneseVowels"))


def _recorded_lengths(path: Path) -> list[int]:
    rows = [line for line in path.read_text().splitlines() if line[:1] not in ("@", "#", "")]
    return [len(row.split(":")[0].split(",")) for row in rows]


def test_basic_motions_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """6-channel series: read as (40, 100, 6), trained, and encoded one code per series."""
    data = aekit.load_source(MOTIONS)
    assert data.x.shape == (40, 100, 6) and set(np.unique(data.y)) == {0, 1, 2, 3}
    assert data.x[0, :3, 0] == pytest.approx([0.079106, 0.079106, -0.903497], abs=1e-6)
    run = tmp_path / "run"
    assert main(["train", "--model", "lstm", "--data", MOTIONS, "--epochs", "2",
                 "--out", str(run), "--quiet"]) == 0
    assert main(["encode", str(run), "--out", str(tmp_path / "codes.npy")]) == 0
    assert np.load(tmp_path / "codes.npy").shape == (40, 4)
    loaded = aekit.load_run(run)
    x = loaded.scaling.apply(data.x)
    assert metrics.reconstruct(loaded.model, x).shape == (40, 100, 6)


def test_unequal_lengths_are_padded_with_a_mask() -> None:
    x, y = read_ts(Path(VOWELS))
    lengths = _recorded_lengths(Path(VOWELS))
    assert x.shape == (270, max(lengths), 12) and len(y) == 270
    assert (padded_steps(x).sum(axis=1) == max(lengths) - np.array(lengths)).all()
    assert np.isfinite(x[~padded_steps(x)]).all()
    resampled, _ = read_ts(Path(VOWELS), pad="resample")
    assert np.isfinite(resampled).all() and resampled.shape == x.shape
    shortest = int(np.argmin(lengths))  # its ends stay the recorded ones
    assert resampled[shortest, [0, -1]] == pytest.approx(x[shortest, [0, lengths[shortest] - 1]])


def test_padded_steps_count_in_no_loss(tmp_path: Path) -> None:
    """Trained with --pad mask (the default): the loss is the MSE over recorded steps only, the
    code ignores what stands in the padding, and no gradient reaches a padded step."""
    run = tmp_path / "run"
    assert main(["train", "--model", "conv1d", "--data", VOWELS, "--epochs", "1",
                 "--out", str(run), "--quiet"]) == 0
    loaded = aekit.load_run(run)
    assert loaded.model_config.loss == "masked_mse"
    x = torch.as_tensor(loaded.scaling.apply(aekit.load_source(VOWELS).x))
    pad = torch.isnan(x)
    recon = loaded.model(x).recon.detach().requires_grad_(True)
    loss = masked_mse(recon, recon, x)
    by_hand = ((recon.detach() - x)[~pad] ** 2).mean()
    assert loss.item() == pytest.approx(by_hand.item(), rel=1e-5)
    garbage = torch.where(pad, torch.full_like(recon, 1e6), recon.detach())
    assert float(masked_mse(garbage, garbage, x)) == pytest.approx(loss.item(), rel=1e-6)
    loss.backward()
    assert recon.grad is not None and (recon.grad[pad] == 0).all()
    assert recon.grad[~pad].abs().sum() > 0
    with torch.no_grad():
        assert torch.equal(loaded.model.encode(x), loaded.model.encode(x.nan_to_num(nan=0.0)))
    test = str(SERIES / "JapaneseVowels_TEST.ts")  # one test series is longer (29) than 26
    assert main(["encode", str(run), "--data", test, "--out", str(tmp_path / "c.npy")]) == 0
    assert np.load(tmp_path / "c.npy").shape == (370, loaded.model.code_size)


def _multichannel_csv(path: Path, source: Path, rows: int) -> Path:
    """The shared ECG series and the same series 5 steps later as two value columns."""
    with source.open() as handle:
        table = list(csv.DictReader(handle))[:rows + 5]
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["timestamp", "ecg", "ecg_later", "is_anomaly"])
        for now, later in zip(table, table[5:], strict=False):
            out.writerow([now["timestamp"], now["value-0"], later["value-0"],
                          max(now["is_anomaly"], later["is_anomaly"])])
    return path


def test_multichannel_csv_through_train_encode_detect(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    train = _multichannel_csv(tmp_path / "train.csv",
                              SERIES / "ecg-diff-count-3_TRAIN_NA.csv", 3000)
    test = _multichannel_csv(tmp_path / "test.csv", SERIES / "ecg-diff-count-3_TEST.csv", 10_000)
    run = tmp_path / "run"
    assert main(["train", "--model", "conv1d", "--data", str(train), "--label-column",
                 "is_anomaly", "--window", "64", "--stride", "8", "--epochs", "4",
                 "--out", str(run), "--quiet"]) == 0
    assert aekit.load_run(run).model_config.input_shape == (64, 2)
    assert main(["encode", str(run), "--out", str(tmp_path / "codes.npy")]) == 0
    assert np.load(tmp_path / "codes.npy").shape == ((3000 - 64) // 8 + 1, 4)
    capsys.readouterr()
    assert main(["detect", str(run), "--data", str(test), "--out",
                 str(tmp_path / "scores.csv")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == 9995 and result["roc_auc"] > 0.8


def test_ts_lines_with_different_dimension_counts(tmp_path: Path) -> None:
    lines = (SERIES / "BasicMotions_TRAIN.ts").read_text().splitlines()
    first = next(i for i, line in enumerate(lines) if line.lower() == "@data") + 1
    lines[first + 2] = lines[first + 2].split(":", 1)[1]  # one line loses a dimension
    path = tmp_path / "bad.ts"
    path.write_text("\n".join(lines))
    with pytest.raises(aekit.AekitError, match=rf"bad.ts: line {first + 3}: 5 dimensions, the "
                                               "first series has 6"):
        read_ts(path)


def test_csv_with_a_text_value_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _multichannel_csv(tmp_path / "x.csv", SERIES / "ecg-diff-count-3_TEST.csv", 200)
    rows = path.read_text().splitlines()
    rows[4] = rows[4].replace(rows[4].split(",")[2], "high", 1)
    path.write_text("\n".join(rows))
    assert main(["train", "--model", "conv1d", "--data", str(path), "--window", "32",
                 "--label-column", "is_anomaly", "--out", str(tmp_path / "r"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "x.csv: line 5, column 'ecg_later': expected a number, got 'high'" in err
    assert len(err.splitlines()) == 1


def test_window_longer_than_the_series(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _multichannel_csv(tmp_path / "x.csv", SERIES / "ecg-diff-count-3_TEST.csv", 50)
    assert main(["train", "--model", "lstm", "--data", str(path), "--window", "64",
                 "--out", str(tmp_path / "r"), "--quiet"]) == 2
    assert "--window 64 is longer than the series (50 steps)" in capsys.readouterr().err
