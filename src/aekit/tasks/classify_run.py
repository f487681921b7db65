"""The classifier run kind, `aekit pretrain`: a pretrained encoder fine-tuned on a few labels,
kept as a run directory, beside the same net trained from scratch and a linear probe.

The run trains two nets, one after the other, each checkpointed every epoch by its Trainer: the
fine-tuned classifier (the run's model) in RUN/checkpoints/, as every run kind, then the
from-scratch baseline in RUN/checkpoints/from-scratch/. The folder says which fit a checkpoint
belongs to, so `aekit train --resume RUN` (`runs.training`) continues the fine-tuning where it
stopped, then the baseline from its own checkpoint if it has one. config.json keeps what a
resume needs: the fine-tuning options (`train`), how the training data are read (`data`), the
pretrained run, the number of labels and the test data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from aekit.config import DataConfig, TrainConfig, replace
from aekit.device import resolve_device
from aekit.errors import AekitError
from aekit.runs import guards
from aekit.runs.finish import finish_run
from aekit.runs.inputs import labelled, read_options, scaled, test_split
from aekit.runs.kinds import CLASSIFIER
from aekit.runs.run import Run, RunConfig, load_run, recorded
from aekit.runs.training import Training, checkpoint_dir, restore, resume_training, start_run
from aekit.tasks.classify import (
    PretrainedClassifier,
    classifier_trainer,
    confusion_figure,
    few_labels,
    linear_probe_accuracy,
)
from aekit.train import checkpoint as ckpt
from aekit.train.callbacks import Callback
from aekit.train.trainer import CHECKPOINT, Trainer, TrainingInterrupted

SCRATCH = "from-scratch"
"""The folder under RUN/checkpoints/ of the from-scratch baseline's checkpoint."""


def fit_classifier_run(source: Run, train: TrainConfig, out: str | Path, *, labels: int,
                       data: DataConfig | None = None, test_data: str | None = None,
                       freeze: bool = False, overwrite: bool = False, device: str = "auto",
                       callbacks: Sequence[Callback] = ()) -> dict[str, Any]:
    """Seed 000's few-label experiment as a classifier run in `out`: `source`'s encoder
    fine-tuned (`train`, see `fine_tuning_config`) on `labels` class-balanced samples of `data`
    (default: the source run's training data, read as it reads data), beside the same net
    from scratch and a linear probe on the codes, all scored on `test_data` (default: the
    data's test split). Returns the accuracies and the run's path."""
    data = guards.resolved_source(data or read_options(source, {}))
    train, data = guards.clamp_resources(train, data)
    x, y = _labelled_rows(source, data)
    test_data = guards.resolved_source(replace(data, source=test_data or test_split(
        data.source))).source
    test = labelled(source, test_data, dataclasses.asdict(data), "--test-data")
    setup = RunConfig(source.model_config, train, data, source.scaling)
    # built before --out is touched: bad --labels leave it alone
    training = _training(source, setup, x, y, test, Path(out), device, callbacks,
                         labels=labels, freeze=freeze, test_data=test_data)
    return _results(start_run(out, training, overwrite))


def resume_classifier_run(run_dir: str | Path, *, epochs: int | None = None,
                          device: str = "auto", callbacks: Sequence[Callback] = (),
                          **changes: Any) -> dict[str, Any]:
    """Continue a classifier run from its checkpoints (see `resume_training`); the pretrained
    run it names must still be there (its encoder is the linear probe's)."""
    run_dir = Path(run_dir)

    def build(setup: RunConfig, config: dict[str, Any], extra: list[Callback]) -> Training:
        source = load_run(recorded(config, run_dir, "pretrained_from", str),
                          resolve_device(device))
        x, y = _labelled_rows(source, setup.data)
        test_data = recorded(config, run_dir, "test_data", str)
        test = labelled(source, test_data, dataclasses.asdict(setup.data), "--test-data")
        return _training(source, setup, x, y, test, run_dir, device, callbacks, extra,
                         labels=recorded(config, run_dir, "labels", int),
                         freeze=recorded(config, run_dir, "freeze", bool), test_data=test_data)

    return _results(resume_training(run_dir, CLASSIFIER, {"epochs": epochs, **changes}, build))


def _labelled_rows(source: Run, data: DataConfig) -> tuple[np.ndarray, np.ndarray]:
    """The training rows, scaled as `source` was trained, and their labels."""
    found, x = scaled(source, data.source, dataclasses.asdict(data))
    if found.y is None:
        raise AekitError(f"--data: {found.name} has no labels; pretraining for classification "
                         "needs labelled data")
    return x, found.y


def _training(source: Run, setup: RunConfig, x: np.ndarray, y: np.ndarray,
              test: tuple[np.ndarray, np.ndarray], out: Path, device: str,
              callbacks: Sequence[Callback], extra: Sequence[Callback] = (), *, labels: int,
              freeze: bool, test_data: str) -> Training:
    """The fine-tuning Trainer on `labels` of the rows `x` (labels `y`); its `fit` then trains
    the from-scratch baseline, and `finish` scores both and the probe on `test`."""
    index = few_labels(y, labels, setup.train.seed)
    classes, y_index = np.unique(y[index], return_inverse=True)
    tuned = classifier_trainer(source.model, len(classes), setup.train, freeze=freeze,
                               callbacks=[*callbacks, *extra], device=device,
                               checkpoint_dir=checkpoint_dir(out))
    details = {"classes": classes.tolist(), "pretrained_from": str(source.path.resolve()),
               "freeze": freeze, "labels": int(labels), "test_data": test_data}
    scratch: Trainer | None = None

    def fit() -> None:
        nonlocal scratch
        tuned.fit(x[index], y_train=y_index)
        scratch = _from_scratch(source, len(classes), setup.train, out, device, callbacks)
        try:
            scratch.fit(x[index], y_train=y_index)
        except TrainingInterrupted:  # the Trainer's hint names the folder above its own
            raise TrainingInterrupted(
                f"interrupted in epoch {scratch.epoch + 1} of the from-scratch baseline; "
                f"checkpoint saved; continue with: aekit train --resume {out}") from None

    def finish(out: Path, seconds: float) -> None:
        clf = PretrainedClassifier.from_net(tuned.model, classes, freeze=freeze)
        baseline = PretrainedClassifier.from_net(scratch.model, classes, from_scratch=True)
        results = {"labels": int(labels), "n_test": len(test[1]), "freeze": freeze,
                   "accuracy": float(clf.score(*test)),
                   "scratch_accuracy": float(baseline.score(*test)),
                   "probe_accuracy": linear_probe_accuracy(source.model, x[index], y[index],
                                                           *test)}
        figures = {"confusion figure":
                   lambda: confusion_figure(clf, *test, out / "figures" / "confusion.png")}
        finish_run(out, CLASSIFIER, tuned.model, setup, history=tuned.history, final=results,
                   figures=figures, **details)

    return Training(CLASSIFIER, setup, tuned, fit, finish, details)


def _from_scratch(source: Run, n_classes: int, train: TrainConfig, out: Path, device: str,
                  callbacks: Sequence[Callback]) -> Trainer:
    """The baseline's Trainer: the same net re-initialised, continued from its checkpoint when
    an interrupted run is resumed."""
    folder = checkpoint_dir(out) / SCRATCH
    trainer = classifier_trainer(source.model, n_classes, train, from_scratch=True,
                                 callbacks=callbacks, device=device, checkpoint_dir=folder)
    if (folder / CHECKPOINT).exists():
        base, _ = guards.resume_config(train, ckpt.read_checkpoint_meta(folder / CHECKPOINT), {})
        restore(trainer, folder / CHECKPOINT, base)
    return trainer


def _results(finished: Run) -> dict[str, Any]:
    """What `aekit pretrain` prints: the accuracies and where the run is."""
    return {**finished.metrics["final"], "run": str(finished.path)}
