"""`aekit train --labels N`: a semi-supervised run directory from a labelled source.

The run keeps N class-balanced labels (drawn by --seed) and uses every other training row
without its label. It is a classifier run: config.json lists the classes, so `aekit evaluate`
prints accuracy and the confusion matrix; the weights under `ae.` are an ordinary `ladder`
Autoencoder, so `encode` and `reconstruct` read it like any run.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from aekit.config import DataConfig, ModelConfig, TrainConfig, replace
from aekit.data.prepare import prepare_data, read_data
from aekit.device import resolve_device
from aekit.errors import AekitError
from aekit.io import atomic_write_json
from aekit.model import Autoencoder
from aekit.parts.ladder import LadderNetwork
from aekit.report import best_effort, plots
from aekit.report.html import write_report
from aekit.runs import guards, run
from aekit.tasks.semisup import (
    HeldOutAccuracy,
    SemiSupervisedClassifier,
    fit_ladder,
    partial_labels,
)
from aekit.tensors import load_tensors
from aekit.train.callbacks import Progress

MONITORED = 10_000
"""Hidden-label rows whose accuracy is recorded per epoch (a fixed seeded sample: the curve
costs one clean pass over them, not over all unlabelled rows)."""


def fit_semisup_run(model_config: ModelConfig, train_config: TrainConfig,
                    data_config: DataConfig, out: str | Path, labels: int, *,
                    preset: str | None = None, overwrite: bool = False, quiet: bool = True,
                    device: str = "auto") -> dict[str, Any]:
    """Train a ladder on `labels` labels plus the other rows of the source, into `out`."""
    resolve_device(device)
    train_config = replace(train_config, val_split=0.0)  # the hidden labels are the check
    data = read_data(data_config)
    if data.y is None:
        raise AekitError(f"--labels: {data.name} has no labels; semi-supervised training needs "
                         "a labelled source (its other rows are used without their labels)")
    y_partial = partial_labels(data.y, labels, train_config.seed)
    prepared = prepare_data(data, model_config, train_config, data_config.scaling)
    classes = np.unique(data.y)
    config = replace(prepared.model_config, hidden=(*prepared.model_config.hidden, len(classes)))
    LadderNetwork(Autoencoder(config))  # a wrong architecture fails before --out is touched
    hidden = np.flatnonzero(y_partial < 0)
    watch = np.sort(np.random.default_rng(train_config.seed).permutation(hidden)[:MONITORED])
    callbacks = [HeldOutAccuracy(prepared.train[watch], y_partial_true(data.y, watch, classes),
                                 "hidden_label_accuracy"), Progress(quiet)]
    with guards.writer(Path(out), overwrite) as out:
        started = time.perf_counter()
        net, history = fit_ladder(prepared.train, y_partial, config, train_config, callbacks,
                                  device)
        seconds = time.perf_counter() - started
        results = {"labels": int(labels), "unlabelled": len(hidden),
                   "hidden_label_accuracy": history[-1]["hidden_label_accuracy"],
                   "train_seconds": round(seconds, 1),
                   "seconds_per_epoch": round(seconds / max(len(history), 1), 1)}
        weights = run.save_weights(out, net)
        run.write_config(out, config, train_config, data_config, prepared.scaling, preset,
                         weights, classes=classes.tolist(),
                         semisup={"method": "ladder", "labels": int(labels)})
        atomic_write_json(out / "metrics.json", {"history": history, "final": results})
        best_effort("accuracy figure", lambda: plots.accuracy_curve(
            history, ["hidden_label_accuracy"], out / "figures" / "accuracy.png",
            f"ladder, {labels} labels: accuracy on rows whose labels were hidden"))
        best_effort(f"report {out / 'report.html'}", lambda: write_report(out))
    return {**results, "run": str(out)}


def y_partial_true(y: np.ndarray, rows: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """True class indices of `rows` (labels numbered as the classifier numbers them)."""
    return np.searchsorted(classes, y[rows])


def is_semisup_run(config: dict[str, Any]) -> bool:
    return "semisup" in config


def load_semisup(run_dir: str | Path) -> SemiSupervisedClassifier:
    """The fitted estimator of a run written by `fit_semisup_run`."""
    loaded = run.load_run(run_dir)
    config = run.read_config(run_dir)
    if not is_semisup_run(config):
        raise AekitError(f"{run_dir}: not a semi-supervised run (made by aekit train --labels)")
    tensors, _ = load_tensors(Path(run_dir) / "model.safetensors")
    clf = SemiSupervisedClassifier(tuple(loaded.model_config.hidden[:-1]))
    clf.classes_ = np.asarray(config["classes"])
    clf.n_features_in_ = int(np.prod(loaded.model_config.input_shape))
    clf.net_ = LadderNetwork(loaded.model)
    clf.net_.load_state_dict(tensors)
    clf.net_.eval()
    return clf


def summary(found: dict[str, Any]) -> str:
    """What `aekit train --labels` prints."""
    return (f"{found['run']}: ladder on {found['labels']} labels + {found['unlabelled']} "
            f"unlabelled rows, {found['train_seconds']} s ({found['seconds_per_epoch']} s per "
            f"epoch); accuracy on the rows whose labels were hidden: "
            f"{found['hidden_label_accuracy']:.4f}\n"
            f"  aekit evaluate {found['run']} --data SOURCE:test")
