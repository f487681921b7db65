"""Unsupervised pretraining for a classifier with few labels (seed 000).

A softmax head goes on a trained encoder's code; the whole net is fine-tuned (or the encoder
frozen) on the few labelled samples by the same Trainer loop. The honest comparison is the same
network trained from scratch on the same labels, and a linear probe on the frozen codes
(`classify_run` keeps all three as a classifier run).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted
from torch import nn

from aekit.config import TrainConfig
from aekit.errors import AekitError
from aekit.metrics import encode, infer
from aekit.model import Autoencoder
from aekit.report import plots
from aekit.runs.kinds import CLASSIFIER
from aekit.runs.run import load, load_run, read_config, run_kind
from aekit.tensors import load_tensors
from aekit.threads import from_n_jobs
from aekit.train.callbacks import Callback
from aekit.train.estimator import Estimator
from aekit.train.trainer import Trainer


class ClassifierOutput(NamedTuple):
    loss: torch.Tensor
    logits: torch.Tensor
    terms: dict[str, torch.Tensor]


class EncoderClassifier(nn.Module):
    """Autoencoder `ae` (its encoder and latent) followed by a linear softmax head."""

    def __init__(self, ae: Autoencoder, n_classes: int, freeze: bool = False):
        super().__init__()
        self.ae = ae
        self.head = nn.Linear(ae.code_size, n_classes)
        for p in ae.parameters():
            p.requires_grad_(not freeze)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> ClassifierOutput:
        logits = self.head(self.ae.encode(x))
        loss = F.cross_entropy(logits, y) if y is not None else logits.new_zeros(())
        return ClassifierOutput(loss, logits, {"cross_entropy": loss})


class PretrainedClassifier(ClassifierMixin, Estimator):
    """scikit-learn classifier on an aekit encoder: `fit(X, y)`, `predict`, `predict_proba`.

    Parameters
    ----------
    autoencoder : Autoencoder or str
        The trained model, or a run directory to load it from. It is copied, never changed.
    from_scratch : bool
        Re-initialise the same architecture instead of using the trained weights (the baseline).
    freeze : bool
        Train only the softmax head.
    random_state : int
        Seeds the head's (and, from scratch, the encoder's) initial weights and the batches.
    n_jobs : int or None
        torch threads for training: None the rule of `aekit.threads`, -1 all cores, N that
        many. Fitted: `threads_`, what training used.

    Examples
    --------
    >>> clf = PretrainedClassifier("runs/stacked", epochs=100).fit(x_few, y_few)
    >>> clf.score(x_test, y_test)
    """

    def __init__(self, autoencoder: Autoencoder | str | None = None, *, from_scratch: bool = False,
                 freeze: bool = False, epochs: int = 200, lr: float = 1e-3, batch_size: int = 32,
                 random_state: int = 0, device: str = "cpu", n_jobs: int | None = None):
        self.autoencoder = autoencoder
        self.from_scratch = from_scratch
        self.freeze = freeze
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.random_state = random_state
        self.device = device
        self.n_jobs = n_jobs

    def fit(self, X: np.ndarray, y: np.ndarray) -> PretrainedClassifier:
        classes, y_index = np.unique(np.asarray(y), return_inverse=True)
        config = fine_tuning_config(epochs=self.epochs, lr=self.lr, batch_size=self.batch_size,
                                    seed=self.random_state, threads=from_n_jobs(self.n_jobs))
        trainer = classifier_trainer(_autoencoder(self.autoencoder), len(classes), config,
                                     from_scratch=self.from_scratch, freeze=self.freeze,
                                     device=self.device)
        trainer.fit(X, y_train=y_index)
        self.threads_ = trainer.threads
        return self._fitted(trainer.model, classes)

    @classmethod
    def from_net(cls, net: EncoderClassifier, classes: np.ndarray, **params: Any
                 ) -> PretrainedClassifier:
        """The fitted classifier of a `net` trained elsewhere (a run's Trainer), predicting
        `classes`; `params` are the constructor's, for the record."""
        return cls(net.ae, **params)._fitted(net, classes)

    @classmethod
    def from_run(cls, run_dir: str | Path) -> PretrainedClassifier:
        """The fitted classifier a classifier run (`aekit pretrain`) keeps."""
        if run_kind(run_dir) is not CLASSIFIER:
            raise AekitError(f"{run_dir}: not a classifier run (made by aekit pretrain)")
        loaded, config = load_run(run_dir), read_config(run_dir)
        net = EncoderClassifier(loaded.model, len(config["classes"]))
        net.load_state_dict(load_tensors(Path(run_dir) / "model.safetensors")[0])
        return cls.from_net(net, np.asarray(config["classes"]), freeze=bool(config.get("freeze")))

    def _fitted(self, net: EncoderClassifier, classes: np.ndarray) -> PretrainedClassifier:
        self.net_, self.classes_ = net, classes
        self.n_features_in_ = int(np.prod(net.ae.config.input_shape))
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self, "net_")
        return infer(self.net_, np.asarray(X, np.float32),
                     lambda xb: self.net_(xb).logits.softmax(1))

    def predict(self, X: np.ndarray) -> np.ndarray:
        proba = self.predict_proba(X)  # checks fitted first
        return self.classes_[proba.argmax(1)]


def fine_tuning_config(*, epochs: int, lr: float, batch_size: int, seed: int,
                       threads: int | None = None) -> TrainConfig:
    """The Trainer options of fine-tuning a classifier (and of its from-scratch baseline): Adam
    on every labelled sample, none held out; `seed` also draws the head's initial weights."""
    return TrainConfig(optimizer="adam", lr=lr, batch_size=batch_size, epochs=epochs,
                       seed=seed, val_split=0.0, threads=threads)


def classifier_trainer(ae: Autoencoder, n_classes: int, config: TrainConfig, *,
                       from_scratch: bool = False, freeze: bool = False,
                       callbacks: Sequence[Callback] = (), device: str = "cpu",
                       checkpoint_dir: Path | None = None) -> Trainer:
    """The Trainer of a softmax head on a copy of `ae`'s encoder (re-initialised `from_scratch`,
    frozen with `freeze`), its initial weights drawn from `config.seed`."""
    torch.manual_seed(config.seed)
    ae = Autoencoder(ae.config) if from_scratch else copy.deepcopy(ae)
    net = EncoderClassifier(ae, n_classes, freeze)
    return Trainer(net, config, callbacks, device=device, checkpoint_dir=checkpoint_dir)


def linear_probe_accuracy(ae: Autoencoder, x_train: np.ndarray, y_train: np.ndarray,
                          x_test: np.ndarray, y_test: np.ndarray) -> float:
    """Logistic regression on the frozen (standardised) codes: how linearly separable they are."""
    scaler = StandardScaler().fit(encode(ae, x_train))
    probe = LogisticRegression(max_iter=2000).fit(scaler.transform(encode(ae, x_train)), y_train)
    return float(probe.score(scaler.transform(encode(ae, x_test)), y_test))


def few_labels(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Indices of `n` samples stratified by class (seeded): the few labels a user has."""
    classes = np.unique(y)
    if n > len(y):
        raise AekitError(f"--labels: {n} requested but the data has only {len(y)} labelled "
                         "samples")
    if n < len(classes):
        raise AekitError(f"--labels: {n} is fewer than the {len(classes)} classes; "
                         "give at least one label per class")
    if n == len(y):
        return np.arange(n)
    found, counts = np.unique(y, return_counts=True)
    if (counts < 2).any():
        raise AekitError(f"--labels: {n} of {len(y)} rows cannot be drawn stratified by "
                         f"class: a single row in class {', '.join(map(str, found[counts < 2]))};"
                         " use more rows (--limit) or label every row")
    if len(y) - n < len(classes):
        raise AekitError(f"--labels: {n} of {len(y)} rows leave {len(y) - n} unlabelled, fewer "
                         f"than the {len(classes)} classes a stratified draw needs; use fewer "
                         "--labels or more rows (--limit)")
    index, _ = train_test_split(np.arange(len(y)), train_size=n, stratify=y, random_state=seed)
    return np.sort(index)


def _autoencoder(source: Autoencoder | str | Path | None) -> Autoencoder:
    if isinstance(source, Autoencoder):
        return source
    if source is None:
        raise AekitError("autoencoder: give a trained Autoencoder or a run directory")
    return load(source)


def confusion_figure(clf: PretrainedClassifier, x: np.ndarray, y: np.ndarray, path: Path
                     ) -> list[list[int]]:
    """The confusion matrix of `clf` on (x, y), drawn to `path` and returned."""
    matrix = confusion_matrix(y, clf.predict(x), labels=clf.classes_)
    plots.confusion(matrix, [str(c) for c in clf.classes_], path)
    return matrix.tolist()
