"""A long series through `aekit detect --data` with nothing chosen: one shared series of the UCR
anomaly archive tiled end to end to `--points` steps (10 million by default), written as a CSV
(`value,label`) and scored in a child process; prints its wall time and peak RSS (the child's
maximum resident set, from getrusage) and the detection's ROC-AUC on the tiled labels.

    python -m benchmarks.series_scale [--points 10000000] [--series FILE] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import aekit
from benchmarks.ucr_anomaly import DATA

SERIES = "054_DISTORTEDWalkingAceleration5.csv"
ROWS_PER_WRITE = 1_000_000


def tile(source: Path, points: int, out: Path) -> None:
    """`source` (value,label) repeated end to end to `points` rows, written as a CSV."""
    data = aekit.load_source(str(source), label_column="label")
    repeats = -(-points // len(data.x))
    values = np.tile(data.x[:, 0].astype(np.float64), repeats)[:points]
    labels = np.tile(data.y.astype(np.int64), repeats)[:points]
    with out.open("w") as handle:
        handle.write("value,label\n")
        for first in range(0, points, ROWS_PER_WRITE):
            block = slice(first, first + ROWS_PER_WRITE)
            handle.write("".join(f"{v:.6g},{y}\n" for v, y in zip(values[block], labels[block],
                                                                    strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--series", default=SERIES, help="a file of the shared archive")
    parser.add_argument("--keep", type=Path, help="write the CSV and scores here (default: a "
                                                  "temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        tiled = folder / f"tiled-{args.points}.csv"
        tile(DATA / args.series, args.points, tiled)
        command = [sys.executable, "-m", "aekit", "detect", "--data", str(tiled),
                   "--label-column", "label", "--out", str(folder / "scores.csv")]
        began = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - began
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if done.returncode != 0:
            sys.exit(f"aekit detect failed: {done.stderr.strip()}")
        result = json.loads(done.stdout)
        print(json.dumps({"points": args.points, "series": args.series,
                          "wall_s": round(seconds, 1), "peak_rss_mb": round(peak_mb),
                          "roc_auc": result.get("roc_auc"),
                          "average_precision": result.get("average_precision")}))


if __name__ == "__main__":
    main()
