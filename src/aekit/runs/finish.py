"""The end of every run, whatever its kind: weights, config.json, metrics.json, figures and
the report, written the same way under the run's lock.

The weights, config and metrics make the run usable and are written first; figures and the
report follow as best-effort steps, so a drawing failure never loses a trained run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from aekit.config import DataConfig, TrainConfig
from aekit.data.scaling import Scaling
from aekit.io import atomic_write_json
from aekit.model import Autoencoder
from aekit.report import best_effort
from aekit.report.html import write_report
from aekit.runs import lock
from aekit.runs.kinds import AUTOENCODER, RunKind
from aekit.runs.run import Run, RunConfig, load_run, save_weights, write_config


def finish_run(out: Path, kind: RunKind, model: nn.Module, setup: RunConfig, *,
               history: list[dict[str, Any]], final: dict[str, Any],
               figures: Mapping[str, Callable[[], object]] | None = None, report: bool = True,
               **details: Any) -> dict[str, Any]:
    """Write a trained `model` as a finished run of `kind` into `out`: model.safetensors,
    config.json (`setup` and the kind's `details`), metrics.json (`history` and `final`), then
    each of `figures` (what it is -> how to draw it) and the report. Returns the weights'
    record (SHA-256 and shapes)."""
    with lock.locked(out):
        weights = save_weights(out, model)
        write_config(out, kind, setup, weights, **details)
        lock.claim_tree(out, "tensorboard")
        atomic_write_json(out / "metrics.json", {"history": history, "final": final})
        for what, draw in (figures or {}).items():
            best_effort(what, draw)
        if report:
            best_effort(f"report {out / 'report.html'}", lambda: write_report(out))
    return weights


def save_run(out: str | Path, model: Autoencoder, *, scaling: Scaling | None = None,
             data: DataConfig | str = "", train_config: TrainConfig | None = None,
             history: list[dict[str, Any]] | None = None, overwrite: bool = False) -> Run:
    """Save a model trained in Python as a run directory that every CLI command reads.

    `scaling` is what turned raw data into the model's inputs (`aekit.fit_scaling(data)`;
    default: none, the data are used as they are); `data` is the source later commands read
    when given no --data (a name, a path or a DataConfig); `history` is `Trainer.fit`'s.
    aekit did not watch this training, so the run gets no figures and no report.
    """
    if scaling is None:
        scaling = Scaling(np.zeros((), np.float32), np.ones((), np.float32))
    data_config = data if isinstance(data, DataConfig) else DataConfig(source=data)
    setup = RunConfig(model.config, train_config or TrainConfig(), data_config, scaling)
    with lock.locked(out, overwrite) as out:
        finish_run(out, AUTOENCODER, model, setup, history=list(history or []), final={},
                   report=False)
    return load_run(out)
