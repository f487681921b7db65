"""The UCR anomaly archive (KDD Cup 2021) under TSB-UAD's protocol: aekit's default series
detector, with nothing chosen, on the shared series, beside the peers' published scores.

Each series is scored whole, without its labels (`SeriesDetector().fit(series)` and its
`decision_scores_`, what `aekit detect --data SERIES.csv` does). Per series: top-1 (the highest
score lies within 100 points of the labelled run: the archive's own accuracy), ROC-AUC and
AUC-PR over all points. Prints aekit's share of top-1 hits, mean ROC-AUC, mean AUC-PR and
seconds (fit and score, all series) beside the peers' figures on the same series
(index.json's `peers`, as in PEERS.md).

    python -m benchmarks.ucr_anomaly [--limit K] [--every N] [--jobs J] [--threads 1]
                                     [--results results.jsonl] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import torch

import aekit
from aekit.detect.series_detector import SeriesDetector
from aekit.metrics import detection_metrics

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ucr-anomaly"
TOP1_MARGIN = 100
"""Points either side of the labelled run where the highest score still counts as a hit."""


def top1(scores: np.ndarray, start: int, end: int) -> bool:
    """Whether the highest score lies within `TOP1_MARGIN` points of the run [start, end]."""
    at = int(np.argmax(scores))
    return start - TOP1_MARGIN <= at <= end + TOP1_MARGIN


def score_series(entry: dict[str, Any], data: Path, threads: int) -> dict[str, Any]:
    """aekit's default on one series of the index: its metrics and seconds."""
    torch.set_num_threads(threads)
    series = aekit.load_source(str(data / entry["file"]), label_column="label")
    began = time.perf_counter()
    detector = SeriesDetector().fit(series.x)
    seconds = time.perf_counter() - began
    scores = detector.decision_scores_
    found = detection_metrics(series.y, scores)
    return {"file": entry["file"], "window": detector.lengths_, "seconds": seconds,
            "top1": top1(scores, entry["anomaly_start"], entry["anomaly_end"]),
            "roc_auc": found["roc_auc"], "auc_pr": found["average_precision"]}


def table(results: list[dict[str, Any]], entries: list[dict[str, Any]]) -> str:
    """aekit's row, then the peers' rows on the same series, best top-1 first."""
    rows = [("aekit SeriesDetector() (defaults)", [r["top1"] for r in results],
             [r["roc_auc"] for r in results], [r["auc_pr"] for r in results],
             f"{sum(r['seconds'] for r in results):.0f}")]
    for peer in entries[0]["peers"]:
        scored = [e["peers"][peer] for e in entries]
        rows.append((peer, [s["top1"] for s in scored], [s["roc_auc"] for s in scored],
                     [s["auc_pr"] for s in scored], ""))
    rows[1:] = sorted(rows[1:], key=lambda row: -np.mean(row[1]))
    lines = [f"{len(entries)} series; top-1: the highest score within {TOP1_MARGIN} points of "
             "the labelled run", "",
             "| method | top-1 | mean ROC-AUC | mean AUC-PR | seconds, all |",
             "| --- | ---: | ---: | ---: | ---: |"]
    lines += [f"| {name} | {np.mean(hits):.3f} ({sum(hits)}/{len(hits)}) | {np.mean(roc):.3f} "
              f"| {np.mean(pr):.3f} | {seconds} |" for name, hits, roc, pr, seconds in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, help="the first K series (of those --every keeps)")
    parser.add_argument("--every", type=int, default=1, help="every Nth series of the index")
    parser.add_argument("--jobs", type=int, default=1, help="series scored at once")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per job")
    parser.add_argument("--results", type=Path,
                        help="a JSON-lines file: each series' figures are appended as it "
                             "finishes, and series already in it are not scored again")
    parser.add_argument("--verbose", action="store_true", help="print each series' figures")
    args = parser.parse_args()
    entries = json.loads((args.data / "index.json").read_text())[::args.every][:args.limit]
    done = {}
    if args.results and args.results.exists():
        done = {r["file"]: r for r in map(json.loads, args.results.read_text().splitlines())}
    todo = [e for e in entries if e["file"] not in done]
    began = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        for result in pool.map(score_series, todo, [args.data] * len(todo),
                               [args.threads] * len(todo)):
            done[result["file"]] = result
            if args.results:
                with args.results.open("a") as handle:
                    handle.write(json.dumps(result) + "\n")
            if args.verbose:
                print(f"{result['file']}: window {result['window']}, top-1 "
                      f"{int(result['top1'])}, ROC-AUC {result['roc_auc']:.3f}, AUC-PR "
                      f"{result['auc_pr']:.3f}, {result['seconds']:.1f} s", flush=True)
    print(table([done[e["file"]] for e in entries], entries))
    print(f"\nwall time {time.perf_counter() - began:.0f} s for {len(todo)} series, "
          f"{args.jobs} job(s) of {args.threads} thread(s)")


if __name__ == "__main__":
    main()
