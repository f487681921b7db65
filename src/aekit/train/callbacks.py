"""Trainer hooks. Each hook takes keyword arguments and ignores those it does not need, so new
hooks and arguments never break old callbacks (skorch's convention).

Every hook's docstring lists, under "Keyword arguments", exactly what the Trainer passes it;
tests/test_docs.py runs a Trainer and checks the lists against what arrives."""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm

from aekit.metrics import encode


class Callback:
    """Base class: override any of the hooks; all take **kwargs.

    Hooks run in the order of the Trainer's `callbacks` list, in every process under torchrun.
    Take the arguments you need by name, as keyword-only parameters, and end with `**kwargs`,
    so that an argument added later does not break the callback:

        def on_epoch_end(self, *, trainer, record, **kwargs): ...

    A callback steers training through the trainer it is given: `trainer.stop = True` ends the
    fit after the current epoch; `trainer.model`, `trainer.optimizer`, `trainer.config`,
    `trainer.epoch` (epochs done), `trainer.step` and `trainer.history` are there to read.
    """

    def on_fit_start(self, **kwargs: Any) -> None:
        """Once per `Trainer.fit`, before the first epoch (also when resuming).

        Keyword arguments:
            trainer (Trainer): the `Trainer`; its `epoch` is the epochs already done.
            val (torch.Tensor | BatchSource | None): the validation data as the loop holds
                it (a tensor on the trainer's device, or a batch source when streamed), or
                None when there is none.
        """

    def on_epoch_start(self, **kwargs: Any) -> None:
        """Before each epoch's first batch, with the model in training mode.

        Keyword arguments:
            trainer (Trainer): the `Trainer`; `trainer.epoch` is the epochs done so far
                (0 first), and `trainer.step` the batches of this epoch already done
                (non-zero only when resuming from a checkpoint written mid-epoch).
            n_batches (int): the number of batches in one epoch.
        """

    def on_batch_end(self, **kwargs: Any) -> None:
        """After each optimizer step (and a model's own extra step, e.g. the AAE's
        discriminator).

        Keyword arguments:
            trainer (Trainer): the `Trainer`.
            step (int): the index of the batch just done within the epoch, from 0.
        """

    def on_epoch_end(self, **kwargs: Any) -> None:
        """After each epoch, once `trainer.epoch` counts it and before its checkpoint is
        written, so what a callback adds to `record` is saved and resumed with the history.

        Keyword arguments:
            trainer (Trainer): the `Trainer`; set `trainer.stop = True` to end the fit here.
            record (dict[str, Any]): this epoch's history entry, also
                `trainer.history[-1]`: `epoch` (from 1), `train_loss`, `val_loss` (None
                without validation data) and `seconds`; a callback may add keys (kept in
                the history, so in a run's metrics.json).
        """

    def on_fit_end(self, **kwargs: Any) -> None:
        """Once, after the last epoch (or a stop), before a model's closing step (e.g. the
        AAE's code calibration). Not called when training ends by an error or a signal.

        Keyword arguments:
            trainer (Trainer): the `Trainer`.
        """


class Progress(Callback):
    """What a user watching training sees, on stderr, as Keras' `verbose` says:
    0 nothing; 1 a bar over the whole fit with its overall ETA on a terminal, and one line per
    epoch otherwise (logs, nohup, CI, notebooks); 2 one line per epoch always.
    `quiet=True` is verbose 0, the default verbose 1."""

    def __init__(self, quiet: bool = False, verbose: int | None = None):
        level = (0 if quiet else 1) if verbose is None else verbose
        self.mode = "off" if level == 0 else (
            "bar" if level == 1 and sys.stderr.isatty() else "lines")
        self._bar: tqdm | None = None
        self._seconds: list[float] = []

    def on_epoch_start(self, *, trainer: Any, n_batches: int, **kwargs: Any) -> None:
        if self.mode != "bar":
            return
        if self._bar is None:
            left = trainer.config.epochs - trainer.epoch
            self._bar = tqdm(total=left * n_batches - trainer.step, file=sys.stderr,
                             leave=False, unit="batch", dynamic_ncols=True)
        self._bar.set_description(f"epoch {trainer.epoch + 1}/{trainer.config.epochs}")

    def on_batch_end(self, **kwargs: Any) -> None:
        if self._bar is not None:
            self._bar.update()

    def on_epoch_end(self, *, trainer: Any, record: dict[str, Any], **kwargs: Any) -> None:
        if self.mode == "off":
            return
        self._seconds.append(record["seconds"])
        left = max(trainer.config.epochs - record["epoch"], 0)
        val = record["val_loss"]
        line = (f"epoch {record['epoch']}/{trainer.config.epochs}  train {record['train_loss']:.5f}"
                + (f"  val {val:.5f}" if val is not None else "")
                + "".join(f"  {key} {value:.4f}" for key, value in record.items()
                          if key.endswith("accuracy"))
                + f"  {record['seconds']:.1f}s"
                + f"  ETA {_clock(left * sum(self._seconds) / len(self._seconds))}")
        if self._bar is not None:
            self._bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr, flush=True)

    def on_fit_end(self, **kwargs: Any) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


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
