"""What a new user hits in the first hour: crashes after training, odd image layouts and
ranges, and start-up interrupts. Each test runs the CLI as a user would, on real data."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import aekit
from aekit.cli.main import _ctrl_c_held, main

SMALL = ["--limit", "300", "--epochs", "1", "--quiet"]


def _train(*args: str) -> int:
    return main(["train", *args, *SMALL])


def test_conv_with_dense_hidden_finishes_with_report_and_no_feature_figures(
        tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cm"
    assert _train("--model", "conv", "--data", "mnist", "--data-dir", str(data_dir),
                  "--out", str(out)) == 0
    assert (out / "report.html").exists() and (out / "figures" / "reconstructions.png").exists()
    assert not (out / "figures" / "features.png").exists()  # the first layer is a conv
    assert "Traceback" not in capsys.readouterr().err


def test_readme_conv_vae_line_finishes(tmp_path: Path) -> None:
    out = tmp_path / "cvae"
    assert _train("--model", "conv", "--channels", "16,32", "--hidden", "16", "--latent",
                  "gaussian", "--loss", "bce", "--out", str(out)) == 0
    assert (out / "figures" / "samples.png").exists() and (out / "report.html").exists()


def test_a_failing_figure_step_warns_on_one_line_and_resume_still_finishes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["train", "--data", "digits", "--hidden", "16,4", "--epochs", "1", "--quiet",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    for name in ("figures", "report.html"):  # a folder where a file goes and the reverse
        target = out / name
        target.unlink() if target.is_file() else shutil.rmtree(target)
    (out / "figures").write_text("not a folder")
    (out / "report.html").mkdir()
    assert main(["train", "--resume", str(out), "--epochs", "2", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    warnings = [line for line in err.splitlines() if line.startswith("aekit: warning:")]
    assert len(warnings) == 2 and "figures" in warnings[0] and "report" in warnings[1]
    assert json.loads((out / "metrics.json").read_text())["final"]["epochs"] == 2
    assert aekit.load_run(out).metrics["final"]["epochs"] == 2


def test_channels_last_arrays_are_recognised_and_drawn(tmp_path: Path, data_dir: Path) -> None:
    mnist = aekit.load_source("mnist:test", data_dir=data_dir, limit=200).x  # (N, 1, 28, 28)
    tiles = mnist[:, 0, :16, :16]
    five = np.stack([np.roll(tiles, k, axis=1) for k in range(5)], axis=-1)  # (N, 16, 16, 5)
    path = tmp_path / "five.npy"
    np.save(path, five.astype(np.uint8))
    data = aekit.load_source(str(path))
    assert data.x.shape == (200, 5, 16, 16)
    np.testing.assert_array_equal(data.x[:, 2], np.roll(tiles, 2, axis=1))
    out = tmp_path / "run"
    assert _train("--data", str(path), "--hidden", "32", "--out", str(out)) == 0
    assert (out / "figures" / "reconstructions.png").stat().st_size > 1000


def test_float_images_in_0_255_are_scaled_to_unit_range(tmp_path: Path,
                                                         data_dir: Path) -> None:
    raw = aekit.load_source("mnist:test", data_dir=data_dir, limit=300).x[:, 0]
    path = tmp_path / "float255.npy"
    np.save(path, raw.astype(np.float32))  # (N, 28, 28), values up to 255
    out = tmp_path / "run"
    assert _train("--data", str(path), "--hidden", "32", "--out", str(out)) == 0
    run = aekit.load_run(out)
    assert float(run.scaling.scale) == 255.0
    assert run.metrics["final"]["mse"] < 0.5  # unscaled 0-255 targets gave thousands


def test_float_images_beyond_255_are_scaled_by_their_maximum(tmp_path: Path) -> None:
    path = tmp_path / "raw16.npy"
    np.save(path, np.linspace(0, 4000, 20 * 8 * 8, dtype=np.float32).reshape(20, 8, 8))
    data = aekit.load_source(str(path))
    assert data.full_scale == 4000.0
    assert _train("--data", str(path), "--hidden", "4", "--out", str(tmp_path / "run")) == 0


def test_flat_uint8_pixels_train_as_a_table_or_as_images_with_kind(tmp_path: Path,
                                                                    data_dir: Path) -> None:
    raw = aekit.load_source("mnist:test", data_dir=data_dir, limit=300).x
    path = tmp_path / "flat.npy"
    np.save(path, raw.reshape(300, 784).astype(np.uint8))  # as fetch_openml gives MNIST
    table = aekit.load_source(str(path))
    assert table.kind == "tabular" and table.x.shape == (300, 784)
    images = aekit.load_source(str(path), kind="image")
    assert images.kind == "image" and images.x.shape == (300, 1, 28, 28)
    np.testing.assert_array_equal(images.x, raw)
    assert _train("--data", str(path), "--hidden", "32", "--out", str(tmp_path / "t")) == 0


def _ctrl_c_as_at_a_terminal() -> None:
    """A runner that started the suite in the background (SIGINT ignored, inherited by every
    child) must not decide this test: the child gets Ctrl-C as a terminal delivers it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.subprocess
def test_ctrl_c_during_start_up_ends_without_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "aekit", "train", "--data", "digits",
                             "--out", str(tmp_path / "run")], stderr=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=env,
                            preexec_fn=_ctrl_c_as_at_a_terminal)
    time.sleep(0.4)  # inside the imports: torch alone takes longer than this
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert proc.returncode == 130 and err.strip().startswith("aekit: interrupted")


def test_ctrl_c_while_libraries_load_is_held_until_they_have_loaded() -> None:
    """An import cut by KeyboardInterrupt leaves numpy half-initialised; so SIGINT during the
    start-up imports is recorded, not raised, and Python's handler is back afterwards."""
    with _ctrl_c_held() as held:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(200):  # the handler runs between bytecodes, in the main thread, once
            time.sleep(0.005)  # the signal reaches it (another thread may have taken it)
            if held:
                break
    assert held == [signal.SIGINT]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
