"""How many threads torch computes with: the user's count, else a rule from the work's size and
the cores that other processes leave free.

Why a rule and not torch's default (one thread per core): torch's OpenMP threads meet at the
end of every parallel operation. When another process holds one of the cores, the thread that
lost its core is descheduled for a time slice and every other thread waits for it, at every
operation; a small model makes thousands of short operations a second and runs many times
slower than on one thread (conv1d on an ECG series, 2 cores, two other jobs: 36.9 s on two
threads against 14.5 s on one). A small model gains little from a second thread even on a quiet
machine: its operations are too short to pay for the meeting.

The rule (`rule`, a pure function of its inputs): as many threads as cores are free now, and no
more than the step's FLOPs allow, one thread per `FLOPS_PER_THREAD`; at least one. Precedence:
a count given (`--threads`, `TrainConfig.threads`, an estimator's `n_jobs`), then the
`OMP_NUM_THREADS` environment variable, then the rule. `machine_load` reads the machine;
`requested` holds a command's `--threads` for the whole command.
"""

from __future__ import annotations

import contextlib
import math
import os
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from threadpoolctl import threadpool_limits

from aekit.errors import AekitError

FLOPS_PER_THREAD = 50e6
"""FLOPs of one training step (forward and backward) each thread needs to pay for meeting the
others at every operation. It lies between the models whose collapse under load the rule is
for (the digits demo, 2 MFLOP a step; the default conv1d and LSTM series models, 2-8 MFLOP; the
table detector's members, 2 MFLOP) and the MNIST models the speed suite runs on two threads
on a quiet machine (stacked-mnist, 500 MFLOP; keras-conv, 570 MFLOP). keras-simple, 38 MFLOP,
falls under it: on one thread it trained at 0.98x the plain loop's time (load 9)."""

LOAD_SAMPLES = 5
"""Readings of the run queue taken (1 ms apart) to judge the load; their median ignores a
process that was runnable for an instant."""


@dataclass(frozen=True)
class Threads:
    """A thread count and why it was chosen, as a run's metrics and summary show it."""

    count: int
    why: str

    def __str__(self) -> str:
        return f"{self.count} ({self.why})"


def rule(step_flops: float | None, cores: int, busy: float) -> Threads:
    """Threads for work of `step_flops` FLOPs a step (None: unknown, as large) on `cores`
    cores of which other processes keep `busy` running."""
    free = max(1, min(cores, math.floor(cores - busy)))
    by_work = cores if step_flops is None else max(1, int(step_flops // FLOPS_PER_THREAD))
    if by_work < free:
        return Threads(by_work, f"rule: small model, {step_flops / 1e6:.0f} MFLOP a step")
    return Threads(free, f"rule: {free} of {cores} cores free")


def machine_cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers and `taskset`
    narrow), else all the machine's."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def machine_load() -> float:
    """Threads of other processes running or waiting for a core now: the kernel's run queue
    (/proc/loadavg's fourth field) less this process's own running threads, the median of a
    few readings. Without /proc, the one-minute load average less this process's one thread."""
    loadavg, own = Path("/proc/loadavg"), Path("/proc/self/task")
    if not loadavg.is_file():
        return max(0.0, os.getloadavg()[0] - 1)
    readings = []
    for _ in range(LOAD_SAMPLES):
        running = int(loadavg.read_text().split()[3].partition("/")[0])
        readings.append(max(0, running - _running_threads(own)))
        time.sleep(0.001)
    return float(statistics.median(readings))


def _running_threads(tasks: Path) -> int:
    count = 0
    for task in tasks.iterdir():
        try:  # the state follows the command name in parentheses
            count += (task / "stat").read_text().rpartition(")")[2].split()[0] == "R"
        except (OSError, IndexError):  # a thread that ended while being read
            continue
    return count


_requested: int | None = None


@contextlib.contextmanager
def requested(count: int | None) -> Iterator[Threads]:
    """A command's threads: its `--threads` (None: none given) for every choice made while it
    runs, and torch's count and the BLAS libraries' (numpy's and scipy's OpenBLAS, which meet
    at every call as torch's threads do: PCA, neighbour distances) set to `chosen(None)` (the
    work's size is not known yet: training refines torch's); all are restored at the end."""
    global _requested
    if count is not None and count < 1:
        raise AekitError(f"--threads: expected a number of threads >= 1, got {count}")
    before, count_before = _requested, torch.get_num_threads()
    _requested = count
    try:
        choice = chosen(None)
        torch.set_num_threads(choice.count)
        with threadpool_limits(choice.count, user_api="blas"):
            yield choice
    finally:
        _requested = before
        torch.set_num_threads(count_before)


def chosen(given: int | None, step_flops: Callable[[], float | None] | None = None
           ) -> Threads:
    """The threads to use: `given` (a config's or estimator's count), else the process's
    `--threads`, else OMP_NUM_THREADS, else the rule on this machine. `step_flops` measures
    the work (called only when the rule needs it)."""
    if given is not None or _requested is not None:
        return Threads(given if given is not None else _requested, "--threads")
    env = os.environ.get("OMP_NUM_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return Threads(int(env), "OMP_NUM_THREADS")
    flops = step_flops() if step_flops is not None else None
    cores = machine_cores()
    if flops is not None and flops < 2 * FLOPS_PER_THREAD:  # one thread, whatever the load
        return rule(flops, cores, 0.0)
    return rule(flops, cores, machine_load())


def from_n_jobs(n_jobs: int | None) -> int | None:
    """scikit-learn's `n_jobs` as a thread count: None the rule, -1 all cores, -2 all but one,
    N that many."""
    if n_jobs is None:
        return None
    if n_jobs == 0 or not isinstance(n_jobs, int):
        raise AekitError(f"n_jobs: expected None, a positive count or -1 (all cores), got "
                         f"{n_jobs!r}")
    return n_jobs if n_jobs > 0 else max(1, machine_cores() + 1 + n_jobs)
