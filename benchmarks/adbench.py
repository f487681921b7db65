"""ADBench's unsupervised protocol on the shared "Classical" sets: aekit's default detector next
to scikit-learn's IsolationForest and PyOD's AutoEncoder and ECOD, in one run on the same splits.

Per set and seed: a stratified sample of at most `--cap` rows, a stratified 70/30 split, every
method fitted on the training part without its labels (anomalies included) and scored on the
test part. Every method runs with its library's defaults and the seed as its random state.
Prints each set's ROC-AUC (mean over seeds), then per method the mean ROC-AUC and AP over sets
and seeds, the sets where it has the best mean ROC-AUC, and its total seconds (fit and score).
PyOD is optional (`pip install -e ".[bench]"`); without it its columns are left out.

    python -m benchmarks.adbench [--sets 7_Cardiotocography,29_Pima] [--seeds 0,1,2]
                                 [--cap 5000] [--methods aekit,iforest,pyod-ae,ecod]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split

from aekit.detect.detector import AnomalyDetector

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "adbench"
Scorer = Callable[[np.ndarray, np.ndarray, int], np.ndarray]  # (train, test, seed) -> scores


def aekit_default(x_train: np.ndarray, x_test: np.ndarray, seed: int) -> np.ndarray:
    return AnomalyDetector(random_state=seed).fit(x_train).anomaly_scores(x_test)


def isolation_forest(x_train: np.ndarray, x_test: np.ndarray, seed: int) -> np.ndarray:
    return -IsolationForest(random_state=seed).fit(x_train).score_samples(x_test)


def pyod_autoencoder(x_train: np.ndarray, x_test: np.ndarray, seed: int) -> np.ndarray:
    from pyod.models.auto_encoder import AutoEncoder  # optional: the bench extra

    return AutoEncoder(random_state=seed, verbose=0).fit(x_train).decision_function(x_test)


def pyod_ecod(x_train: np.ndarray, x_test: np.ndarray, seed: int) -> np.ndarray:
    from pyod.models.ecod import ECOD

    return ECOD().fit(x_train).decision_function(x_test)


METHODS: dict[str, tuple[str, Scorer, bool]] = {  # key: (column title, scorer, needs PyOD)
    "aekit": ("aekit AnomalyDetector() (defaults)", aekit_default, False),
    "iforest": ("scikit-learn IsolationForest (defaults)", isolation_forest, False),
    "pyod-ae": ("PyOD AutoEncoder (defaults)", pyod_autoencoder, True),
    "ecod": ("PyOD ECOD", pyod_ecod, True),
}


def set_names(data: Path) -> list[str]:
    """The sets in ADBench's numbering order (1_ALOI, 5_campaign, ...)."""
    return sorted((p.stem for p in data.glob("*.npz")), key=lambda s: int(s.split("_")[0]))


def load_split(path: Path, cap: int | None, seed: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, x_test, y_test): stratified cap, then a stratified 70/30 split."""
    with np.load(path, allow_pickle=False) as f:
        x, y = f["X"].astype(np.float64), f["y"].astype(np.int64)
    if cap is not None and len(x) > cap:
        x, _, y, _ = train_test_split(x, y, train_size=cap, stratify=y, random_state=seed)
    x_train, x_test, _, y_test = train_test_split(x, y, test_size=0.3, stratify=y,
                                                  random_state=seed)
    return x_train, x_test, y_test


def run(sets: list[str], seeds: list[int], cap: int | None, methods: list[str], data: Path
        ) -> dict[str, dict[str, dict[str, list[float]]]]:
    """results[method][set] = {"roc_auc": [...per seed], "ap": [...], "seconds": [...]}."""
    results: dict[str, dict[str, dict[str, list[float]]]] = {m: {} for m in methods}
    for name in sets:
        for seed in seeds:
            x_train, x_test, y_test = load_split(data / f"{name}.npz", cap, seed)
            for method in methods:
                started = time.perf_counter()
                scores = METHODS[method][1](x_train, x_test, seed)
                seconds = time.perf_counter() - started
                row = results[method].setdefault(name, {"roc_auc": [], "ap": [], "seconds": []})
                row["roc_auc"].append(float(roc_auc_score(y_test, scores)))
                row["ap"].append(float(average_precision_score(y_test, scores)))
                row["seconds"].append(seconds)
        print(f"{name}: " + ", ".join(
            f"{m} {np.mean(results[m][name]['roc_auc']):.3f}" for m in methods), flush=True)
    return results


def best_counts(results: dict[str, dict[str, dict[str, list[float]]]]) -> dict[str, int]:
    """Sets where each method's mean ROC-AUC is the highest (a tie counts for each)."""
    counts = dict.fromkeys(results, 0)
    for name in next(iter(results.values())):
        means = {m: np.mean(r[name]["roc_auc"]) for m, r in results.items()}
        top = max(means.values())
        for method, value in means.items():
            counts[method] += bool(np.isclose(value, top, atol=5e-4))
    return counts


def summary_table(results: dict[str, dict[str, dict[str, list[float]]]]) -> str:
    counts = best_counts(results)
    lines = ["| method | mean ROC-AUC | mean AP | sets best (ROC-AUC) | seconds, all |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for method, per_set in results.items():
        auc = np.mean([np.mean(r["roc_auc"]) for r in per_set.values()])
        ap = np.mean([np.mean(r["ap"]) for r in per_set.values()])
        seconds = sum(sum(r["seconds"]) for r in per_set.values())
        lines.append(f"| {METHODS[method][0]} | {auc:.4f} | {ap:.4f} | {counts[method]} "
                     f"| {seconds:.0f} |")
    return "\n".join(lines)


def per_set_table(results: dict[str, dict[str, dict[str, list[float]]]]) -> str:
    methods = list(results)
    lines = ["| set | " + " | ".join(methods) + " |", "| --- |" + " ---: |" * len(methods)]
    for name in next(iter(results.values())):
        lines.append(f"| {name} | " + " | ".join(
            f"{np.mean(results[m][name]['roc_auc']):.3f}" for m in methods) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", help="comma-separated set names (default: every set)")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--cap", type=int, default=5000, help="rows per set before the split "
                                                             "(stratified); 0: no cap")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json", type=Path, help="write the per-set, per-seed results here")
    args = parser.parse_args()
    methods = [m for m in args.methods.split(",") if m]
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        parser.error(f"--methods: unknown {unknown}; known: {', '.join(METHODS)}")
    if importlib.util.find_spec("pyod") is None:
        dropped = [m for m in methods if METHODS[m][2]]
        if dropped:
            print(f"PyOD is not installed (pip install -e '.[bench]'): leaving out {dropped}")
        methods = [m for m in methods if not METHODS[m][2]]
    sets = args.sets.split(",") if args.sets else set_names(args.data)
    seeds = [int(s) for s in args.seeds.split(",")]
    cap = args.cap or None
    print(f"{len(sets)} sets, seeds {seeds}, cap {cap} rows (stratified), 70/30 split")
    results = run(sets, seeds, cap, methods, args.data)
    print("\nROC-AUC per set (mean over seeds)\n" + per_set_table(results))
    print(f"\n{len(sets)} sets x {len(seeds)} seeds, cap {cap}\n" + summary_table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
