"""Fuzz every format and every run-directory file through train, evaluate, encode, reconstruct,
detect, report and resume, under a memory cap and a per-case timeout.

    python -m benchmarks.fuzz [--cases 10000] [--seed 0] [--timeout 30] [--cap-gib 3]

Prints outcome counts per target (ok / one-line error / traceback / hang / oom), the first
messages of any traceback or hang, and the peak RSS against the RSS after set-up; the cases
run with --max-memory 0.25 (GiB), so the overhead beyond it is what the table states.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

import torch

from benchmarks.fuzz_cases import build_case, make_seeds, plan, run_case

OUTCOMES = ("ok", "error", "warning", "traceback", "hang", "oom")


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cap_memory(gib: float) -> None:
    """Limit the address space to what is mapped now plus `gib`: a bomb fails, not the box."""
    with open("/proc/self/statm") as handle:
        mapped = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = mapped + int(gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per case")
    parser.add_argument("--cap-gib", type=float, default=3.0,
                        help="address space allowed beyond what set-up mapped")
    args = parser.parse_args()
    torch.set_num_threads(1)
    root = Path(tempfile.mkdtemp(prefix="aekit-fuzz-"))
    try:
        seeds = make_seeds(root / "seeds")
        baseline = rss_mib()
        cap_memory(args.cap_gib)
        cases = plan()
        random.Random(args.seed).shuffle(cases)
        rng = random.Random(args.seed)
        counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        bad: list[str] = []
        seconds: collections.Counter = collections.Counter()
        started = time.perf_counter()
        for index in range(args.cases):
            target, command = cases[index % len(cases)]
            work = root / "case"
            work.mkdir()
            argv = build_case(seeds, target, command, rng, work)
            began = time.perf_counter()
            outcome, message = run_case(argv, args.timeout)
            seconds[command] += time.perf_counter() - began
            counts[target][outcome] += 1
            counts[f"  {command}"][outcome] += 1
            if outcome not in ("ok", "error"):
                bad.append(f"{outcome} [{target} / {command}] {message}")
            shutil.rmtree(work, ignore_errors=True)
            if (index + 1) % 1000 == 0:
                print(f"{index + 1} cases, {time.perf_counter() - started:.0f} s", flush=True)
        _report(counts, bad, args.cases, time.perf_counter() - started, baseline)
        print("seconds per command: " + ", ".join(f"{c} {s:.0f}" for c, s in seconds.items()))
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _report(counts: dict[str, collections.Counter], bad: list[str], cases: int,
            seconds: float, baseline: float) -> None:
    print(f"\n{'target / command':<30}" + "".join(f"{o:>10}" for o in OUTCOMES))
    for name in sorted(counts, key=lambda n: (n.startswith(" "), n)):
        print(f"{name:<30}" + "".join(f"{counts[name][o]:>10}" for o in OUTCOMES))
    total = collections.Counter()
    for name, counter in counts.items():
        if not name.startswith(" "):
            total.update(counter)
    print(f"{'all':<30}" + "".join(f"{total[o]:>10}" for o in OUTCOMES))
    print(f"\n{cases} cases in {seconds:.0f} s; tracebacks {total['traceback']}, hangs "
          f"{total['hang']}, out of memory {total['oom']}")
    print(f"peak RSS {rss_mib():.0f} MiB; after set-up {baseline:.0f} MiB; cases ran with "
          f"--max-memory 0.25 GiB (256 MiB): overhead beyond set-up + cap "
          f"{max(rss_mib() - baseline - 256, 0):.0f} MiB")
    for line in bad[:30]:
        print(line)


if __name__ == "__main__":
    main()
