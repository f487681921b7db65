"""--tensorboard: event files in RUN/tensorboard/ that TensorBoard's own reader loads, with the
loss curves, learning rate, reconstruction images and code histograms of every epoch."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from aekit.cli.main import main


def _train(out: Path, data_dir: Path, *extra: str) -> int:
    return main(["train", "--model", "stacked", "--hidden", "64,16", "--data", "mnist",
                 "--data-dir", str(data_dir), "--limit", "600", "--batch-size", "50",
                 "--epochs", "3", "--tensorboard", "--quiet", "--out", str(out), *extra])


def _events(log_dir: Path) -> EventAccumulator:
    events = EventAccumulator(str(log_dir), size_guidance={"images": 0, "histograms": 0,
                                                           "scalars": 0})
    return events.Reload()


def _pixels(event: Any) -> np.ndarray:  # an ImageEvent
    return np.asarray(Image.open(io.BytesIO(event.encoded_image_string)))


def test_tensorboard_logs_every_epoch_and_resume_continues(tmp_path: Path,
                                                            data_dir: Path) -> None:
    out = tmp_path / "run"
    assert _train(out, data_dir) == 0
    events = _events(out / "tensorboard")
    tags = events.Tags()
    assert {"loss/train", "loss/val", "learning_rate", "sample_terms/loss",
            "sample_terms/recon"} <= set(tags["scalars"])
    history = json.loads((out / "metrics.json").read_text())["history"]
    train = events.Scalars("loss/train")
    assert [e.step for e in train] == [1, 2, 3]
    np.testing.assert_allclose([e.value for e in train], [r["train_loss"] for r in history],
                               rtol=1e-6)
    np.testing.assert_allclose([e.value for e in events.Scalars("loss/val")],
                               [r["val_loss"] for r in history], rtol=1e-6)
    # the fixed held-out sample's loss is the validation loss here (the sample is all 60)
    np.testing.assert_allclose([e.value for e in events.Scalars("sample_terms/loss")],
                               [r["val_loss"] for r in history], rtol=1e-5)
    assert [e.value for e in events.Scalars("learning_rate")] == pytest.approx([1e-3] * 3)

    images = events.Images("reconstructions")
    assert [(e.step, e.height, e.width) for e in images] == [(s, 57, 231) for s in (1, 2, 3)]
    first, last = _pixels(images[0]), _pixels(images[-1])
    assert np.array_equal(first[:28], last[:28])  # the same originals each epoch
    assert np.abs(first[29:].astype(int) - last[29:].astype(int)).mean() > 1  # recon improved
    assert first[:28].max() == 255 and first[:28].min() == 0  # [0, 1] drawn as 0..255

    histograms = events.Histograms("code")
    assert [h.step for h in histograms] == [1, 2, 3]
    assert histograms[0].histogram_value.num == 60 * 16  # 60 held-out samples x 16 code units

    assert main(["train", "--resume", str(out), "--epochs", "4", "--quiet"]) == 0
    resumed = _events(out / "tensorboard")
    assert [e.step for e in resumed.Scalars("loss/train")] == [1, 2, 3, 4]


def test_tensorboard_missing_says_how_to_install(tmp_path: Path, data_dir: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import now fails
    assert _train(tmp_path / "run", data_dir) == 2
    assert ("--tensorboard: needs the tensorboard package; install it with pip install "
            "'aekit[tensorboard]'") in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
