"""`aekit detect RUN --data BIG.parquet` on a table several times larger than --max-memory:
scored row group by row group, its peak RSS measured beside that of the same command on the
small training table.

    python -m benchmarks.parquet_stream [--set 17_InternetAds] [--max-memory 1] [--times 4]
        [--row-group 5000] [--out /tmp/aekit-parquet-bench]

The table is a shared ADBench set tiled until its float32 size is `times` x --max-memory,
written one row group at a time (the writer never holds the whole table). The run is trained
on the set itself (one thread). Prints rows, float32 and file sizes, wall time, peak RSS of
each command (its own process, measured by a wrapper process) and the ROC-AUC.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from aekit.data.sources import load_source

ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
PEAK = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
        "sys.exit(code)")
"""Runs a command and prints its peak RSS (KiB): the largest child it waited for."""


def _columns(x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    columns = {f"f{j}": x[:, j] for j in range(x.shape[1])}
    columns["label"] = y.astype(np.int64)
    return columns


def write_tiled(x: np.ndarray, y: np.ndarray, path: Path, rows: int, group: int) -> None:
    """`rows` rows of x (tiled), one row group of `group` rows at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.table(_columns(x[:1], y[:1])).schema
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, rows, group):
            take = np.arange(start, min(start + group, rows)) % len(x)
            writer.write_table(pa.table(_columns(x[take], y[take]), schema=schema))


def _aekit(args: list[str], env: dict[str, str]) -> tuple[dict, float, float]:
    """The command's JSON result, wall time (s) and peak RSS (GiB)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK, sys.executable, "-m", "aekit", *args],
                          capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"aekit {' '.join(args)} failed:\n{done.stderr}")
    peak = int(done.stderr.strip().splitlines()[-1]) / 2**20
    return json.loads(done.stdout), wall, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="17_InternetAds", help="ADBench set (a wide table)")
    parser.add_argument("--max-memory", type=float, default=1.0, help="GiB (default: 1)")
    parser.add_argument("--times", type=float, default=4.0,
                        help="the table's float32 size over --max-memory (default: 4)")
    parser.add_argument("--row-group", type=int, default=5000, help="rows per row group")
    parser.add_argument("--out", default="/tmp/aekit-parquet-bench", help="work folder")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **ONE_THREAD}
    data = load_source(f"{os.environ.get('AEKIT_DATA', '../shared/data')}/adbench/"
                       f"{args.set}.npz")
    x, y = data.x.astype(np.float32), np.asarray(data.y)
    small = out / "train.parquet"
    write_tiled(x, y, small, len(x), args.row_group)
    run = out / "run"
    subprocess.run([sys.executable, "-m", "aekit", "train", "--data", str(small),
                    "--label-column", "label", "--hidden", "64,16", "--epochs", "5",
                    "--threads", "1", "--quiet", "--overwrite", "--out", str(run)],
                   check=True, env=env)
    rows = math.ceil(args.times * args.max_memory * 2**30 / (4 * (x.shape[1] + 1)))
    big = out / "big.parquet"
    write_tiled(x, y, big, rows, args.row_group)
    cap = ["--max-memory", str(args.max_memory)]
    base, base_wall, base_peak = _aekit(["detect", str(run), "--data", str(small), *cap,
                                         "--out", str(out / "small_scores.csv")], env)
    found, wall, peak = _aekit(["detect", str(run), "--data", str(big), *cap,
                                "--out", str(out / "big_scores.csv")], env)
    gib = rows * (x.shape[1] + 1) * 4 / 2**30
    print(f"{args.set}: {x.shape[1]} features + label, row groups of {args.row_group} rows, "
          f"--max-memory {args.max_memory} GiB, one thread")
    print("| data | rows | float32 GiB | file MiB | wall s | peak RSS GiB | ROC-AUC |")
    print("|---|---|---|---|---|---|---|")
    small_gib = len(x) * (x.shape[1] + 1) * 4 / 2**30
    print(f"| train.parquet (in memory) | {base['n']:,} | {small_gib:.3f}"
          f" | {small.stat().st_size / 2**20:.1f} | {base_wall:.1f} | {base_peak:.2f} | "
          f"{base['roc_auc']:.4f} |")
    print(f"| big.parquet (by row group) | {found['n']:,} | {gib:.2f} | "
          f"{big.stat().st_size / 2**20:.1f} | {wall:.1f} | {peak:.2f} | "
          f"{found['roc_auc']:.4f} |")
    print(f"peak RSS {peak:.2f} GiB {'within' if peak <= args.max_memory else 'OVER'} the "
          f"{args.max_memory} GiB cap, for a table {gib / args.max_memory:.1f}x the cap")


if __name__ == "__main__":
    main()
