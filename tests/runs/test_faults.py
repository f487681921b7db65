"""Faults: --overwrite never deletes what aekit did not write, one writer per run, a full or
read-only disk during a checkpoint, a failed resume, a corrupted checkpoint."""

from __future__ import annotations

import errno
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

import aekit
from aekit import tensors
from aekit.cli.main import main
from aekit.errors import AekitError
from aekit.runs import lock
from aekit.train import checkpoint

SRC = str(Path(__file__).resolve().parents[2] / "src")
TRAIN = ["train", "--data", "digits", "--limit", "300", "--hidden", "16,4", "--batch-size", "50",
         "--seed", "5", "--quiet", "--device", "cpu"]


def _train(out: Path, *extra: str) -> int:
    return main([*TRAIN, "--out", str(out), *extra])


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink()}


def test_overwrite_refuses_a_folder_aekit_did_not_write(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    project = tmp_path / "proj"
    (project / "figures").mkdir(parents=True)
    (project / "figures" / "fig1.png").write_text("thesis")
    (project / "config.json").write_text('{"mine": true}')
    before = _tree(project)
    assert _train(project, "--epochs", "1", "--overwrite") == 2
    err = capsys.readouterr().err
    assert "not an aekit run directory" in err and "nothing was deleted" in err
    assert _tree(project) == before  # not even a lock file is left


def test_overwrite_refuses_a_run_with_symlinked_entries(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    run, elsewhere = tmp_path / "run", tmp_path / "elsewhere"
    assert _train(run, "--epochs", "1") == 0
    elsewhere.mkdir()
    (elsewhere / "precious.png").write_text("user data")
    for item in (run / "figures").iterdir():
        item.unlink()
    (run / "figures").rmdir()
    (run / "figures").symlink_to(elsewhere, target_is_directory=True)
    before_run, before_elsewhere = _tree(run), _tree(elsewhere)
    assert _train(run, "--epochs", "1", "--overwrite") == 2
    assert "figures: is a symbolic link" in capsys.readouterr().err
    assert _tree(run) == before_run and _tree(elsewhere) == before_elsewhere
    for command in (["report", str(run)], ["train", "--resume", str(run), "--epochs", "3"]):
        assert main(command) == 2  # neither reads nor writes through the link
        assert "symbolic link" in capsys.readouterr().err
    assert _tree(elsewhere) == before_elsewhere


def _hold(out: str, start: multiprocessing.Event, results: multiprocessing.Queue) -> None:
    start.wait()
    try:
        with lock.locked(out):
            results.put("got it")
            time.sleep(0.3)
    except AekitError as exc:
        results.put(str(exc))


def test_two_writers_one_is_refused_every_time(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    for repetition in range(20):
        out = str(tmp_path / f"run{repetition}")
        start, results = context.Event(), context.Queue()
        workers = [context.Process(target=_hold, args=(out, start, results)) for _ in range(2)]
        for worker in workers:
            worker.start()
        start.set()
        outcome = sorted(results.get(timeout=30) for _ in workers)
        for worker in workers:
            worker.join(timeout=30)
        assert outcome[1] == "got it", outcome
        assert "another aekit process (pid" in outcome[0] and "is writing this run" in outcome[0]


@pytest.mark.subprocess
def test_a_second_train_into_a_running_run_is_refused(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "run"
    first = subprocess.Popen([sys.executable, "-m", "aekit", *TRAIN, "--epochs", "400",
                              "--out", str(out)], env={**os.environ, "PYTHONPATH": SRC},
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while not (out / "config.json").exists() and time.time() < deadline:
            time.sleep(0.05)
        assert _train(out, "--epochs", "1", "--overwrite") == 2
        err = capsys.readouterr().err
        assert f"another aekit process (pid {first.pid})" in err, err
        assert main(["train", "--resume", str(out)]) == 2
    finally:
        first.terminate()
        first.wait(timeout=60)


def _fail_on_save(monkeypatch: pytest.MonkeyPatch, code: int, after: int) -> None:
    """The checkpoint writer raises OSError(code) from its `after`+1-th call on."""
    real, calls = tensors.save_file, []

    def save_file(tensors: dict, path: str, metadata: dict | None = None) -> None:
        calls.append(path)
        if len(calls) > after:
            Path(path).write_bytes(b"partial")
            raise OSError(code, os.strerror(code))
        real(tensors, path, metadata=metadata)

    monkeypatch.setattr(tensors, "save_file", save_file)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_disk_full_or_read_only_during_a_checkpoint(code: int, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture) -> None:
    assert _train(tmp_path / "full", "--epochs", "4") == 0
    cut = tmp_path / "cut"
    with monkeypatch.context() as patch:
        _fail_on_save(patch, code, after=2)  # epochs 1 and 2 are saved, epoch 3's fails
        assert _train(cut, "--epochs", "4") == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]  # a note on the full run before
    assert err.startswith("aekit: error: ")
    assert f"{cut / 'checkpoints' / 'last.safetensors'}: {os.strerror(code)} " \
           f"({errno.errorcode[code]})" in err
    assert [p.name for p in (cut / "checkpoints").iterdir()] == ["last.safetensors"]
    assert checkpoint.read_checkpoint_meta(cut / "checkpoints" / "last.safetensors")["epoch"] == 2
    assert main(["train", "--resume", str(cut), "--quiet", "--device", "cpu"]) == 0
    full, resumed = aekit.load(tmp_path / "full").state_dict(), aekit.load(cut).state_dict()
    assert all(torch.equal(full[k], resumed[k]) for k in full)


def test_a_failed_resume_leaves_the_finished_model_usable(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture) -> None:
    run = tmp_path / "run"
    assert _train(run, "--epochs", "2") == 0
    before = aekit.load(run).state_dict()
    with monkeypatch.context() as patch:
        _fail_on_save(patch, errno.EFBIG, after=0)
        assert main(["train", "--resume", str(run), "--epochs", "4", "--quiet"]) == 2
    assert "File too large (EFBIG)" in capsys.readouterr().err
    after = aekit.load(run).state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert main(["evaluate", str(run), "--data", "digits:test"]) == 0
    assert main(["train", "--resume", str(run), "--quiet"]) == 2
    assert "is finished (2 of 2 epochs)" in capsys.readouterr().err


def test_a_corrupted_checkpoint_is_refused_by_its_checksum(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture) -> None:
    run = tmp_path / "run"
    assert _train(run, "--epochs", "2") == 0
    path = run / "checkpoints" / "last.safetensors"
    data = bytearray(path.read_bytes())
    data[-100] ^= 0x10  # one bit of the tensor data: still a valid safetensors file
    path.write_bytes(bytes(data))
    assert main(["train", "--resume", str(run), "--epochs", "3"]) == 2
    assert "checkpoint SHA-256 does not match its content" in capsys.readouterr().err


def test_resume_changes_only_what_can_change_and_records_it(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture
                                                            ) -> None:
    run = tmp_path / "run"
    assert _train(run, "--epochs", "2", "--lr", "0.003", "--threads", "1") == 0
    assert main(["train", "--resume", str(run), "--hidden", "10", "--epochs", "3"]) == 2
    assert "--hidden cannot change when resuming" in capsys.readouterr().err
    assert main(["train", "--resume", str(run), "--epochs", "3", "--lr", "0.0003",
                 "--clip-grad", "1.0", "--threads", "1", "--quiet"]) == 0  # threads as run
    loaded = aekit.load_run(run)
    assert loaded.train_config.lr == 0.0003 and loaded.train_config.clip_grad == 1.0
    history = loaded.metrics["history"]
    assert len(history) == 3 and "changed" not in history[1]
    assert history[2]["changed"] == "epochs 2 -> 3; lr 0.003 -> 0.0003; clip_grad None -> 1.0"


def test_ctrl_c_before_the_first_checkpoint_gives_no_resume_hint(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    from aekit.runs import fit

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(fit, "read_data", interrupted)  # Ctrl-C while the data loads
    assert _train(tmp_path / "run", "--epochs", "1") == 130
    err = capsys.readouterr().err.strip()
    assert err == "aekit: interrupted before the first checkpoint; nothing to resume, start " \
                  "the run again" and not (tmp_path / "run").exists()


@pytest.mark.parametrize("options", [["--latent", "gaussian", "--greedy", "phases"],
                                     ["--kl-warmup", "2"]])
def test_refused_options_leave_out_untouched(tmp_path: Path, capsys: pytest.CaptureFixture,
                                             options: list[str]) -> None:
    """A sampled code cannot be trained layer by layer, and a deterministic one has no KL to
    warm up: each is one line naming the option, before the run directory exists."""
    out = tmp_path / "run"
    assert _train(out, "--epochs", "1", *options) != 0
    message = capsys.readouterr().err.strip()
    assert len(message.splitlines()) == 1 and options[-2] in message
    assert not out.exists()
