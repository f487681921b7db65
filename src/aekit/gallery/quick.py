"""A `--quick` reproduction labelled as what it is: a smoke test, shown beside the gallery's
full run (its numbers and figure, from docs/gallery/ in the checkout), so nobody mistakes a
2,000-sample, few-epoch model's grey blobs for the seed system's result."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from aekit.io import atomic_write_json
from aekit.report.html import write_report

GALLERY = Path(__file__).resolve().parents[3] / "docs" / "gallery"
"""The full runs' records and figures, written by `python -m benchmarks.gallery`."""


def full_run(name: str) -> dict[str, Any] | None:
    """The gallery's reproduce.json of a system's full run, or None where there is none."""
    path = GALLERY / name / "reproduce.json"
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def label_quick(record: dict[str, Any], out: Path, samples: int) -> dict[str, Any]:
    """`record` (also rewritten in `out`/reproduce.json) with a plain label and the full run's
    figures first; the run's report gets the same label in its final metrics and the full
    run's figure beside the quick one."""
    found, full = record["metrics"], full_run(record["system"])
    label = (f"QUICK SMOKE TEST ({record['epochs']} epochs on {samples:,} samples): checks "
             "that the pipeline runs; its figures are not the seed system's result")
    head: dict[str, Any] = {"quick_run": label}
    if full is None:
        head["full_run"] = "no full run in docs/gallery; run without --quick for the real one"
    else:
        head["full_run"] = {"epochs": full["epochs"],
                            "test_mse": full["metrics"]["test_mse"],
                            "test_bce": full["metrics"]["test_bce"],
                            "quick_test_mse": found.get("test_mse"),
                            "figures": [str(GALLERY / record["system"] / f)
                                        for f in full["figures"]]}
    _label_report(out / "run", head, full, record["system"])
    labelled = {**head, **record}
    atomic_write_json(out / "reproduce.json", labelled)
    return labelled


def _label_report(run_dir: Path, head: dict[str, Any], full: dict[str, Any] | None,
                  name: str) -> None:
    metrics_path = run_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text())
    summary = head["full_run"]
    full_numbers = ({"full_run_epochs": summary["epochs"],
                     "full_run_test_mse": summary["test_mse"]} if full else {})
    metrics["final"] = {"quick_run": head["quick_run"], **full_numbers, **metrics["final"]}
    atomic_write_json(metrics_path, metrics)
    for figure in (full or {}).get("figures", []):
        source = GALLERY / name / figure
        if source.exists():
            shutil.copyfile(source, run_dir / "figures" / f"full_run_{figure}")
    write_report(run_dir)
