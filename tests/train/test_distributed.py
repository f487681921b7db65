"""DDP through torchrun on CPU (gloo): 2 local processes, 2 "nodes" on 127.0.0.1, and the CLI.

Each run trains stacked 64-32-8-32-64 on digits through the real pipeline
(tests/train/ddp_worker.py); the single-process reference runs the same settings in this process.
With the global batch split by `rank_share` and its loss weights, 2 ranks compute the same
gradient as one process up to float summation order, so losses agree to 1e-4 and weights to
1e-4 after one epoch (observed: ~1e-6).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

import aekit
from aekit.config import TrainConfig
from aekit.runs.fit import fit_run, resume_run
from aekit.train.callbacks import Callback

ROOT = Path(__file__).resolve().parents[2]
WORKER = ROOT / "tests" / "train" / "ddp_worker.py"
sys.path.insert(0, str(ROOT / "tests"))
from ddp_worker import SETTINGS  # noqa: E402

pytestmark = pytest.mark.subprocess  # every test here starts other programs

TORCHRUN = [sys.executable, "-m", "torch.distributed.run"]
RUN_FILES = {"config.json", "model.safetensors", "metrics.json", "report.html",
             "detector.safetensors"}


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT / "src")}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _check(proc: subprocess.CompletedProcess | subprocess.Popen, output: str) -> None:
    assert proc.returncode == 0, output[-3000:]


class _Snapshots(Callback):
    """Weights after each epoch."""

    def __init__(self) -> None:
        self.weights: list[dict[str, torch.Tensor]] = []

    def on_epoch_end(self, *, trainer, **kwargs) -> None:
        self.weights.append({k: v.clone() for k, v in trainer.model.state_dict().items()})


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], list[dict]]:
    """The same job in one process, two epochs: (history, weights after each epoch)."""
    snapshots = _Snapshots()
    train = TrainConfig(**{**SETTINGS["train"].__dict__, "epochs": 2})
    result = fit_run(SETTINGS["model"], train, SETTINGS["data"],
                     tmp_path_factory.mktemp("single") / "run", device="cpu",
                     callbacks=[snapshots])
    return result.metrics["history"], snapshots.weights


def _history(run_dir: Path) -> list[dict]:
    return json.loads((run_dir / "metrics.json").read_text())["history"]


def _written(dump: Path, rank: int, run_dir: Path) -> set[str]:
    paths = json.loads((dump / f"writes-rank{rank}.json").read_text())
    return {Path(p).name for p in paths if Path(p).parent == run_dir.resolve()}


def _compare_to_single(single: tuple, run_dir: Path, dump: Path) -> None:
    """One DDP epoch: identical weights on both ranks, within 1e-4 of one process; losses
    within 1e-4; only rank 0 wrote into the run directory."""
    history, weights = single
    ranks = [load_file(str(dump / f"rank{r}.safetensors")) for r in (0, 1)]
    for name, value in ranks[0].items():
        assert torch.equal(value, ranks[1][name]), f"{name} differs between the ranks"
        torch.testing.assert_close(value, weights[0][name], rtol=0, atol=1e-4)
    (ddp_epoch,) = _history(run_dir)
    assert abs(ddp_epoch["train_loss"] - history[0]["train_loss"]) < 1e-4
    assert abs(ddp_epoch["val_loss"] - history[0]["val_loss"]) < 1e-4
    assert _written(dump, 1, run_dir) == set(), "rank 1 wrote into the run directory"
    assert _written(dump, 0, run_dir) >= RUN_FILES
    assert sorted(p.name for p in run_dir.iterdir() if not p.name.startswith(".aekit")) == [
        "checkpoints", "config.json", "detector.safetensors", "figures", "metrics.json",
        "model.safetensors", "report.html"]


def test_two_processes_match_one_and_write_once_then_resume_on_one(
        tmp_path: Path, single: tuple) -> None:
    """2 ranks on CPU (gloo) for one epoch; then the run resumes in this single process to
    two epochs and ends where two single-process epochs end (checkpoints count global
    batches, so the number of processes may change)."""
    run_dir, dump = tmp_path / "ddp", tmp_path / "dump"
    dump.mkdir()
    proc = subprocess.run([*TORCHRUN, "--standalone", "--nproc-per-node", "2", str(WORKER),
                           str(run_dir), str(dump), "1"], capture_output=True, text=True,
                          env=_env(), timeout=300, cwd=tmp_path)
    _check(proc, proc.stdout + proc.stderr)
    _compare_to_single(single, run_dir, dump)
    resumed = resume_run(run_dir, epochs=2, device="cpu")
    for name, value in resumed.model.state_dict().items():
        torch.testing.assert_close(value, single[1][1][name], rtol=0, atol=1e-4)
    assert [r["train_loss"] for r in resumed.metrics["history"]] == pytest.approx(
        [r["train_loss"] for r in single[0]], abs=1e-4)


def test_two_nodes_c10d_rendezvous(tmp_path: Path, single: tuple) -> None:
    """Two torchrun agents ("nodes"), one process each, meeting through a c10d store on
    127.0.0.1: weights equal one process's to 1e-4 after one epoch, run written once."""
    run_dir, dump = tmp_path / "ddp", tmp_path / "dump"
    dump.mkdir()
    port = _free_port()
    command = [*TORCHRUN, "--nnodes", "2", "--nproc-per-node", "1", "--rdzv-backend", "c10d",
               "--rdzv-endpoint", f"127.0.0.1:{port}", "--rdzv-id", "aekit-test",
               "--local-addr", "127.0.0.1", "--max-restarts", "0",
               str(WORKER), str(run_dir), str(dump), "1"]
    nodes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, env=_env(), cwd=tmp_path) for _ in range(2)]
    outputs = [node.communicate(timeout=300)[0] for node in nodes]
    for node, output in zip(nodes, outputs, strict=True):
        _check(node, output)
    _compare_to_single(single, run_dir, dump)


def test_cli_nproc_streams_and_matches_one_process(tmp_path: Path, single: tuple) -> None:
    """`aekit train --nproc 2 --stream` (torchrun underneath, DataLoader workers in each rank)
    trains the same first epoch as the in-memory single process."""
    run_dir = tmp_path / "ddp"
    command = [sys.executable, "-m", "aekit", "train", "--nproc", "2", "--stream",
               "--workers", "1", "--model", "stacked", "--hidden", "32,8", "--output",
               "sigmoid", "--lr", "3e-3", "--batch-size", "64", "--seed", "3", "--epochs", "1",
               "--data", "digits", "--device", "cpu", "--out", str(run_dir)]
    proc = subprocess.run(command, capture_output=True, text=True, env=_env(), timeout=300,
                          cwd=tmp_path)
    _check(proc, proc.stdout + proc.stderr)
    assert proc.stdout.count("run directory") == 1  # rank 0 alone prints the summary
    (epoch,) = _history(run_dir)
    assert abs(epoch["train_loss"] - single[0][0]["train_loss"]) < 1e-4
    run_weights = load_file(str(run_dir / "model.safetensors"))
    for name, value in run_weights.items():
        torch.testing.assert_close(value, single[1][0][name], rtol=0, atol=1e-4)


def test_nproc_is_refused_below_one(capsys: pytest.CaptureFixture[str]) -> None:
    from aekit.cli.main import main

    assert main(["train", "--nproc", "0", "--out", "x"]) == 2
    assert "--nproc: expected a number of processes >= 1" in capsys.readouterr().err


def test_aae_ranks_stay_together_and_calibrate_on_all_the_data(tmp_path: Path) -> None:
    """The AAE's discriminator trains in its own step, outside DDP's reducer, and averages its
    gradients there. Before, DDP waited for the discriminator's gradients, the optimizer
    stepped on unaveraged ones and the ranks drifted apart, so rank 0's saved codes missed the
    moments the ranks had calibrated together (digits: means 0.13 and 0.07)."""
    proc = subprocess.run([sys.executable, "-m", "aekit", "train", "--nproc", "2", "--model",
                           "aae", "--hidden", "32,2", "--data", "digits", "--epochs", "2",
                           "--val-split", "0", "--device", "cpu", "--out",
                           str(tmp_path / "ddp")], capture_output=True, text=True, env=_env(),
                          timeout=300, cwd=tmp_path)
    _check(proc, proc.stdout + proc.stderr)
    run = aekit.load_run(tmp_path / "ddp")
    digits = aekit.load_source("digits")
    codes = aekit.metrics.encode(run.model, run.scaling.apply(digits.x).astype(np.float32))
    assert np.abs(codes.mean(0)).max() < 0.01, codes.mean(0)
    assert np.abs(np.cov(codes.T, bias=True) - np.eye(2)).max() < 0.01
