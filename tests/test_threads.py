"""The thread rule: what it gives for a model's size and the cores free, who overrides it, and
that a run records what it used. Nothing here is timed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_info

import aekit
from aekit import threads
from aekit.cli.main import main as cli
from aekit.config import TrainConfig
from aekit.errors import AekitError
from aekit.estimators import AnomalyDetector
from aekit.report.summary import summary
from aekit.tasks.classify import PretrainedClassifier
from aekit.train.speed import step_flops


@pytest.fixture(autouse=True)
def _no_process_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no `--threads` of the process and no OMP_NUM_THREADS."""
    monkeypatch.setattr(threads, "_requested", None)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)


def _flops(preset: str) -> float:
    """FLOPs of one training step of a preset's model at its batch size, on MNIST's shape."""
    found = aekit.load_preset(preset)
    model = aekit.Autoencoder(aekit.ModelConfig(**{**found.model, "input_shape": [1, 28, 28]}))
    x = torch.rand(found.train["batch_size"], 1, 28, 28)
    return step_flops(model, x, None)


def _blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


@pytest.mark.parametrize(("step", "cores", "busy", "count", "why"), [
    (2e6, 2, 0.0, 1, "rule: small model, 2 MFLOP a step"),      # the digits demo, quiet
    (500e6, 2, 0.0, 2, "rule: 2 of 2 cores free"),               # stacked-mnist, quiet
    (500e6, 2, 1.0, 1, "rule: 1 of 2 cores free"),               # one competing process
    (500e6, 2, 4.0, 1, "rule: 1 of 2 cores free"),               # load far above the cores
    (500e6, 16, 3.0, 10, "rule: small model, 500 MFLOP a step"),  # the work caps it first
    (5e9, 16, 3.0, 13, "rule: 13 of 16 cores free"),
    (None, 4, 1.5, 2, "rule: 2 of 4 cores free"),                # unknown work: the cores
])
def test_the_rule_follows_the_work_and_the_free_cores(step: float | None, cores: int,
                                                      busy: float, count: int, why: str) -> None:
    assert threads.rule(step, cores, busy) == threads.Threads(count, why)


def test_real_models_fall_on_the_sides_of_the_threshold_they_are_said_to() -> None:
    """keras-simple (784-32-784, batch 128) is a small model; stacked-mnist and keras-conv are
    not: a second thread is theirs when a core is free."""
    small, stacked, conv = (_flops(p) for p in ("keras-simple", "stacked-mnist", "keras-conv"))
    assert 30e6 < small < threads.FLOPS_PER_THREAD
    assert stacked > 2 * threads.FLOPS_PER_THREAD and conv > 2 * threads.FLOPS_PER_THREAD
    assert threads.rule(small, 2, 0.0).count == 1
    assert threads.rule(stacked, 2, 0.0).count == threads.rule(conv, 2, 0.0).count == 2


def test_a_given_count_then_omp_num_threads_win(monkeypatch: pytest.MonkeyPatch) -> None:
    assert threads.chosen(None, lambda: 2e6) == threads.Threads(1, "rule: small model, 2 MFLOP "
                                                                   "a step")
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert threads.chosen(None, lambda: 2e6) == threads.Threads(3, "OMP_NUM_THREADS")
    count = torch.get_num_threads()
    with threads.requested(2) as command:
        assert command == threads.Threads(2, "--threads") and torch.get_num_threads() == 2
        assert threads.chosen(None, lambda: 2e6) == threads.Threads(2, "--threads")
        assert threads.chosen(4, lambda: 2e6) == threads.Threads(4, "--threads")
    assert threads.chosen(None, lambda: 2e6).why == "OMP_NUM_THREADS"
    assert torch.get_num_threads() == count
    blas_before = _blas_threads()
    with threads.requested(1):  # numpy's and scipy's BLAS follow the command's count too
        assert torch.get_num_threads() == 1 and _blas_threads() == {1}
    assert _blas_threads() == blas_before
    with pytest.raises(AekitError, match=r"--threads: expected a number of threads >= 1, got 0"):
        threads.requested(0).__enter__()


def test_the_machine_reading_is_a_load_and_a_core_count() -> None:
    assert threads.machine_cores() >= 1
    assert threads.machine_load() >= 0.0


@pytest.mark.parametrize(("n_jobs", "expected"), [(None, None), (3, 3), (-1, "all")])
def test_n_jobs_as_scikit_learn_counts_it(n_jobs: int | None, expected: object) -> None:
    all_cores = threads.machine_cores()
    assert threads.from_n_jobs(n_jobs) == (all_cores if expected == "all" else expected)
    with pytest.raises(AekitError, match="n_jobs: expected None, a positive count or -1"):
        threads.from_n_jobs(0)


def test_a_run_records_the_threads_it_trained_with(tmp_path: Path) -> None:
    """The digits model is small: one thread, and its metrics and summary say why."""
    out = tmp_path / "run"
    threads_before = torch.get_num_threads()
    assert cli(["train", "--data", "digits", "--hidden", "16,4", "--epochs", "1", "--quiet",
                "--out", str(out)]) == 0
    final = json.loads((out / "metrics.json").read_text())["final"]
    assert final["threads"]["count"] == 1
    assert final["threads"]["why"].startswith("rule: small model")
    run = aekit.load_run(out)
    assert re.search(r"^threads +1 \(rule: small model, \d+ MFLOP a step\)$", summary(run), re.M)
    assert torch.get_num_threads() == threads_before


def test_an_estimator_trains_with_its_n_jobs() -> None:
    digits = aekit.load_source("digits")
    x = digits.x.reshape(-1, 64)[:256].astype(np.float64)
    detector = AnomalyDetector("stacked", hidden=(8,), epochs=1, n_jobs=2).fit(x)
    assert detector.detector_.threads_ == threads.Threads(2, "--threads")
    table = AnomalyDetector(n_jobs=1).fit(x).detector_  # the ensemble of the table default
    assert table.threads_ == threads.Threads(1, "--threads")
    encoder = aekit.create_model("stacked", input_shape=(64,), hidden=(8,))
    classifier = PretrainedClassifier(encoder, epochs=1, n_jobs=1).fit(x / 16, digits.y[:256])
    assert classifier.threads_ == threads.Threads(1, "--threads")
    config = TrainConfig(threads=threads.from_n_jobs(-1))
    assert config.threads == threads.machine_cores()


def test_a_resume_takes_threads_without_changing_the_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert cli(["train", "--data", "digits", "--hidden", "16,4", "--epochs", "1", "--quiet",
                "--out", str(out)]) == 0
    assert cli(["train", "--resume", str(out), "--epochs", "2", "--threads", "1",
                "--quiet"]) == 0
    final = json.loads((out / "metrics.json").read_text())["final"]
    assert (final["epochs"], final["threads"]) == (2, {"count": 1, "why": "--threads"})
    assert json.loads((out / "config.json").read_text())["train"]["threads"] is None
