"""The seed gallery: every system reproduces in --quick mode (`aekit reproduce NAME --quick`)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from PIL import Image

from aekit.cli.main import main
from aekit.gallery import reproduce as gallery

# systems whose quick version already beats the per-pixel training mean on the test split
BEATS_MEAN = {"linear-3d", "denoise-gaussian"}


@pytest.mark.parametrize("name", gallery.names())
def test_system_reproduces_quick(name: str, data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / name
    returned = gallery.reproduce(name, out, data_dir=str(data_dir), quick=True)
    record = json.loads((out / "reproduce.json").read_text())
    assert record == returned
    system = gallery.get(name)
    assert record["system"] == name and record["quick"] is True
    assert record["figures"] == [f"{kind}.png" for kind in system.figures]
    for figure in record["figures"]:
        path = out / figure
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(path) as image:
            image.verify()
            assert min(image.size) > 100
    found = record["metrics"]
    for key in ("test_mse", "untrained_mse", "mean_mse"):
        assert math.isfinite(found[key]) and found[key] >= 0
    assert record["wall_seconds"] > 0 and record["epochs"] >= 1
    assert found["test_mse"] < found["untrained_mse"]  # training moved away from the init
    if name in BEATS_MEAN:
        assert found["test_mse"] < found["mean_mse"]
    if name == "linear-3d":  # a linear AE with MSE finds PCA's plane
        assert found["test_mse"] == pytest.approx(found["pca_mse"], rel=0.1)
    if "denoise" in system.figures:
        assert found["cleaned_mse"] < found["noisy_mse"] or name == "denoise-dropout"
    if name == "pretrain":  # 100 labels, 10 classes: far above chance (0.1)
        assert found["accuracy"] > 0.4 and found["scratch_accuracy"] > 0.4
    if system.reference is not None:
        assert record["reference"]["aekit"] == found[system.reference.metric]
        assert record["reference"]["value"] == system.reference.value


def test_reproduce_list_and_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reproduce", "--list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == gallery.names()
    assert "test_bce 0.102 @25" in listed[gallery.names().index("keras-simple")]
    assert main(["reproduce", "keras-simpel", "--quick"]) == 2
    assert "unknown system 'keras-simpel'" in capsys.readouterr().err


def test_presets_carry_seed_settings() -> None:
    """Seed 004's Keras runs: Adadelta at lr 1.0 (Keras 3's default 0.001 does not train)."""
    for name in ("keras-simple", "keras-deep", "keras-conv", "keras-sparse-l1"):
        model, train = gallery.settings(gallery.get(name), quick=False)
        assert (train["optimizer"], train["lr"], train["batch_size"]) == ("adadelta", 1.0, 128)
        assert model["loss"] == "bce" and train["val_split"] == 0.0
    assert gallery.settings(gallery.get("keras-simple"), False)[1]["epochs"] == 25
    assert gallery.settings(gallery.get("keras-deep"), False)[1]["epochs"] == 100


def test_a_missing_data_file_names_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Run from a folder without the shared data: one line naming the file and --data-dir,
    and --out is not made; $AEKIT_DATA finds the file as --data-dir does."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AEKIT_DATA", raising=False)
    assert main(["reproduce", "keras-lstm", "--quick", "--out", "out"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "timeseries/GunPoint_TRAIN.ts" in err and "--data-dir" in err
    assert not (tmp_path / "out").exists()
    data = Path(__file__).resolve().parents[3] / "shared" / "data"
    monkeypatch.setenv("AEKIT_DATA", str(data))
    source, _ = gallery.pick_source(gallery.get("keras-lstm").data, None)
    assert Path(source) == data / "timeseries" / "GunPoint_TRAIN.ts"
