"""`--tensorboard`: what seed 001 logs with tf.summary, as a Trainer callback.

Each epoch it writes, into `RUN/tensorboard/`: the train and validation loss, the learning rate,
every number the epoch's record carries (e.g. `code_mean`), each loss term on a fixed held-out
sample, a grid of those samples above their reconstructions (image data), and a histogram of
their codes. Steps are epoch numbers, so a resumed run continues the same curves.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from aekit.data.images import tile
from aekit.errors import AekitError
from aekit.metrics import encode, loss_terms, reconstruct
from aekit.train.callbacks import Callback

IMAGES_SHOWN = 8
CODE_SAMPLES = 1000


def require_tensorboard() -> type:
    """torch's SummaryWriter, or a one-line error saying how to install the optional extra."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise AekitError("--tensorboard: needs the tensorboard package; install it with "
                         "pip install 'aekit[tensorboard]'") from None
    return SummaryWriter


class TensorBoardLogger(Callback):
    """Logs to `log_dir` each epoch; `x` is a fixed sample of (scaled) held-out inputs, and
    `to_unit` maps such inputs to [0, 1] for display, or is None when they are not images."""

    def __init__(self, log_dir: str | Path, x: np.ndarray,
                 to_unit: Callable[[np.ndarray], np.ndarray] | None = None):
        self._writer_class = require_tensorboard()
        self.log_dir = Path(log_dir)
        self.x = x[:CODE_SAMPLES]
        self.to_unit = to_unit
        self.writer: Any = None

    def on_fit_start(self, **kwargs: Any) -> None:
        self.writer = self._writer_class(log_dir=str(self.log_dir))

    def on_epoch_end(self, *, trainer: Any, record: dict[str, Any], **kwargs: Any) -> None:
        step = record["epoch"]
        write = self.writer.add_scalar
        write("loss/train", record["train_loss"], step)
        if record.get("val_loss") is not None:
            write("loss/val", record["val_loss"], step)
        write("learning_rate", trainer.optimizer.param_groups[0]["lr"], step)
        for key, value in record.items():
            if key not in ("epoch", "train_loss", "val_loss") and isinstance(value, int | float):
                write(f"epoch/{key}", value, step)
        model = trainer.model
        was_training = model.training
        if len(self.x):
            for name, value in loss_terms(model, self.x).items():
                write(f"sample_terms/{name}", value, step)
            self.writer.add_histogram("code", encode(model, self.x), step)
            if self.to_unit is not None:
                shown = self.x[:IMAGES_SHOWN]
                recon = reconstruct(model, shown)
                self.writer.add_image("reconstructions",
                                      image_grid(self.to_unit(shown), self.to_unit(recon)), step)
        model.train(was_training)
        self.writer.flush()

    def on_fit_end(self, **kwargs: Any) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def image_grid(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """Two rows of (n, C, H, W) images in [0, 1] as one (C, 2H + 1, n(W + 1) - 1) image, with
    one-pixel white gutters (originals above, reconstructions below)."""
    return tile(np.concatenate([top, bottom]), len(top), gap=1, fill=1.0).astype(np.float32)
