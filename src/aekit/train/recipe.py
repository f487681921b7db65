"""Training-recipe callbacks: a warm-up + cosine learning-rate schedule and best-weight restore.

Both act through the Trainer's hooks, so every model trains in the one loop. The schedule ends
training at a learning rate near zero, so the last epochs settle in a basin instead of
stepping around it: runs that differ only in float rounding (the torch thread count) then end
within noise of each other.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from aekit.parts.linear_path import SHRINK_FACTORS, has_linear_path, shrink_network
from aekit.train.callbacks import Callback

WARMUP = 0.05
"""Share of all steps over which the learning rate rises linearly from 0."""


def cosine_factor(done: int, total: int) -> float:
    """The learning rate's multiplier after `done` of `total` steps: linear warm-up over the
    first WARMUP of them, then half a cosine down to 0."""
    warm = max(1, round(WARMUP * total))
    if done < warm:
        return (done + 1) / warm
    return 0.5 * (1 + math.cos(math.pi * min(1.0, (done - warm) / max(1, total - warm))))


class CosineSchedule(Callback):
    """Sets every parameter group's learning rate before each step from the trainer's epoch and
    step, so a resumed run continues the same schedule."""

    def __init__(self) -> None:
        self._n_batches = 1

    def _set(self, trainer: Any, done: int) -> None:
        factor = cosine_factor(done, trainer.config.epochs * self._n_batches)
        for group in trainer.optimizer.param_groups:
            group["lr"] = group.setdefault("initial_lr", group["lr"]) * factor

    def on_epoch_start(self, *, trainer: Any, n_batches: int, **kwargs: Any) -> None:
        self._n_batches = n_batches
        self._set(trainer, trainer.epoch * n_batches + trainer.step)

    def on_batch_end(self, *, trainer: Any, step: int, **kwargs: Any) -> None:
        self._set(trainer, trainer.epoch * self._n_batches + step + 1)


class RestoreBest(Callback):
    """Keeps the weights of the epoch with the lowest validation loss and loads them when
    training ends (early stopping's other half: small series sets overfit late).

    The weights a fresh run starts from are a candidate too, scored on the same validation data
    as every epoch (the trainer's, streamed or in memory). A model that starts at a fitted
    baseline (the linear path's PCA) then never ends worse on validation than that baseline.
    For such a model each epoch's weights are also tried with the network's part shrunk toward
    the baseline (`shrink_network`): on series sets too small for the whole network to
    generalise (ACSF1, 90 training series) a share of it still beats PCA.
    """

    def __init__(self) -> None:
        self.best: float | None = None
        self.state: dict[str, Any] | None = None
        self.val: Any = None
        self.shrinkable = False

    def _keep(self, trainer: Any, loss: float | None) -> None:
        if loss is not None and (self.best is None or loss < self.best):
            self.best, self.state = loss, copy.deepcopy(trainer.model.state_dict())

    def on_fit_start(self, *, trainer: Any, val: Any = None, **kwargs: Any) -> None:
        self.val = val
        self.shrinkable = has_linear_path(getattr(trainer.model, "encoder", None),
                                          getattr(trainer.model, "decoder", None))
        if val is not None and trainer.epoch == 0:
            self._keep(trainer, trainer.evaluate(val)["loss"])

    def on_epoch_end(self, *, trainer: Any, record: dict[str, Any], **kwargs: Any) -> None:
        self._keep(trainer, record.get("val_loss"))
        if not self.shrinkable or self.val is None or record.get("val_loss") is None:
            return  # a model without a linear path: no copy of its weights per epoch
        trained = copy.deepcopy(trainer.model.state_dict())
        for factor in SHRINK_FACTORS:
            shrink_network(trainer.model, factor)
            self._keep(trainer, trainer.evaluate(self.val)["loss"])
            trainer.model.load_state_dict(trained)

    def on_fit_end(self, *, trainer: Any, **kwargs: Any) -> None:
        if self.state is not None:
            trainer.model.load_state_dict(self.state)
