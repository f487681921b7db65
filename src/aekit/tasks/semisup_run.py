"""The semi-supervised run kind, `aekit train --labels N`: a run directory from a labelled source.

The run keeps N class-balanced labels (drawn by --seed) and uses every other training row
without its label. It is a classifier run: config.json lists the classes, so `aekit evaluate`
prints accuracy and the confusion matrix; the weights under `ae.` are an ordinary `ladder`
Autoencoder, so `encode` and `reconstruct` read it like any run. It checkpoints every epoch and
resumes (`aekit train --resume RUN`) as every run kind does (`runs.training`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from aekit.config import DataConfig, ModelConfig, TrainConfig, replace
from aekit.data.prepare import prepare_data, read_data
from aekit.data.sources import known_sources
from aekit.device import resolve_device
from aekit.errors import AekitError
from aekit.report import plots
from aekit.runs import guards
from aekit.runs.finish import finish_run
from aekit.runs.kinds import SEMISUPERVISED
from aekit.runs.run import Run, RunConfig, recorded
from aekit.runs.training import Training, checkpoint_dir, resume_training, start_run
from aekit.tasks.semisup import HeldOutAccuracy, ladder_trainer, partial_labels
from aekit.train.callbacks import Callback, Progress

MONITORED = 10_000
"""Hidden-label rows whose accuracy is recorded per epoch (a fixed seeded sample: the curve
costs one clean pass over them, not over all unlabelled rows)."""


def fit_semisup_run(model_config: ModelConfig, train_config: TrainConfig,
                    data_config: DataConfig, out: str | Path, labels: int, *,
                    preset: str | None = None, overwrite: bool = False, quiet: bool = True,
                    device: str = "auto", callbacks: Sequence[Callback] = ()) -> Run:
    """Train a ladder on `labels` labels plus the other rows of the source, into `out`."""
    resolve_device(device)
    train_config = replace(train_config, val_split=0.0)  # the hidden labels are the check
    train_config, data_config = guards.clamp_resources(train_config,
                                                       guards.resolved_source(data_config))
    data = read_data(data_config)
    if data.y is None:
        raise AekitError(f"--labels: {data.name} has no labels; semi-supervised training needs "
                         "a labelled source (its other rows are used without their labels)")
    prepared = prepare_data(data, model_config, train_config, data_config.scaling)
    n_classes = len(np.unique(data.y))
    config = replace(prepared.model_config, hidden=(*prepared.model_config.hidden, n_classes))
    setup = RunConfig(config, train_config, data_config, prepared.scaling, preset)
    # the ladder is built before --out is touched: a wrong architecture leaves it alone
    training = _training(setup, prepared.train, data.y, labels, Path(out), quiet, device,
                         callbacks)
    return start_run(out, training, overwrite)


def resume_semisup_run(run_dir: str | Path, *, epochs: int | None = None, quiet: bool = True,
                       device: str = "auto", callbacks: Sequence[Callback] = (),
                       **changes: Any) -> Run:
    """Continue a semi-supervised run from its last checkpoint (see `resume_training`)."""
    run_dir = Path(run_dir)

    def build(setup: RunConfig, config: dict[str, Any], extra: list[Callback]) -> Training:
        labels = recorded(config, run_dir, "semisup.labels", int)
        data = read_data(setup.data)
        prepared = prepare_data(data, setup.model, setup.train, setup.data.scaling)
        return _training(dataclasses.replace(setup, scaling=prepared.scaling), prepared.train,
                         data.y, labels, run_dir, quiet, device, [*callbacks, *extra])

    return resume_training(run_dir, SEMISUPERVISED, {"epochs": epochs, **changes}, build)


def _training(setup: RunConfig, x: np.ndarray, y: np.ndarray, labels: int, out: Path,
              quiet: bool, device: str, extra: Sequence[Callback]) -> Training:
    """The ladder's Trainer on `labels` of the labels `y` of rows `x`, monitored on a sample of
    the rows whose labels it does not see."""
    labels = int(labels)
    y_partial = partial_labels(y, labels, setup.train.seed)
    classes = np.unique(y)
    hidden = np.flatnonzero(y_partial < 0)
    watch = np.sort(np.random.default_rng(setup.train.seed).permutation(hidden)[:MONITORED])
    callbacks = [HeldOutAccuracy(x[watch], np.searchsorted(classes, y[watch]),
                                 "hidden_label_accuracy"), Progress(quiet), *extra]
    trainer, batches = ladder_trainer(x, y_partial, setup.model, setup.train, callbacks, device,
                                      checkpoint_dir=checkpoint_dir(out))
    details = {"classes": classes.tolist(), "semisup": {"method": "ladder", "labels": labels}}
    first_epoch = trainer.epoch

    def fit() -> None:
        nonlocal first_epoch
        first_epoch = trainer.epoch  # after a resume, the epochs before it took no time here
        trainer.fit(batches)

    def finish(out: Path, seconds: float) -> None:
        history = trainer.history
        final = {"labels": labels, "unlabelled": len(hidden),
                 "hidden_label_accuracy": history[-1]["hidden_label_accuracy"],
                 "train_seconds": round(seconds, 1),
                 "seconds_per_epoch": round(seconds / max(len(history) - first_epoch, 1), 1)}
        figures = {"accuracy figure": lambda: plots.accuracy_curve(
            history, ["hidden_label_accuracy"], out / "figures" / "accuracy.png",
            f"ladder, {labels} labels: accuracy on rows whose labels were hidden")}
        finish_run(out, SEMISUPERVISED, trainer.model,
                   dataclasses.replace(setup, train=trainer.config), history=history,
                   final=final, figures=figures, **details)

    return Training(SEMISUPERVISED, setup, trainer, fit, finish, details)


def summary(finished: Run) -> str:
    """What `aekit train --labels` prints."""
    found, where = finished.metrics["final"], finished.path
    return (f"{where}: ladder on {found['labels']} labels + {found['unlabelled']} "
            f"unlabelled rows, {found['train_seconds']} s ({found['seconds_per_epoch']} s per "
            f"epoch); accuracy on the rows whose labels were hidden: "
            f"{found['hidden_label_accuracy']:.4f}\n"
            f"  aekit evaluate {where} --data {evaluation_source(finished.data_config.source)}")


def evaluation_source(source: str) -> str:
    """What to evaluate a run trained on `source` with: a named set's test split, else a
    labelled file like the training one."""
    name = source.partition(":")[0]
    return f"{name}:test" if f"{name}:test" in known_sources() else f"TEST_FILE (like {source})"
