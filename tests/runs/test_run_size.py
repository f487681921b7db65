"""A run that training writes can always be read back: a series' per-step scaling is kept as
the per-channel values it is broadcast from (config.json does not grow with the series'
length), and a config.json past the size aekit reads is refused before any training."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from aekit.cli.main import main
from aekit.config import DataConfig, ModelConfig, TrainConfig
from aekit.data.scaling import Scaling
from aekit.errors import AekitError
from aekit.runs.kinds import AUTOENCODER
from aekit.runs.run import MAX_JSON_BYTES, RunConfig, load_run, read_config, write_config

STEPS = 7_000


@pytest.fixture(scope="module")
def long_series(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """Four stretches of a real long series from the UCR anomaly archive, as (4, T, 1)."""
    values = np.loadtxt(data_dir / "ucr-anomaly" / "001_DISTORTED1sddb40.csv", delimiter=",",
                        skiprows=1, usecols=0)
    path = tmp_path_factory.mktemp("series") / "long.npy"
    np.save(path, values[:4 * STEPS].reshape(4, STEPS, 1).astype(np.float32))
    return path


def test_series_scaling_is_stored_per_channel(long_series: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    assert main(["train", "--data", str(long_series), "--kind", "series", "--hidden", "4,2",
                 "--epochs", "1", "--val-split", "0", "--out", str(run), "--quiet",
                 "--device", "cpu"]) == 0, capsys.readouterr().err
    assert (run / "config.json").stat().st_size < 100_000
    loaded = load_run(run)
    assert loaded.scaling.offset.shape == (STEPS, 1)
    x = np.load(long_series)
    np.testing.assert_allclose(loaded.scaling.offset[0, 0], x.mean(), rtol=1e-4)
    assert np.all(loaded.scaling.offset == loaded.scaling.offset[0])


def test_scaling_round_trips_through_config(tmp_path: Path, data_dir: Path) -> None:
    table = np.load(data_dir / "adbench" / "29_Pima.npz")["X"].astype(np.float32)
    for offset, scale in ((table.mean(0), table.std(0) + 1),
                          (np.broadcast_to(table.mean(0), (50, 8)), np.ones((50, 8))),
                          (np.float32(0.5), np.float32(2.0))):
        stored = Scaling(np.asarray(offset, np.float32), np.asarray(scale, np.float32))
        back = Scaling.from_dict(json.loads(json.dumps(stored.to_dict())))
        np.testing.assert_array_equal(back.offset, stored.offset)
        np.testing.assert_array_equal(back.scale, stored.scale)


def test_config_too_large_to_read_back_is_refused(tmp_path: Path) -> None:
    values = np.random.default_rng(0).random(MAX_JSON_BYTES // 10).astype(np.float32)
    scaling = Scaling(values, values + 1)
    setup = RunConfig(ModelConfig(input_shape=[len(values)]), TrainConfig(), DataConfig(),
                      scaling)
    with pytest.raises(AekitError, match=r"config\.json"):
        write_config(tmp_path, AUTOENCODER, setup)
    assert not (tmp_path / "config.json").exists()
    with pytest.raises(AekitError):
        read_config(tmp_path)
