"""Training a run, the same for every run kind: new, interrupted and resumed alike.

A run kind builds its `Training` (the Trainer, with its final config and callbacks, and how the
loop is fed) from a `RunConfig`, in the same way for a new run and for a resumed one, so a
resume continues the very loop that stopped. `start_run` writes config.json before the first
epoch, the Trainer checkpoints every epoch into RUN/checkpoints/, and the kind's `finish`
writes the finished run (`finish_run`). `resume_training` restores the last checkpoint into a
freshly built Training and goes on.

Under torchrun every rank trains its share; rank 0 alone writes the run, holding its lock from
the first write to the last.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aekit.config import TrainConfig
from aekit.errors import AekitError
from aekit.runs import guards, lock
from aekit.runs.kinds import RunKind, kind_of
from aekit.runs.run import Run, RunConfig, load_run, read_config, run_config, write_config
from aekit.train import checkpoint as ckpt
from aekit.train import distributed
from aekit.train.callbacks import Callback
from aekit.train.greedy import planned_epochs
from aekit.train.trainer import CHECKPOINT, Trainer

CHECKPOINTS = "checkpoints"


@dataclass
class Training:
    """One run's training: `fit` runs `trainer`'s loop on the kind's data; `finish(out,
    seconds)` writes the finished run; `pretrain`, if any, runs before the loop of a new run
    only (greedy layer-wise phases, whose records the checkpoint then holds)."""

    kind: RunKind
    setup: RunConfig
    trainer: Trainer
    fit: Callable[[], object]
    finish: Callable[[Path, float], object]
    details: dict[str, Any] = field(default_factory=dict)
    pretrain: Callable[[], object] | None = None


def checkpoint_dir(out: str | Path) -> Path:
    """Where a run's Trainer keeps its checkpoint."""
    return Path(out) / CHECKPOINTS


@contextlib.contextmanager
def _writing(out: Path, overwrite: bool | None) -> Iterator[Path]:
    """The run's writer lock on rank 0 (see `lock.locked`); the other ranks never write."""
    if not distributed.is_main():
        yield out
        return
    with lock.locked(out, overwrite) as out:
        yield out


def start_run(out: str | Path, training: Training, overwrite: bool) -> Run:
    """Train a new run into `out` (built before `out` is touched, so a bad option leaves it
    alone) and return it loaded."""
    with _writing(Path(out), overwrite) as out:
        if distributed.is_main():  # first, so an interrupted run can be resumed
            write_config(out, training.kind, training.setup, None, **training.details)
        training.trainer.owner = training.setup.run_id
        started = time.perf_counter()
        if training.pretrain is not None:
            training.pretrain()
        return _train(out, training, started)


def resume_training(run_dir: str | Path, kind: RunKind, given: dict[str, Any],
                    build: Callable[[RunConfig, dict[str, Any], list[Callback]], Training]
                    ) -> Run:
    """Continue a run of `kind` from its last checkpoint, with the options `given` (more
    epochs, a new lr or clip_grad). `build(setup, config, callbacks)` builds the kind's
    Training from the run's config.json (`config`), adding `callbacks`. config.json and the
    model are rewritten only once the resumed training has finished, so a resume that fails
    leaves a finished run usable."""
    run_dir = Path(run_dir)
    given = {k: v for k, v in given.items() if v is not None}
    read_config(run_dir)  # a run directory, before its lock file is made
    with _writing(run_dir, None):
        config = read_config(run_dir)
        found = kind_of(config, run_dir / "config.json")
        if found is not kind:
            raise AekitError(f"--resume: {run_dir} is a {found.name} run, not {kind.name}")
        setup = run_config(config, run_dir)
        train_config, data_config = guards.clamp_resources(setup.train, setup.data)
        checkpoint = checkpoint_dir(run_dir) / CHECKPOINT
        if not checkpoint.exists():
            raise AekitError(f"--resume: {run_dir} has no checkpoint to resume from "
                             f"({checkpoint} is missing)")
        meta = ckpt.read_checkpoint_meta(checkpoint)
        if meta.get("owner") != setup.run_id:
            raise AekitError(f"--resume: {checkpoint} was written by another run, not "
                             f"{run_dir}; resume the run it came from, or start again")
        base, wanted = guards.resume_config(train_config, meta, given)
        guards.check_not_finished(run_dir, bool(config.get("weights")), meta["epoch"],
                                  planned_epochs(wanted, setup.model), meta["stopped"])
        setup = dataclasses.replace(setup, train=wanted, data=data_config)
        training = build(setup, config,
                         [guards.RecordChange(guards.describe_changes(base, wanted))])
        restore(training.trainer, checkpoint, base)
        training.trainer.owner = setup.run_id
        return _train(run_dir, training, time.perf_counter())


def restore(trainer: Trainer, checkpoint: Path, base: TrainConfig) -> None:
    """Load `checkpoint`, made under the options `base`, into `trainer`, built with the options
    to continue with: the loop goes on exactly, with a learning rate the resume changes put
    into the restored optimizers."""
    trainer.load_checkpoint(checkpoint)  # global steps: any number of ranks
    guards.scale_learning_rate(trainer, base, trainer.config)


def _train(out: Path, training: Training, started: float) -> Run:
    training.fit()
    if distributed.is_main():
        training.finish(out, time.perf_counter() - started)
    distributed.barrier()  # the other ranks read the run only once rank 0 has written it
    return load_run(out)
