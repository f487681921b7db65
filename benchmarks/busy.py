"""aekit's default threads on a busy machine: each command with default settings against the
best of `--threads 1` and `--threads 2`, while one CPU-bound process competes for the cores.

    python -m benchmarks.busy [--quiet] [--repeats 1] [--data-dir DIR]

The competitor is a Python busy loop in a subprocess, started before the first command and
stopped after the last (`--quiet`: none, the same table on a quiet machine). Each command runs
as a user would run it, a fresh `python -m aekit` process timed from start to exit, in the order
default, 1, 2 threads, then the next command. A run past `CUT` times the fastest so far of its
command cannot be the best and is stopped there (shown as `>N`; a collapsing setting on a busy
machine would otherwise take minutes). The target: default within 1.25x of the best. The load
(/proc/loadavg) is printed beside the table; on a shared machine it says how much other work the
figures ran beside.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(os.environ.get("AEKIT_DATA") or
            Path(__file__).resolve().parents[2] / "shared" / "data")
TARGET = 1.25
CUT = 3.0
SPIN = "while True:\n    pass\n"


def commands(data: Path, out: Path) -> dict[str, tuple[str, list[str]]]:
    """Each row's key, name and what it runs (after `python -m aekit`): short versions of a new
    user's first commands."""
    series = data / "timeseries"
    return {
        "demo": ("demo (50 epochs)", ["demo", "--epochs", "50", "--quiet", "--overwrite",
                                       "--out", str(out / "demo")]),
        "ecg": ("conv1d on ECG (2 epochs)", [
            "train", "--model", "conv1d", "--data",
            str(series / "ecg-diff-count-3_TRAIN_NA.csv"), "--label-column", "is_anomaly",
            "--window", "64", "--stride", "4", "--epochs", "2", "--quiet", "--overwrite",
            "--out", str(out / "ecg")]),
        "lstm": ("LSTM on GunPoint (20 epochs)", [
            "train", "--model", "lstm", "--data", str(series / "GunPoint_TRAIN.ts"),
            "--epochs", "20", "--quiet", "--overwrite", "--out", str(out / "lstm")]),
        "detect": ("detect --data mammography", [
            "detect", "--data", str(data / "adbench" / "23_mammography.npz"),
            "--out", str(out / "scores.csv")]),
        "stacked": ("stacked MNIST (1 epoch)", [
            "train", "--preset", "stacked-mnist", "--data-dir", str(data), "--epochs", "1",
            "--quiet", "--overwrite", "--out", str(out / "stacked")]),
    }


def timed(args: list[str], threads: int | None, limit: float | None) -> tuple[float, str]:
    """Seconds of one command (`limit` when stopped there), and the threads its run recorded
    (train runs) or '-'."""
    extra = [] if threads is None else ["--threads", str(threads)]
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    out = Path(args[args.index("--out") + 1])  # a run directory, or detect's CSV
    metrics = out / "metrics.json" if args[0] in ("train", "demo") else None
    if metrics is not None:
        metrics.unlink(missing_ok=True)
    start = time.perf_counter()
    try:
        subprocess.run([sys.executable, "-m", "aekit", *args, *extra], check=True, env=env,
                       stdout=subprocess.DEVNULL, timeout=limit)
    except subprocess.TimeoutExpired:
        return float(limit or 0), "-"
    seconds = time.perf_counter() - start
    used = "-"
    if metrics is not None and metrics.is_file():
        found = json.loads(metrics.read_text())["final"].get("threads")
        used = f"{found['count']} ({found['why']})" if found else "-"
    return seconds, used


def shown(seconds: float, cut: bool) -> str:
    return f">{seconds:.1f}" if cut else f"{seconds:.1f}"


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="no competing process")
    parser.add_argument("--repeats", type=int, default=1, help="runs per setting (the best "
                                                               "is kept)")
    parser.add_argument("--data-dir", type=Path, default=DATA)
    parser.add_argument("--only", help="comma-separated rows to run: demo, ecg, lstm, detect, "
                                       "stacked (default: all)")
    args = parser.parse_args()
    competitor = None if args.quiet else subprocess.Popen([sys.executable, "-c", SPIN])
    print(f"{'no competing process' if args.quiet else 'one competing busy loop'}; "
          f"{os.cpu_count()} cores; load before: {load()}", flush=True)
    # untimed: the first process to import torch reads it from disk, the rest from the cache
    subprocess.run([sys.executable, "-c", "import aekit.cli.commands"], check=True)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for key, (name, command) in commands(args.data_dir, Path(tmp)).items():
                if args.only and key not in args.only.split(","):
                    continue
                seconds: dict[int | None, float] = {}
                cut: dict[int | None, bool] = {}
                used = "-"
                for threads in (None, 1, 2):
                    limit = CUT * min(seconds.values()) if seconds else None
                    runs = [timed(command, threads, limit) for _ in range(args.repeats)]
                    seconds[threads] = min(s for s, _ in runs)
                    cut[threads] = limit is not None and seconds[threads] >= limit
                    used = runs[0][1] if threads is None else used
                    print(f"  {name}, {threads or 'default'} thread(s): "
                          f"{shown(seconds[threads], cut[threads])} s", flush=True)
                rows.append((name, seconds, cut, used))
    finally:
        if competitor is not None:
            competitor.kill()
            competitor.wait()
    print(f"\nload after: {load()} (1, 5, 15 min)\n")
    print("| command | default s | --threads 1 s | --threads 2 s | default / best | within "
          f"{TARGET}x | default's threads |\n|---|---|---|---|---|---|---|")
    for name, seconds, cut, used in rows:
        ratio = seconds[None] / min(seconds[1], seconds[2])
        print(f"| {name} | {shown(seconds[None], cut[None])} | {shown(seconds[1], cut[1])} | "
              f"{shown(seconds[2], cut[2])} | {'>' if cut[None] else ''}{ratio:.2f} | "
              f"{'yes' if ratio <= TARGET and not cut[None] else 'NO'} | {used} |")


if __name__ == "__main__":
    main()
