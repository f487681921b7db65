"""Reliability: crafted files fail clearly, saves are atomic, signals and NaNs stop cleanly,
resume is exact, and parsers survive fuzzing."""

from __future__ import annotations

import os
import pickle
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aekit
from aekit import tensors
from aekit.cli.main import main
from aekit.config import DataConfig, ModelConfig, TrainConfig
from aekit.data import formats, ts
from aekit.data.encoding import output_names
from aekit.errors import AekitError
from aekit.train.callbacks import Callback

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _run_dir(tmp_path: Path) -> Path:
    out = tmp_path / "run"
    assert main(["train", "--epochs", "1", "--limit", "200", "--hidden", "16,4",
                 "--out", str(out), "--quiet", "--device", "cpu"]) == 0
    return out


def test_crafted_safetensors_give_clear_errors(tmp_path: Path) -> None:
    huge = tmp_path / "huge.safetensors"
    huge.write_bytes(struct.pack("<Q", 2**40) + b"{}")
    with pytest.raises(AekitError, match=r"huge.safetensors: safetensors header .* implausibly"):
        tensors.load_tensors(huge)
    good = tmp_path / "good.safetensors"
    tensors.save_tensors(good, {"w": torch.ones(100, 100)})
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(good.read_bytes()[:-500])
    with pytest.raises(AekitError, match=r"cut.safetensors: not a valid safetensors file"):
        tensors.load_tensors(cut)
    pickled = tmp_path / "model.safetensors"
    pickled.write_bytes(pickle.dumps({"w": np.ones(3)}))
    with pytest.raises(AekitError, match=r"model.safetensors: .*not a valid safetensors|"
                                         r"implausibly large"):
        tensors.load_tensors(pickled)


def test_edited_run_directory_is_refused(tmp_path: Path) -> None:
    out = _run_dir(tmp_path)
    weights = out / "model.safetensors"
    weights.write_bytes(pickle.dumps({"not": "weights"}))  # a pickle swapped in
    with pytest.raises(AekitError, match=r"model.safetensors: SHA-256 does not match"):
        aekit.load(out)
    (out / "config.json").write_text('{"format": "aekit-run/1", "model": {"hiden": [3]}}')
    with pytest.raises(AekitError, match=r"model: unknown key 'hiden'"):
        aekit.load(out)


def test_save_interrupted_midway_keeps_previous_file(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "w.safetensors"
    tensors.save_tensors(target, {"w": torch.zeros(1000)})
    before = target.read_bytes()

    def broken_save(tensors: dict, path: str, metadata: dict | None = None) -> None:
        Path(path).write_bytes(b"partial" * 100)
        raise OSError("disk full")

    monkeypatch.setattr(tensors, "save_file", broken_save)
    with pytest.raises(OSError, match="disk full"):
        tensors.save_tensors(target, {"w": torch.ones(1000)})
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["w.safetensors"]  # no temp file left


def test_atomic_writes_get_the_users_umask_not_tempfiles_0600(tmp_path: Path) -> None:
    from aekit.io import atomic_write_json

    old = os.umask(0o022)
    try:
        path = atomic_write_json(tmp_path / "config.json", {"a": 1})
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


@pytest.mark.subprocess
def test_sigkill_during_checkpointing_leaves_a_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "big.safetensors"
    script = (f"import sys, torch; sys.path.insert(0, {SRC!r})\n"
              "from aekit.tensors import save_tensors\n"
              "i = 0\n"
              "while True:\n"
              f"    save_tensors({str(target)!r}, {{'w': torch.full((2_000_000,), float(i))}})\n"
              "    i += 1\n")
    proc = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.time() + 60
    while not target.exists() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.7)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    loaded, _ = tensors.load_tensors(target)
    w = loaded["w"]
    assert w.shape == (2_000_000,) and torch.all(w == w[0])  # one whole version, not a mix


def _cli_train(out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.Popen(
        [sys.executable, "-m", "aekit", "train", "--data", "digits", "--hidden", "32,8",
         "--epochs", "12", "--batch-size", "8", "--seed", "3", "--out", str(out), "--quiet",
         "--device", "cpu"], env=env, stderr=subprocess.PIPE, text=True)


@pytest.mark.subprocess
def test_sigint_then_resume_matches_uninterrupted_run(tmp_path: Path) -> None:
    full = _cli_train(tmp_path / "full")
    assert full.wait(timeout=300) == 0, full.stderr.read()
    cut = _cli_train(tmp_path / "cut")
    ckpt_file = tmp_path / "cut" / "checkpoints" / "last.safetensors"
    deadline = time.time() + 120
    while not ckpt_file.exists() and time.time() < deadline:
        time.sleep(0.05)
    cut.send_signal(signal.SIGINT)
    assert cut.wait(timeout=120) == 130
    message = cut.stderr.read()
    assert "interrupted by SIGINT" in message and "aekit train --resume" in message
    resumed = subprocess.run([sys.executable, "-m", "aekit", "train", "--resume",
                              str(tmp_path / "cut"), "--quiet", "--device", "cpu"],
                             env={**os.environ, "PYTHONPATH": SRC}, capture_output=True,
                             text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    a = aekit.load(tmp_path / "full").state_dict()
    b = aekit.load(tmp_path / "cut").state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


class _PoisonAfter(Callback):
    """Puts a NaN into the weights after the first step of an epoch, as a diverging run would."""

    def __init__(self, epoch: int):
        self.epoch = epoch

    def on_batch_end(self, *, trainer: aekit.Trainer, step: int, **kwargs: object) -> None:
        if trainer.epoch + 1 == self.epoch and step == 0:
            with torch.no_grad():
                next(trainer.model.parameters()).fill_(float("nan"))


def test_nan_loss_stops_with_message_and_keeps_last_good_checkpoint(tmp_path: Path) -> None:
    configs = (ModelConfig(hidden=(16, 4)), TrainConfig(epochs=5, batch_size=100),
               DataConfig(source="digits", limit=400))
    with pytest.raises(AekitError, match=r"loss became nan in epoch 3, step 2; the last good "
                                         r"checkpoint \(epoch 2\) is kept .*--clip-grad"):
        aekit.fit_run(*configs, tmp_path / "run", device="cpu", callbacks=[_PoisonAfter(3)])
    trainer = aekit.Trainer(aekit.create_model("stacked", input_shape=(1, 8, 8),
                                               hidden=(16, 4)), configs[1], device="cpu")
    trainer.load_checkpoint(tmp_path / "run" / "checkpoints" / "last.safetensors")
    assert trainer.epoch == 2
    assert all(torch.isfinite(p).all() for p in trainer.model.parameters())


def _valid_idx() -> bytes:
    body = np.arange(2 * 3 * 4, dtype=np.uint8).tobytes()
    return b"\x00\x00\x08\x03" + struct.pack(">III", 2, 3, 4) + body


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_idx_parser(data: st.DataObject) -> None:
    raw = bytearray(_valid_idx())
    for _ in range(data.draw(st.integers(0, 4))):
        op = data.draw(st.sampled_from(["flip", "cut", "extend"]))
        if op == "flip" and raw:
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
        elif op == "cut":
            del raw[data.draw(st.integers(0, len(raw))):]
        else:
            raw += data.draw(st.binary(max_size=20))
    try:
        array = formats.parse_idx(bytes(raw), "fuzz.idx")
    except AekitError as exc:
        assert str(exc).startswith("fuzz.idx: ")
    else:
        assert array.size * array.itemsize == len(raw) - 4 - 4 * array.ndim


@settings(max_examples=2000, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from(list("0123456789.,-e\n abtimesNn\"")), max_size=80))
def test_fuzz_csv_reader(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_text("timestamp,a,b\n" + text)
    try:
        x, _, names, encoding = formats.read_table(path)
    except AekitError as exc:
        assert str(path) in str(exc)
    else:  # a column of mostly text is encoded (one column per value, or one of shares)
        assert x.shape[1] == len(output_names(names, encoding)) and names == ["a", "b"]


def test_nan_policy_and_memory_guard(tmp_path: Path, data_dir: Path) -> None:
    x = np.ones((5, 3), np.float32)
    x[1, 2] = np.nan
    path = tmp_path / "nan.npy"
    np.save(path, x)
    with pytest.raises(AekitError, match=r"nan.npy: 1 samples contain NaN .*first: sample 1"):
        aekit.load_source(str(path))
    assert len(aekit.load_source(str(path), nan_policy="drop")) == 4
    assert aekit.load_source(str(path), nan_policy="zero").x[1, 2] == 0
    with pytest.raises(AekitError, match=r"mnist: needs 0.18 GiB as float32, more than the "
                                         r"0.10 GiB allowed \(--max-memory\)"):
        aekit.load_source("mnist", data_dir=data_dir, max_memory=0.1)


@settings(max_examples=2000, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(header=st.sampled_from(["@classLabel true 1 2\n", "@classLabel\n", "@timeStamps\n",
                                "@classLabel false\n", ""]),
       body=st.text(alphabet=st.sampled_from(list("0123456789.,:-?\n @abcdeflnrstuTF")),
                    max_size=120))
def test_fuzz_ts_reader(tmp_path: Path, header: str, body: str) -> None:
    path = tmp_path / "fuzz.ts"
    path.write_text("@problemName fuzz\n@univariate true\n" + header + "@data\n" + body)
    try:
        x, y = ts.read_ts(path)
    except AekitError as exc:
        assert str(path) in str(exc)
    else:  # unequal lengths are padded with NaN, the mask; nothing else is missing
        assert x.ndim == 3 and not ts.gaps(x).any() and (y is None or len(y) == len(x))


class _SendSignal(Callback):
    """Sends this process a signal in the middle of an epoch, as `kill` or a scheduler would."""

    def on_batch_end(self, *, trainer: aekit.Trainer, step: int, **kwargs: object) -> None:
        if trainer.epoch == 1 and step == 3:
            os.kill(os.getpid(), signal.SIGTERM)


def test_sigterm_finishes_the_step_and_checkpoints(tmp_path: Path) -> None:
    configs = (ModelConfig(hidden=(16, 4)), TrainConfig(epochs=3, batch_size=100),
               DataConfig(source="digits", limit=1000))
    with pytest.raises(aekit.train.TrainingInterrupted,
                       match=r"interrupted by SIGTERM in epoch 2, step 4; checkpoint saved"):
        aekit.fit_run(*configs, tmp_path / "run", device="cpu", callbacks=[_SendSignal()])
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handler restored
    resumed = aekit.resume_run(tmp_path / "run", device="cpu")
    full = aekit.fit_run(*configs, tmp_path / "full", device="cpu")
    assert all(torch.equal(a, b) for a, b in zip(resumed.model.state_dict().values(),
                                                 full.model.state_dict().values(), strict=True))


def test_ctrl_c_after_the_last_step_is_not_dropped(tmp_path: Path) -> None:
    """A SIGINT that lands after the last batch (during the last epoch's end) still stops the
    run with its checkpoint saved, instead of being swallowed when the handler is restored."""
    from aekit.train import Callback, Trainer
    from aekit.train.trainer import TrainingInterrupted

    class CtrlCAtTheEnd(Callback):
        def on_epoch_end(self, trainer: Trainer, **kwargs: object) -> None:
            if trainer.epoch == trainer.config.epochs:
                os.kill(os.getpid(), signal.SIGINT)

    x = aekit.load_source("digits").x[:200].reshape(200, -1) / 16
    model = aekit.create_model("stacked", input_shape=64, hidden=(8,))
    trainer = Trainer(model, TrainConfig(epochs=2, batch_size=50), [CtrlCAtTheEnd()],
                      device="cpu", checkpoint_dir=tmp_path / "checkpoints")
    with pytest.raises(TrainingInterrupted, match="interrupted by SIGINT"):
        trainer.fit(x)
    assert (tmp_path / "checkpoints" / "last.safetensors").is_file() and trainer.epoch == 2
