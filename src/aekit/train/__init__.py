"""Training: the Trainer loop, its callbacks, checkpoints, and the run pipeline."""

from aekit.train.callbacks import Callback, Checkpoint, EarlyStopping, Progress
from aekit.train.trainer import Trainer, resolve_device

__all__ = ["Callback", "Checkpoint", "EarlyStopping", "Progress", "Trainer", "resolve_device"]
