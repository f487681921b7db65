"""Trainer hooks. Each hook takes keyword arguments and ignores those it does not need, so new
hooks and arguments never break old callbacks (skorch's convention)."""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm

from aekit.metrics import encode


class Callback:
    """Base class: override any of the hooks; all take **kwargs."""

    def on_fit_start(self, **kwargs: Any) -> None: ...
    def on_epoch_start(self, **kwargs: Any) -> None: ...
    def on_batch_end(self, **kwargs: Any) -> None: ...
    def on_epoch_end(self, **kwargs: Any) -> None: ...
    def on_fit_end(self, **kwargs: Any) -> None: ...


class Progress(Callback):
    """A tqdm bar per epoch on a terminal; silent when quiet or not a TTY."""

    def __init__(self, quiet: bool = False):
        self.enabled = not quiet and sys.stderr.isatty()
        self._bar: tqdm | None = None

    def on_epoch_start(self, *, trainer: Any, n_batches: int, **kwargs: Any) -> None:
        if self.enabled:
            self._bar = tqdm(total=n_batches, desc=f"epoch {trainer.epoch + 1}/"
                             f"{trainer.config.epochs}", leave=False, file=sys.stderr)

    def on_batch_end(self, **kwargs: Any) -> None:
        if self._bar is not None:
            self._bar.update()

    def on_epoch_end(self, *, record: dict[str, Any], **kwargs: Any) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
            val = record["val_loss"]
            tqdm.write(f"epoch {record['epoch']}: train {record['train_loss']:.5f}"
                       + (f"  val {val:.5f}" if val is not None else "")
                       + f"  ({record['seconds']:.1f}s)", file=sys.stderr)


class EarlyStopping(Callback):
    """Stop when val_loss has not improved for `patience` epochs; state derives from history,
    so a resumed run stops exactly where an uninterrupted one would."""

    def __init__(self, patience: int):
        self.patience = patience

    def on_epoch_end(self, *, trainer: Any, **kwargs: Any) -> None:
        losses = [r["val_loss"] for r in trainer.history if r["val_loss"] is not None]
        if not losses:
            return
        best_at = min(range(len(losses)), key=losses.__getitem__)
        if len(losses) - 1 - best_at >= self.patience:
            trainer.stop = True


class CodeActivity(Callback):
    """Adds `code_mean`, the mean code activation over the training inputs (eval mode, clean),
    to each epoch's history record: what sparsity targets, so users can see it converge.

    The Trainer checkpoints after `on_epoch_end`, so the saved history carries it.
    """

    def __init__(self, x_train: Any, max_samples: int = 10_000):
        self.x = x_train[:max_samples]

    def on_epoch_end(self, *, trainer: Any, record: dict[str, Any], **kwargs: Any) -> None:
        was_training = trainer.model.training
        record["code_mean"] = float(encode(trainer.model, self.x).mean())
        trainer.model.train(was_training)


class KLWarmup(Callback):
    """Raises a Gaussian latent's KL weight linearly from 0 to 1 over `epochs` epochs, batch by
    batch (Bowman et al. 2016; Sønderby et al. 2016), so the decoder learns to use the code
    before the KL term pulls the posterior to the prior. The weight derives from the trainer's
    epoch and step, so a resumed run continues the same schedule."""

    def __init__(self, epochs: int):
        self.epochs = epochs
        self._n_batches = 1

    def _set(self, trainer: Any, batches_done: int) -> None:
        trainer.model.latent.kl_weight = min(1.0, batches_done / (self.epochs * self._n_batches))

    def on_epoch_start(self, *, trainer: Any, n_batches: int, **kwargs: Any) -> None:
        self._n_batches = n_batches
        self._set(trainer, trainer.epoch * n_batches + trainer.step)

    def on_batch_end(self, *, trainer: Any, step: int, **kwargs: Any) -> None:
        self._set(trainer, trainer.epoch * self._n_batches + step + 1)

    def on_fit_end(self, *, trainer: Any, **kwargs: Any) -> None:
        trainer.model.latent.kl_weight = 1.0
