"""Training: the Trainer loop, its callbacks, checkpoints, and the run pipeline."""

from aekit.train.callbacks import Callback, EarlyStopping, Progress
from aekit.train.trainer import Trainer, TrainingInterrupted, resolve_device

__all__ = ["Callback", "EarlyStopping", "Progress", "Trainer", "TrainingInterrupted",
           "resolve_device"]
