"""Run directories: exact save/load, exact resume, and the CLI end to end on digits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import aekit
from aekit.cli.main import main
from aekit.config import DataConfig, ModelConfig, TrainConfig

CONFIGS = (ModelConfig(arch="stacked", hidden=(24, 6), activation="elu", output="sigmoid",
                       l2=1e-4),
           TrainConfig(optimizer="adam", lr=3e-3, batch_size=50, epochs=4, seed=7),
           DataConfig(source="digits", limit=600))


def test_load_round_trip_is_bit_identical(tmp_path: Path) -> None:
    result = aekit.fit_run(*CONFIGS, tmp_path / "run", device="cpu")
    x = torch.as_tensor(aekit.load_source("digits:test").x[:50] / 16)
    with torch.inference_mode():
        expected = result.model(x)
        loaded = aekit.load(tmp_path / "run")
        again = loaded(x)
    assert torch.equal(expected.recon, again.recon) and torch.equal(expected.code, again.code)
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert [r["epoch"] for r in metrics["history"]] == [1, 2, 3, 4]
    assert set(metrics["history"][0]) == {"epoch", "train_loss", "val_loss", "seconds"}
    assert (tmp_path / "run" / "figures" / "reconstructions.png").stat().st_size > 1000
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["kind"] == "autoencoder"
    del config["kind"]  # a run written before runs named their kind still loads
    (tmp_path / "run" / "config.json").write_text(json.dumps(config))
    with torch.inference_mode():
        assert torch.equal(aekit.load(tmp_path / "run")(x).recon, expected.recon)


def test_resume_after_interrupt_matches_uninterrupted_run(tmp_path: Path,
                                                          ctrl_c_after: Any) -> None:
    full = aekit.fit_run(*CONFIGS, tmp_path / "full", device="cpu")
    torch.manual_seed(0)
    with pytest.raises(KeyboardInterrupt):
        aekit.fit_run(*CONFIGS, tmp_path / "cut", device="cpu", callbacks=[ctrl_c_after(2)])
    assert not (tmp_path / "cut" / "model.safetensors").exists()
    resumed = aekit.resume_run(tmp_path / "cut", device="cpu")
    for (name, a), (_, b) in zip(full.model.state_dict().items(),
                                 resumed.model.state_dict().items(), strict=True):
        assert torch.equal(a, b), name
    assert [r["train_loss"] for r in resumed.metrics["history"]] == [
        r["train_loss"] for r in full.metrics["history"]]


def test_early_stopping_stops_on_flat_val_loss(tmp_path: Path) -> None:
    model, train, data = CONFIGS
    train = aekit.config.replace(train, lr=1e-9, epochs=30, patience=2)
    result = aekit.fit_run(model, train, data, tmp_path / "run", device="cpu")
    assert len(result.metrics["history"]) < 30


def test_cli_train_evaluate_encode_reconstruct(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    assert main(["train", "--data", "digits", "--hidden", "32,8", "--epochs", "3",
                 "--batch-size", "64", "--out", str(run), "--quiet", "--device", "cpu"]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(run), "--data", "digits:test"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 297 and 0 < report["mse"] < 0.2 and report["bce"] > 0
    assert main(["encode", str(run), "--data", "digits", "--limit", "100",
                 "--out", str(tmp_path / "codes.npy")]) == 0
    codes = np.load(tmp_path / "codes.npy")
    assert codes.shape == (100, 8) and codes.dtype == np.float32
    assert main(["reconstruct", str(run), "--data", "digits:test", "--out",
                 str(tmp_path / "recon.npy"), "--figure", str(tmp_path / "recon.png")]) == 0
    recon = np.load(tmp_path / "recon.npy")
    original = aekit.load_source("digits:test").x
    assert recon.shape == original.shape
    assert recon.min() >= 0 and recon.max() <= 16.0001  # the data's own units, not [0, 1]
    assert np.mean((recon - original) ** 2) < np.mean((original - original.mean()) ** 2)
    assert (tmp_path / "recon.png").stat().st_size > 1000


@pytest.mark.parametrize(("argv", "message"), [
    (["train", "--epochs", "-3"], "--epochs"),
    (["train", "--model", "stackd"], "unknown arch 'stackd'.*did you mean 'stacked'"),
    (["train", "--preset", "nope"], "unknown preset 'nope'"),
    (["train", "--data", "missing.npy"], "missing.npy: file not found"),
    (["train", "--loss", "bce", "--data", "synthetic-3d"], "--loss: bce needs data in"),
    (["evaluate", "no-such-run"], "no-such-run: not a run directory"),
])
def test_cli_bad_input_is_one_clear_line(argv: list[str], message: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    if argv[0] == "train":
        argv = [*argv, "--out", str(tmp_path / "run"), "--quiet"]
    assert main(argv) == 2
    assert not (tmp_path / "run").exists()  # a refused run leaves nothing behind
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("aekit: error:")
    assert __import__("re").search(message, err), err


def test_existing_out_is_not_overwritten(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    argv = ["train", "--epochs", "1", "--limit", "200", "--out", str(out), "--quiet"]
    assert main(argv) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main([*argv, "--overwrite"]) == 2  # not an aekit run: nothing is deleted
    assert "not an aekit run directory" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    (out / "notes.txt").unlink()
    assert main(argv) == 0
    (out / "figures" / "mine.png").write_bytes(b"thesis")  # the user's, added to a run
    (out / "notes.txt").write_text("mine")
    assert main([*argv, "--overwrite"]) == 0
    assert (out / "notes.txt").read_text() == "mine" and (out / "model.safetensors").exists()
    assert (out / "figures" / "mine.png").read_bytes() == b"thesis"


def test_shape_mismatch_names_the_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    run = tmp_path / "run"
    assert main(["train", "--epochs", "1", "--limit", "200", "--out", str(run), "--quiet"]) == 0
    assert main(["evaluate", str(run), "--data", "synthetic-3d"]) == 2
    err = capsys.readouterr().err
    assert "synthetic-3d:train have shape (3,), the model expects (1, 8, 8)" in err
