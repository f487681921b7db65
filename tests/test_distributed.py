"""DDP through torchrun on CPU (gloo): 2 local processes, 2 "nodes" on 127.0.0.1, and the CLI.

Each run trains stacked 64-32-8-32-64 on digits through the real pipeline
(tests/ddp_worker.py); the single-process reference runs the same settings in this process.
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

import pytest
import torch
from safetensors.torch import load_file

from aekit.config import TrainConfig
from aekit.train.pipeline import fit_run

ROOT = Path(__file__).resolve().parents[1]
WORKER = ROOT / "tests" / "ddp_worker.py"
sys.path.insert(0, str(ROOT / "tests"))
from ddp_worker import SETTINGS  # noqa: E402

TORCHRUN = [sys.executable, "-m", "torch.distributed.run"]
RUN_FILES = {"config.json", "model.safetensors", "metrics.json"}


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT / "src")}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _check(proc: subprocess.CompletedProcess | subprocess.Popen, output: str) -> None:
    assert proc.returncode == 0, output[-3000:]


def _single(tmp_path: Path, epochs: int) -> tuple[list[dict], dict[str, torch.Tensor]]:
    """The same job in one process: (history, weights)."""
    train = TrainConfig(**{**SETTINGS["train"].__dict__, "epochs": epochs})
    result = fit_run(SETTINGS["model"], train, SETTINGS["data"], tmp_path / "single",
                     device="cpu")
    return result.metrics["history"], result.model.state_dict()


def _history(run_dir: Path) -> list[dict]:
    return json.loads((run_dir / "metrics.json").read_text())["history"]


def _written(dump: Path, rank: int, run_dir: Path) -> set[str]:
    paths = json.loads((dump / f"writes-rank{rank}.json").read_text())
    return {Path(p).name for p in paths if Path(p).parent == run_dir.resolve()}


def _compare_to_single(tmp_path: Path, run_dir: Path, dump: Path, epochs: int) -> None:
    history, single = _single(tmp_path, epochs)
    ranks = [load_file(str(dump / f"rank{r}.safetensors")) for r in (0, 1)]
    for name, value in ranks[0].items():
        assert torch.equal(value, ranks[1][name]), f"{name} differs between the ranks"
        torch.testing.assert_close(value, single[name], rtol=0, atol=1e-4)
    for ddp_epoch, one_epoch in zip(_history(run_dir), history, strict=True):
        assert abs(ddp_epoch["train_loss"] - one_epoch["train_loss"]) < 1e-4
        assert abs(ddp_epoch["val_loss"] - one_epoch["val_loss"]) < 1e-4
    assert _written(dump, 1, run_dir) == set(), "rank 1 wrote into the run directory"
    assert RUN_FILES <= _written(dump, 0, run_dir)
    assert sorted(p.name for p in run_dir.iterdir()) == ["checkpoints", "config.json",
                                                         "figures", "metrics.json",
                                                         "model.safetensors"]


def test_two_processes_match_one_and_write_once(tmp_path: Path) -> None:
    run_dir, dump = tmp_path / "ddp", tmp_path / "dump"
    dump.mkdir()
    proc = subprocess.run([*TORCHRUN, "--standalone", "--nproc-per-node", "2", str(WORKER),
                           str(run_dir), str(dump), "1"], capture_output=True, text=True,
                          env=_env(), timeout=300, cwd=tmp_path)
    _check(proc, proc.stdout + proc.stderr)
    _compare_to_single(tmp_path, run_dir, dump, epochs=1)


def test_two_nodes_c10d_rendezvous(tmp_path: Path) -> None:
    """Two torchrun agents, one process each, meeting through a c10d store on 127.0.0.1."""
    run_dir, dump = tmp_path / "ddp", tmp_path / "dump"
    dump.mkdir()
    port = _free_port()
    command = [*TORCHRUN, "--nnodes", "2", "--nproc-per-node", "1", "--rdzv-backend", "c10d",
               "--rdzv-endpoint", f"127.0.0.1:{port}", "--rdzv-id", "aekit-test",
               "--local-addr", "127.0.0.1", "--max-restarts", "0",
               str(WORKER), str(run_dir), str(dump), "2"]
    nodes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, env=_env(), cwd=tmp_path) for _ in range(2)]
    outputs = [node.communicate(timeout=300)[0] for node in nodes]
    for node, output in zip(nodes, outputs, strict=True):
        _check(node, output)
    _compare_to_single(tmp_path, run_dir, dump, epochs=2)


def test_cli_nproc_then_resume_on_one_process(tmp_path: Path) -> None:
    """`aekit train --nproc 2` for one epoch, then `--resume` on one process to two epochs,
    ends where two single-process epochs end (the checkpoint counts global batches)."""
    run_dir = tmp_path / "ddp"
    options = ["--model", "stacked", "--hidden", "32,8", "--output", "sigmoid", "--lr", "3e-3",
               "--batch-size", "64", "--seed", "3", "--data", "digits", "--device", "cpu",
               "--quiet"]
    cli = [sys.executable, "-m", "aekit", "train"]
    proc = subprocess.run([*cli, "--nproc", "2", "--epochs", "1", *options, "--out",
                           str(run_dir)], capture_output=True, text=True, env=_env(),
                          timeout=300, cwd=tmp_path)
    _check(proc, proc.stdout + proc.stderr)
    assert len(_history(run_dir)) == 1
    proc = subprocess.run([*cli, "--resume", str(run_dir), "--epochs", "2", "--quiet"],
                          capture_output=True, text=True, env=_env(), timeout=300,
                          cwd=tmp_path)
    _check(proc, proc.stdout + proc.stderr)
    history, single = _single(tmp_path, epochs=2)
    resumed = load_file(str(run_dir / "model.safetensors"))
    for name, value in resumed.items():
        torch.testing.assert_close(value, single[name], rtol=0, atol=1e-4)
    assert [round(r["train_loss"], 4) for r in _history(run_dir)] == pytest.approx(
        [r["train_loss"] for r in history], abs=1e-4)


def test_nproc_is_refused_below_one(capsys: pytest.CaptureFixture[str]) -> None:
    from aekit.cli import main

    assert main(["train", "--nproc", "0", "--out", "x"]) == 2
    assert "--nproc: expected a number of processes >= 1" in capsys.readouterr().err
