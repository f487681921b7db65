"""The one training loop for every autoencoder.

Data that fits in memory stays one tensor on the device; each batch is an index slice of a
per-epoch permutation, so there is no per-sample Python and no DataLoader on the hot path.
SIGINT/SIGTERM finish the current step, write a checkpoint and stop; a non-finite loss stops
before the optimizer step, so the last checkpoint stays good.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from time import perf_counter
from typing import Any

import numpy as np
import torch
from torch import nn

from aekit.config import TrainConfig
from aekit.data.batches import BatchSource, MemoryBatches
from aekit.device import resolve_device
from aekit.errors import AekitError, one_line
from aekit.metrics import loss_terms
from aekit.threads import Threads
from aekit.train import checkpoint as ckpt
from aekit.train import distributed
from aekit.train.callbacks import Callback, KLWarmup, Progress
from aekit.train.optim import learning_rate, make_optimizer
from aekit.train.speed import applied, forward_step, param_groups, use_threads

CHECKPOINT = "last.safetensors"


class TrainingInterrupted(AekitError):
    """Training stopped on a signal after writing a checkpoint to resume from."""


def as_tensor(x: np.ndarray | torch.Tensor, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(x, dtype=torch.float32).to(device)


class Trainer:
    """Fits an Autoencoder: `Trainer(model, TrainConfig(...)).fit(x_train, x_val)`.

    With `checkpoint_dir`, model, optimizer, RNG and loop state are saved there after every
    epoch (and on SIGINT/SIGTERM, mid-epoch), so `load_checkpoint` continues exactly.
    """

    def __init__(self, model: nn.Module, config: TrainConfig,
                 callbacks: Sequence[Callback] = (), device: str = "auto",
                 checkpoint_dir: str | Path | None = None):
        self.device = distributed.rank_device(resolve_device(device))
        self.model = model.to(self.device)
        self.net = distributed.wrap(self.model, self.device)  # what the loop calls (DDP or model)
        self.config = config
        self.callbacks = list(callbacks)
        if config.kl_warmup:  # an option of the config, so every caller of the loop honours it
            if not getattr(model, "variational", False):
                raise AekitError("--kl-warmup: only a gaussian latent has a KL term to warm up "
                                 "(--model vae or --latent gaussian)")
            self.callbacks.insert(0, KLWarmup(config.kl_warmup))
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir else None
        self.optimizer = make_optimizer(param_groups(self.model, config), config)
        self._forward = forward_step(self.net, config, self.device)  # speed options
        # a model's own extra phase per batch (the AAE's regulariser), with its own optimizers
        extra = getattr(model, "extra_optimizers", None)
        self.extra_optimizers = extra(learning_rate(config)) if extra else {}
        self.epoch = 0
        self.step = 0  # batches done in the current epoch; non-zero only after an interrupt
        self._partial_loss = 0.0
        self.history: list[dict[str, Any]] = []
        self.stop = False
        self.owner: str | None = None  # the run whose checkpoints these are, written into them
        self._signal: str | None = None
        self.threads: Threads | None = None  # what the last `fit` trained with

    def _emit(self, hook: str, **kwargs: Any) -> None:
        for callback in self.callbacks:
            getattr(callback, hook)(trainer=self, **kwargs)

    def fit(self, x_train: np.ndarray | torch.Tensor | BatchSource,
            x_val: np.ndarray | torch.Tensor | BatchSource | None = None,
            transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
            y_train: np.ndarray | torch.Tensor | None = None,
            verbose: int = 0) -> list[dict[str, Any]]:
        """Train until `config.epochs` (counting epochs already done) or a callback stops it.

        `transform` maps each batch before the model sees it (greedy training's frozen layers);
        with `y_train`, the model is called as `model(xb, yb)` (a classifier on a pretrained
        encoder), so supervised fine-tuning runs through this same loop. Under torchrun each
        rank trains on its share of every global batch (`batches.rank_share`).
        A `BatchSource` (e.g. streamed data) may stand for `x_train` and `x_val`.
        `verbose` as Keras: 0 silent, 1 a bar on a terminal (else a line per epoch), 2 a line
        per epoch.
        """
        if verbose and not any(isinstance(c, Progress) for c in self.callbacks):
            self.callbacks.append(Progress(verbose=verbose))
            try:
                return self.fit(x_train, x_val, transform, y_train)
            finally:
                self.callbacks.pop()
        source = x_train if hasattr(x_train, "epoch") else self._memory_batches(x_train, y_train)
        val = x_val if hasattr(x_val, "epoch") else (
            None if x_val is None or len(x_val) == 0 else as_tensor(x_val, self.device))
        n, n_batches = source.n, source.n_batches
        self.stop = False
        self._emit("on_fit_start", val=val)  # None when there is none
        with self._stop_on_signals(), torch.autograd.set_detect_anomaly(
                self.config.detect_anomaly), applied(self.model, self.optimizer):
            self.threads = None  # chosen again on this fit's first batch: the load may differ
            while self.epoch < self.config.epochs and not self.stop:
                self.model.train()
                self._emit("on_epoch_start", n_batches=n_batches)
                total = self._partial_loss  # a float: one .item() a step, no tensor ops
                start = perf_counter()
                for step, (xb, yb, count, weight) in enumerate(
                        source.epoch(self.epoch, self.step), self.step):
                    xb = xb if transform is None else transform(xb)
                    if self.threads is None:
                        self.threads = use_threads(self.model, self.config, xb, yb)
                    loss = (self._forward(xb) if yb is None else self._forward(xb, yb)).loss
                    value = loss.item()
                    if not math.isfinite(value):
                        self._diverged(value, step)
                    self.optimizer.zero_grad(set_to_none=True)
                    (loss if weight == 1.0 else loss * weight).backward()
                    if self.config.clip_grad is not None:
                        torch.nn.utils.clip_grad_norm_(self.model.parameters(),
                                                       self.config.clip_grad)
                    self.optimizer.step()
                    if self.extra_optimizers:
                        self.model.extra_step(xb, self.extra_optimizers)
                    total += value * count
                    self._emit("on_batch_end", step=step)
                    if self._signal:
                        self._interrupt(step + 1, total)
                seconds = perf_counter() - start
                # every rank records the global mean
                total = distributed.all_reduce_sum(torch.tensor(total, device=self.device)).item()
                self.step, self._partial_loss = 0, 0.0
                record = {"epoch": self.epoch + 1, "train_loss": total / n,
                          "val_loss": self.evaluate(val)["loss"] if val is not None else None,
                          "seconds": seconds}
                self.history.append(record)
                self.epoch += 1
                self._emit("on_epoch_end", record=record)  # may add to the record
                if self.checkpoint_dir and distributed.is_main():
                    self.save_checkpoint(self.checkpoint_dir / CHECKPOINT)
            if self._signal:  # arrived after the last step: stop all the same, never drop it
                self._interrupt(0, 0.0)
        self._emit("on_fit_end")
        finish = getattr(self.model, "finish_fit", None)  # a model's closing step (AAE's)
        if finish is not None:
            finish(xb if transform is None else transform(xb)
                   for xb, _, count, _ in source.epoch(self.epoch) if count)
        return self.history

    def evaluate(self, x: np.ndarray | torch.Tensor | BatchSource) -> dict[str, float]:
        """Mean of the loss and each of its terms over `x`, in eval mode (no corruption)."""
        return loss_terms(self.model, x)

    def _memory_batches(self, x: np.ndarray | torch.Tensor,
                        y: np.ndarray | torch.Tensor | None) -> MemoryBatches:
        here = distributed.world()
        return MemoryBatches(as_tensor(x, self.device),  # (N, *input_shape)
                             None if y is None else torch.as_tensor(y).to(self.device),
                             self.config.batch_size, self.config.seed, here.rank, here.size)

    def _diverged(self, loss: float, step: int) -> None:
        kept = (f"; the last good checkpoint (epoch {self.epoch}) is kept in "
                f"{self.checkpoint_dir}" if self.checkpoint_dir and self.epoch else "")
        raise AekitError(f"loss became {loss} in epoch {self.epoch + 1}, step {step + 1}"
                         f"{kept}; try a lower --lr or --clip-grad 1.0 "
                         "(--detect-anomaly finds the operation)")

    def _interrupt(self, step: int, partial_loss: float) -> None:
        self.step, self._partial_loss = step, partial_loss
        where = f"epoch {self.epoch + 1}, step {step}"
        if self.checkpoint_dir is None:
            raise TrainingInterrupted(f"interrupted by {self._signal} in {where}")
        if distributed.is_main():
            self.save_checkpoint(self.checkpoint_dir / CHECKPOINT)
        raise TrainingInterrupted(
            f"interrupted by {self._signal} in {where}; checkpoint saved; continue with: "
            f"aekit train --resume {self.checkpoint_dir.parent}")

    @contextlib.contextmanager
    def _stop_on_signals(self) -> Iterator[None]:
        """Turn SIGINT/SIGTERM into a flag checked after each step (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum: int, frame: Any) -> None:
            self._signal = signal.Signals(signum).name

        previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)
            self._signal = None

    def save_checkpoint(self, path: str | Path) -> Path:
        """Model, optimizer, RNG and loop state in one safetensors file."""
        optim_tensors, optim_info = ckpt.optimizer_to_flat(self.optimizer)
        tensors = {f"model.{k}": v for k, v in self.model.state_dict().items()}
        tensors.update(optim_tensors)
        extra_info = {}
        for name, optimizer in self.extra_optimizers.items():
            extra_tensors, extra_info[name] = ckpt.optimizer_to_flat(optimizer)
            tensors.update({f"{name}.{k}": v for k, v in extra_tensors.items()})
        tensors["rng.torch"] = torch.get_rng_state()
        meta = {"epoch": self.epoch, "step": self.step, "partial_loss": self._partial_loss,
                "history": self.history, "optimizer": optim_info, "extra_optimizers": extra_info,
                "stopped": self.stop, "owner": self.owner, "target": {"epochs": self.config.epochs,
                                                 "lr": self.config.lr,
                                                 "clip_grad": self.config.clip_grad}}
        return ckpt.save_checkpoint_file(path, tensors, meta)

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore everything `save_checkpoint` wrote, so training continues exactly."""
        tensors, meta = ckpt.load_checkpoint_file(path)
        model_state = {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}
        try:
            self.model.load_state_dict(model_state)
            ckpt.optimizer_from_flat(
                self.optimizer, {k: v for k, v in tensors.items() if k.startswith("optim.")},
                meta["optimizer"])
            for name, optimizer in self.extra_optimizers.items():
                mine = {k[len(name) + 1:]: v for k, v in tensors.items()
                        if k.startswith(f"{name}.optim.")}
                ckpt.optimizer_from_flat(optimizer, mine, meta["extra_optimizers"][name])
            torch.set_rng_state(tensors["rng.torch"])
            self.epoch, self.step = int(meta["epoch"]), int(meta["step"])
            self._partial_loss = float(meta["partial_loss"])
            self.history = list(meta["history"])
        except (RuntimeError, KeyError, ValueError, TypeError, AttributeError,
                IndexError) as exc:
            raise AekitError(f"{path}: checkpoint does not fit this model "
                             f"({one_line(exc, 160) or type(exc).__name__})") from None
