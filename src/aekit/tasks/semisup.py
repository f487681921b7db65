"""Semi-supervised classification: few labels plus many unlabelled rows, one ladder network.

`SemiSupervisedClassifier` follows `sklearn.semi_supervised`: `y` holds -1 for unlabelled rows.
It trains a `ladder` Autoencoder through `LadderNetwork` in the one Trainer, with batches that
mix the labelled rows into every step (`data.mixed_batches`); `ladder_trainer` builds both, for
the estimator and for the semi-supervised run kind (`tasks.semisup_run`) alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from aekit.config import ModelConfig, TrainConfig
from aekit.data.mixed_batches import MixedBatches
from aekit.errors import AekitError
from aekit.metrics import infer
from aekit.model import Autoencoder
from aekit.parts.ladder import LadderNetwork
from aekit.runs.kinds import SEMISUPERVISED
from aekit.runs.run import load_run, read_config, run_kind
from aekit.tasks.classify import few_labels
from aekit.tensors import load_tensors
from aekit.train.callbacks import Callback, Progress
from aekit.train.estimator import Estimator
from aekit.train.recipe import CosineSchedule
from aekit.train.trainer import Trainer

UNLABELLED = -1


def partial_labels(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """`y` with all but `n` class-balanced rows (drawn by `seed`) set to -1: the few labels a
    user has, and every other row unlabelled."""
    if n == len(y):
        raise AekitError(f"--labels: {n} labels for {len(y)} training rows leave none "
                         "unlabelled, which semi-supervised training learns from; use fewer "
                         "--labels or more rows (--limit)")
    keep = few_labels(y, n, seed)
    y_partial = np.full(len(y), UNLABELLED, dtype=np.int64)
    y_partial[keep] = np.unique(y, return_inverse=True)[1][keep]
    return y_partial


def check_partial_labels(y: Any, n_rows: int) -> np.ndarray:
    """`y` as int64, refusing anything but integer class labels and -1 (unlabelled)."""
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n_rows:
        raise AekitError(f"y: expected one label per row of X ({n_rows}), got shape "
                         f"{list(y.shape)}")
    numeric = np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating)
    if not numeric or not np.all(np.isfinite(y)) or np.any(y != np.round(y)) \
            or np.any((y < 0) & (y != UNLABELLED)):
        bad = next((v for v in y.tolist() if not _is_label(v)), y.dtype)
        raise AekitError(f"y: expected integer class labels, or -1 for unlabelled rows; got "
                         f"{bad!r}")
    y = y.astype(np.int64)
    if not np.any(y >= 0):
        raise AekitError("y: every row is -1 (unlabelled); give at least one label per class")
    if not np.any(y == UNLABELLED):
        raise AekitError("y: no row is -1; semi-supervised training needs unlabelled rows")
    return y


def _is_label(value: Any) -> bool:
    try:
        return float(value) == int(value) and (int(value) >= 0 or int(value) == UNLABELLED)
    except (TypeError, ValueError, OverflowError):
        return False


class HeldOutAccuracy(Callback):
    """Adds the clean network's accuracy on held-out labelled rows to each epoch's record,
    under `name`: the curve `report.html` shows. Monitoring only, never model selection."""

    def __init__(self, x: np.ndarray, y: np.ndarray, name: str):
        self.x, self.y, self.name = x, y, name

    def on_epoch_end(self, *, trainer: Any, record: dict[str, Any], **kwargs: Any) -> None:
        logits = infer(trainer.model, self.x, lambda xb: trainer.model(xb).logits)
        record[self.name] = float((logits.argmax(1) == self.y).mean())
        trainer.model.train()


class SemiSupervisedClassifier(ClassifierMixin, Estimator):
    """A ladder network fitted on labelled and unlabelled rows together (`y == -1`).

    Parameters
    ----------
    hidden : layer sizes below the class layer (the class layer is added from `y`).
    noise : standard deviation of the Gaussian noise on every layer of the noisy pass.
    denoising_scale : factor on every layer's denoising cost; 0 trains the same network on
        the labels alone (the unlabelled rows then only enter batch statistics).
    epochs : passes over the unlabelled rows; each step also sees `batch_size` labelled rows.
    random_state : seeds the initial weights, the noise and the batches.
    monitor : optional (X, y) with true labels whose accuracy is recorded per epoch.

    Examples
    --------
    >>> y_partial = partial_labels(y, 100, seed=0)          # -1 for all but 100 rows
    >>> clf = SemiSupervisedClassifier(epochs=10).fit(X, y_partial)
    >>> clf.score(X_test, y_test)
    """

    def __init__(self, hidden: Sequence[int] = (1000, 500, 250, 250, 250), *,
                 noise: float = 0.3, denoising_scale: float = 1.0, epochs: int = 10,
                 lr: float = 0.002,
                 batch_size: int = 100, random_state: int = 0, device: str = "cpu",
                 monitor: tuple[np.ndarray, np.ndarray] | None = None, verbose: int = 0):
        self.hidden = hidden
        self.noise = noise
        self.denoising_scale = denoising_scale
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.random_state = random_state
        self.device = device
        self.monitor = monitor
        self.verbose = verbose

    def model_config(self, input_shape: Sequence[int], n_classes: int) -> ModelConfig:
        return ModelConfig(arch="ladder", input_shape=tuple(input_shape),
                           hidden=(*self.hidden, n_classes), activation="relu",
                           code_activation="none", output="none", loss="mse",
                           noise=f"gaussian:{self.noise}")

    def train_config(self) -> TrainConfig:
        return TrainConfig(optimizer="adam", lr=self.lr, batch_size=self.batch_size,
                           epochs=self.epochs, seed=self.random_state, val_split=0.0,
                           schedule="cosine")

    def fit(self, X: np.ndarray, y: np.ndarray) -> SemiSupervisedClassifier:
        X = np.asarray(X, np.float32)
        y = check_partial_labels(y, len(X))
        classes = np.unique(y[y >= 0])
        callbacks: list[Callback] = []
        if self.monitor is not None:
            x_mon, y_mon = self.monitor
            callbacks.append(HeldOutAccuracy(np.asarray(x_mon, np.float32),
                                             np.searchsorted(classes, y_mon), "accuracy"))
        if self.verbose:
            callbacks.append(Progress(verbose=self.verbose))
        trainer, batches = ladder_trainer(
            X, y, self.model_config(X.shape[1:], len(classes)), self.train_config(), callbacks,
            self.device, self.denoising_scale)
        self.history_ = trainer.fit(batches)
        return self._fitted(trainer.model, classes)

    @classmethod
    def from_run(cls, run_dir: str | Path) -> SemiSupervisedClassifier:
        """The fitted estimator a semi-supervised run (`aekit train --labels N`) keeps, with the
        options it was trained with."""
        if run_kind(run_dir) is not SEMISUPERVISED:
            raise AekitError(f"{run_dir}: not a semi-supervised run (made by aekit train "
                             "--labels)")
        loaded, config = load_run(run_dir), read_config(run_dir)
        net = LadderNetwork(loaded.model)
        net.load_state_dict(load_tensors(Path(run_dir) / "model.safetensors")[0])
        train = loaded.train_config
        clf = cls(tuple(loaded.model_config.hidden[:-1]), noise=net.noise_std,
                  epochs=train.epochs, lr=train.lr, batch_size=train.batch_size,
                  random_state=train.seed)
        clf.history_ = loaded.metrics.get("history", [])
        return clf._fitted(net, np.asarray(config["classes"]))

    def _fitted(self, net: LadderNetwork, classes: np.ndarray) -> SemiSupervisedClassifier:
        self.net_, self.classes_ = net.eval(), classes
        self.n_features_in_ = int(np.prod(net.ae.config.input_shape))
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self, "net_")
        return infer(self.net_, np.asarray(X, np.float32),
                     lambda xb: self.net_(xb).logits.softmax(1))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(1)]


def ladder_trainer(x: np.ndarray, y: np.ndarray, model_config: ModelConfig,
                   train_config: TrainConfig, callbacks: Sequence[Callback] = (),
                   device: str = "cpu", denoising_scale: float = 1.0,
                   checkpoint_dir: Path | None = None) -> tuple[Trainer, MixedBatches]:
    """A ladder (initial weights drawn by the config's seed) in the one Trainer, and the batches
    it trains on: rows `x` with checked labels `y` (-1: unlabelled), classes numbered by sorted
    label, as the estimator's `classes_`. `trainer.fit(batches)` trains it."""
    y_index = np.unique(y[y >= 0], return_inverse=True)[1]
    y_all = np.full(len(y), UNLABELLED, np.int64)
    y_all[y >= 0] = y_index
    torch.manual_seed(train_config.seed)
    net = LadderNetwork(Autoencoder(model_config), denoising_scale)
    schedule = [CosineSchedule()] if train_config.schedule == "cosine" else []
    trainer = Trainer(net, train_config, [*schedule, *callbacks], device=device,
                      checkpoint_dir=checkpoint_dir)
    batches = MixedBatches(torch.as_tensor(x, dtype=torch.float32, device=trainer.device),
                           torch.as_tensor(y_all, device=trainer.device),
                           train_config.batch_size, train_config.seed)
    return trainer, batches
