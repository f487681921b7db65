"""The one training loop for every autoencoder.

Data that fits in memory stays one tensor on the device; each batch is an index slice of a
per-epoch permutation, so there is no per-sample Python and no DataLoader on the hot path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from time import perf_counter
from typing import Any

import numpy as np
import torch

from aekit.config import TrainConfig
from aekit.data.batches import epoch_permutation
from aekit.errors import AekitError
from aekit.metrics import loss_terms
from aekit.model import Autoencoder
from aekit.train import checkpoint as ckpt
from aekit.train.callbacks import Callback
from aekit.train.optim import make_optimizer


def resolve_device(device: str = "auto") -> torch.device:
    """`auto` is the GPU when one is present, else the CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise AekitError(f"--device: expected auto, cpu or cuda, got {device!r}")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise AekitError("--device: cuda requested but no CUDA GPU is available")
    return torch.device(device)


def as_tensor(x: np.ndarray | torch.Tensor, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(x, dtype=torch.float32).to(device)


class Trainer:
    """Fits an Autoencoder: `Trainer(model, TrainConfig(...)).fit(x_train, x_val)`."""

    def __init__(self, model: Autoencoder, config: TrainConfig,
                 callbacks: Sequence[Callback] = (), device: str = "auto"):
        self.device = resolve_device(device)
        self.model = model.to(self.device)
        self.config = config
        self.callbacks = list(callbacks)
        self.optimizer = make_optimizer(model.parameters(), config)
        self.epoch = 0
        self.history: list[dict[str, Any]] = []
        self.stop = False

    def _emit(self, hook: str, **kwargs: Any) -> None:
        for callback in self.callbacks:
            getattr(callback, hook)(trainer=self, **kwargs)

    def fit(self, x_train: np.ndarray | torch.Tensor,
            x_val: np.ndarray | torch.Tensor | None = None) -> list[dict[str, Any]]:
        """Train until `config.epochs` (counting epochs already done) or a callback stops it."""
        x = as_tensor(x_train, self.device)  # (N, *input_shape)
        val = None if x_val is None or len(x_val) == 0 else as_tensor(x_val, self.device)
        n, batch = len(x), self.config.batch_size
        self.stop = False
        self._emit("on_fit_start")
        while self.epoch < self.config.epochs and not self.stop:
            perm = epoch_permutation(n, self.config.seed, self.epoch).to(self.device)
            self.model.train()
            self._emit("on_epoch_start", n_batches=math.ceil(n / batch))
            total = torch.zeros((), device=self.device)
            start = perf_counter()
            for step, i in enumerate(range(0, n, batch)):
                xb = x[perm[i:i + batch]]
                out = self.model(xb)
                self.optimizer.zero_grad(set_to_none=True)
                out.loss.backward()
                self.optimizer.step()
                total += out.loss.detach() * len(xb)
                self._emit("on_batch_end", step=step)
            seconds = perf_counter() - start
            train_loss = total.item() / n
            if not math.isfinite(train_loss):
                raise AekitError(f"training diverged: loss is {train_loss} in epoch "
                                 f"{self.epoch + 1}; try a lower --lr")
            record = {"epoch": self.epoch + 1, "train_loss": train_loss,
                      "val_loss": self.evaluate(val)["loss"] if val is not None else None,
                      "seconds": seconds}
            self.history.append(record)
            self.epoch += 1
            self._emit("on_epoch_end", record=record)
        self._emit("on_fit_end")
        return self.history

    def evaluate(self, x: np.ndarray | torch.Tensor) -> dict[str, float]:
        """Mean of the loss and each of its terms over `x`, in eval mode (no corruption)."""
        return loss_terms(self.model, x)

    def save_checkpoint(self, path: str | Path) -> Path:
        """Model, optimizer, RNG and loop state in one safetensors file."""
        optim_tensors, optim_info = ckpt.optimizer_to_flat(self.optimizer)
        tensors = {f"model.{k}": v for k, v in self.model.state_dict().items()}
        tensors.update(optim_tensors)
        tensors["rng.torch"] = torch.get_rng_state()
        meta = {"epoch": self.epoch, "history": self.history, "optimizer": optim_info}
        return ckpt.save_tensors(path, tensors, ckpt.json_metadata(meta))

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore everything `save_checkpoint` wrote, so training continues exactly."""
        tensors, metadata = ckpt.load_tensors(path)
        meta = ckpt.read_json_metadata(metadata, Path(path))
        model_state = {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}
        try:
            self.model.load_state_dict(model_state)
        except RuntimeError as exc:
            first = str(exc).splitlines()[0]
            raise AekitError(f"{path}: weights do not fit the model ({first})") from None
        ckpt.optimizer_from_flat(
            self.optimizer, {k: v for k, v in tensors.items() if k.startswith("optim.")},
            meta["optimizer"])
        torch.set_rng_state(tensors["rng.torch"])
        self.epoch = int(meta["epoch"])
        self.history = list(meta["history"])
