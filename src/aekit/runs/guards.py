"""Checks around a run that keep it honest and within the machine: what a resume may change,
when a run is finished, resources a config.json asks for, and a model no better than the mean.

A resume continues bit-exactly unless it is asked to change one of the options that can safely
change between epochs (learning rate, gradient clipping, total epochs); a change is recorded in
the history record of the first epoch trained under it.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from aekit.config import DataConfig, TrainConfig, replace
from aekit.data.sources import known_sources
from aekit.errors import AekitError
from aekit.train.callbacks import Callback
from aekit.train.optim import learning_rate

RESUMABLE = ("epochs", "lr", "clip_grad")  # options a resume may change


def note(message: str) -> None:
    """A one-line note on stderr: something aekit changed or doubts, not an error."""
    print(f"aekit: note: {message}", file=sys.stderr)


def clamp_resources(train: TrainConfig, data: DataConfig) -> tuple[TrainConfig, DataConfig]:
    """Threads and DataLoader workers limited to this machine's cores (a config.json may come
    from a bigger machine, or be crafted), with a note when clamped."""
    cores = os.cpu_count() or 1
    if train.threads is not None and train.threads > cores:
        note(f"threads {train.threads} is more than this machine's {cores} cores; using {cores}")
        train = replace(train, threads=cores)
    if data.workers > cores:
        note(f"workers {data.workers} is more than this machine's {cores} cores; using {cores}")
        data = replace(data, workers=cores)
    return train, data


def resume_config(stored: TrainConfig, meta: dict[str, Any], given: dict[str, Any]
                  ) -> tuple[TrainConfig, TrainConfig]:
    """(the options in effect at the checkpoint, the options to continue with). An option
    given with the value the run already has (`--threads 1` on a one-thread run) is no
    change, so it is accepted."""
    unset = object()  # an option outside the training config is always a change
    given = {k: v for k, v in given.items() if k in RESUMABLE or getattr(stored, k, unset) != v}
    unknown = sorted(set(given) - set(RESUMABLE))
    if unknown:
        names = ", ".join("--" + n.replace("_", "-") for n in unknown)
        raise AekitError(f"--resume: {names} cannot change when resuming (the model, data and "
                         "training loop must stay as checkpointed); only --epochs, --lr and "
                         "--clip-grad can. Start a new run with --out for other options")
    target = meta.get("target") if isinstance(meta.get("target"), dict) else {}
    kept = {k: v for k, v in target.items() if k in RESUMABLE and not
            (k == "epochs" and stored.greedy)}
    base = replace(stored, **kept)
    return base, replace(base, **given)


def check_not_finished(run_dir: Any, finished: bool, done: int, planned: int, stopped: bool
                       ) -> None:
    """A finished run is not resumed silently: say so, and how to train it further."""
    if done > planned:
        raise AekitError(f"--epochs {planned}: {run_dir} has already trained {done} epochs; "
                         f"give a larger total")
    if finished and (stopped or done >= planned):
        why = "stopped early (--patience)" if stopped else f"{done} of {planned} epochs"
        raise AekitError(f"--resume: {run_dir} is finished ({why}); to train further, give a "
                         f"larger total: aekit train --resume {run_dir} --epochs {done + 10}")


def describe_changes(old: TrainConfig, new: TrainConfig) -> str:
    """What a resume changes, as the text `RecordChange` writes into the history."""
    return "; ".join(f"{name} {getattr(old, name)} -> {getattr(new, name)}"
                     for name in RESUMABLE if getattr(old, name) != getattr(new, name))


def scale_learning_rate(trainer: Any, old: TrainConfig, new: TrainConfig) -> None:
    """Put `new`'s learning rate into optimizers restored from a checkpoint made under `old`
    (scaled, so a schedule's progress in them is kept)."""
    if learning_rate(new) != learning_rate(old):
        factor = learning_rate(new) / learning_rate(old)
        for optimizer in [trainer.optimizer, *trainer.extra_optimizers.values()]:
            for group in optimizer.param_groups:
                group["lr"] *= factor


class RecordChange(Callback):
    """Writes what a resume changed into the first epoch record trained under the change."""

    def __init__(self, change: str):
        self.change = change

    def on_epoch_end(self, *, record: dict[str, Any], **kwargs: Any) -> None:
        if self.change:
            record["changed"] = self.change
            self.change = ""


def warn_if_worse_than_mean(final: dict[str, Any], train: np.ndarray, held_out: np.ndarray
                            ) -> None:
    """A model whose held-out MSE is above that of always predicting the training mean has
    learnt nothing (a too-high --lr can leave the loss finite but useless): say so."""
    if not len(train) or not len(held_out) or final.get("mse") is None:
        return
    mean = train.reshape(len(train), -1).mean(axis=0)
    baseline = float(np.mean((held_out.reshape(len(held_out), -1) - mean) ** 2))
    if not math.isfinite(final["mse"]) or final["mse"] > baseline:
        note(f"the final {final.get('eval_split', 'val')} MSE {final['mse']:.5g} is worse than "
             f"predicting the training mean ({baseline:.5g}): the model learnt nothing useful; "
             "try a lower --lr")


def resolved_source(data_config: DataConfig) -> DataConfig:
    """File sources stored as absolute paths, so resume, evaluate and detect work from any
    folder."""
    source = data_config.source
    named = {name.partition(":")[0] for name in known_sources()}
    if source.partition(":")[0] in named or not Path(source).exists():
        return data_config
    return replace(data_config, source=str(Path(source).resolve()))
