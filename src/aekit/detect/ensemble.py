"""The default anomaly detector for tables: a small ensemble of narrow autoencoders, sized from
the data's shape alone, whose scores are put on a par and averaged.

Why this shape (measured on ADBench's shared sets, `benchmarks/adbench.py`):
- one autoencoder's score varies a lot with its seed; averaging a few small ones is worth more
  than training one longer;
- a code much narrower than the input (about sqrt(features) / 2) keeps the network from
  copying rows;
- a short training (15 epochs, fewer on large tables): networks fit the bulk of the data
  before its rare rows, and the trimmed loss (`parts/trimmed.py`) keeps the worst rows of each
  batch out of the gradient;
- three views of "unusual": the reconstruction error (breaks the learnt correlations), each
  column's error over that column's mean training error, so that a column the members never
  reconstruct well does not drown the others; the mean distance of the code to its nearest
  training codes (a rare region of the learnt manifold); and the squared distance of the
  row from the training rows' median in units of each column's interquartile range, damped
  as log(1 + z^2) per column (an extreme value in any column: about the error of an
  autoencoder with no code at all). Median and quartiles, not mean and std, because the
  anomalies in the training rows and heavy tails pull a mean and inflate a std towards the
  rows that should stand out;
- every view is a positive magnitude with a long right tail, so each is compared on a log
  scale, standardised by the training rows' spread: one view's extremes then do not swamp the
  others, and a row beyond every training row still ranks above them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from aekit.config import ModelConfig, TrainConfig
from aekit.data.scaling import fit_scaling
from aekit.data.sources import Dataset
from aekit.detect.base import DEFAULT_CONTAMINATION, BaseDetector, column_shares
from aekit.metrics import (
    element_errors,
    flat_codes,
    row_element_errors,
    spread,
    squared_errors,
)
from aekit.model import Autoencoder
from aekit.scores.neighbours import neighbour_distance, reference_rows
from aekit.threads import Threads, from_n_jobs
from aekit.train.estimator import module_from_state, module_state
from aekit.train.members import Members
from aekit.train.trainer import Trainer

MEMBERS = 5
CENTRE_WEIGHT = 0.5  # weight of the distance-from-centre score beside the members' mean
EPOCHS = 15
MAX_STEPS = 3000  # training steps per model above which large data sets get fewer epochs
MIN_EPOCHS = 5
LOG_OFFSET = 1e-3  # a view's log is taken of (view + LOG_OFFSET * its training mean)
IQR_PER_STD = 1.349  # interquartile range of a unit normal


@dataclass(frozen=True)
class Plan:
    """What the default detector trains: `members` autoencoders of layer sizes `hidden`."""

    hidden: tuple[int, ...]
    epochs: int
    batch_size: int
    members: int = MEMBERS

    @property
    def code_size(self) -> int:
        return self.hidden[-1]


def epochs_for(n_rows: int, batch: int) -> int:
    """15 epochs, or as many as make 3,000 steps when that is fewer, but at least 5: a short
    training, since networks fit the bulk of the data before its rare samples."""
    steps_per_epoch = math.ceil(n_rows / batch)
    return max(MIN_EPOCHS, min(EPOCHS, math.ceil(MAX_STEPS / steps_per_epoch)))


def default_plan(n_rows: int, n_features: int) -> Plan:
    """The rule from (rows, features): code ceil(sqrt(F) / 2) but below F (1 for F <= 2), one
    hidden layer of min(64, max(2 * code, F)) units; batches of 64 rows, or 1% of the rows
    (up to 1,024) on large tables; 15 epochs, or as many as make 3,000 steps when that is
    fewer, but at least 5."""
    code = max(1, min(n_features - 1, math.ceil(math.sqrt(n_features) / 2)))
    width = min(64, max(2 * code, n_features))
    batch = min(1024, max(64, n_rows // 100))
    epochs = epochs_for(n_rows, batch)
    return Plan((width, code), epochs=epochs, batch_size=batch)


def train_members(x: np.ndarray, plan: Plan, seed: int, device: str = "cpu",
                  threads: int | None = None) -> tuple[list[Autoencoder], Threads | None]:
    """`plan.members` autoencoders on the scaled rows `x`, each initialised from its own seed,
    trained side by side on the same batches (`train.members`) through the one Trainer with
    `threads` (None: the rule); returned in float64 eval mode for row-independent scores, with
    the threads training used."""
    model_config = ModelConfig(arch="stacked", input_shape=(x.shape[1],), hidden=plan.hidden,
                               activation="elu", code_activation="none", output="none",
                               loss="trimmed-mse")
    config = TrainConfig(epochs=plan.epochs, batch_size=plan.batch_size, lr=1e-3,
                         seed=seed * 1000, val_split=0.0, threads=threads)
    with torch.random.fork_rng(devices=[]):
        models = []
        for k in range(plan.members):
            torch.manual_seed(seed * 1000 + k)
            models.append(Autoencoder(model_config))
        group = Members(models)
        trainer = Trainer(group, config, device=device)
        trainer.fit(x)
    return [model.double().eval() for model in group.unstack()], trainer.threads


@dataclass(frozen=True)
class Centre:
    """Each column's median and robust spread on the (standardised) training rows."""

    median: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray) -> Centre:
        """Median and interquartile range / 1.349 (the std of a normal column): the training
        rows hold the anomalies, and many columns have heavy tails; both pull a mean and
        inflate a std towards the rows that should stand out. A column whose quartiles meet
        (mostly one value: one-hot, sparse counts) keeps its standardised unit, 1."""
        low, median, high = np.percentile(x, [25, 50, 75], axis=0)
        iqr = (high - low) / IQR_PER_STD
        return cls(median, np.where(iqr > 0, iqr, 1.0))

    def distance(self, x: np.ndarray) -> np.ndarray:
        """Mean over the columns of log(1 + z^2), z robust: far from the bulk in any column,
        with a heavy-tailed column's extremes damped so that they do not drown the others."""
        z = (x - self.median) / self.scale
        return np.log1p(np.square(z, dtype=np.float64)).mean(1)


def _views(members: list[Autoencoder], x: np.ndarray, references: list[np.ndarray],
           error_weights: list[np.ndarray], centre: Centre) -> np.ndarray:
    """(2 * members + 1, N) raw scores: per member its column-weighted reconstruction error
    and the mean distance of the code to its nearest reference codes after the first (so a
    training row does not count itself, and every row is scored alike), then the centre
    distance."""
    views = []
    for model, reference, weights in zip(members, references, error_weights, strict=True):
        views += [squared_errors(model, x, weights),
                  neighbour_distance(reference, flat_codes(model, x))]
    views.append(centre.distance(x))
    return np.stack(views)


@dataclass
class EnsembleState:
    """Everything scoring needs beyond the weights: reference codes, the error weights and
    each view's place on the training rows."""

    references: list[np.ndarray]
    error_weights: list[np.ndarray]  # per member: 1 / each column's mean training error
    centre: Centre
    offset: np.ndarray  # (n_views,): added before the log
    mean: np.ndarray  # (n_views,) of the training rows' log views
    std: np.ndarray
    member_std: np.ndarray  # (members,): spread of each member's summed standardised views


def fit_state(members: list[Autoencoder], x: np.ndarray, seed: int
              ) -> tuple[EnsembleState, np.ndarray]:
    """Reference codes (of a seeded sample of the training rows), error weights and the
    training views' log-scale mean and spread; returns the training rows' combined scores."""
    rows = reference_rows(len(x), seed)
    references = [flat_codes(model, x[rows]) for model in members]
    error_weights = [_inverse(element_errors(model, x)) for model in members]
    centre = Centre.fit(x)
    views = _views(members, x, references, error_weights, centre)
    offset = LOG_OFFSET * views.mean(1) + np.finfo(np.float64).tiny
    logs = np.log(views + offset[:, None])
    state = EnsembleState(references, error_weights, centre, offset, logs.mean(1),
                          spread(logs, axis=1), np.ones(len(members)))
    state.member_std = spread(_member_sums(logs, state), axis=1)
    return state, combine(logs, state)


def _inverse(errors: np.ndarray) -> np.ndarray:
    """1 / error per column; a column reconstructed exactly (a constant one) weighs 1."""
    return 1.0 / np.where(errors > 0, errors, 1.0)


def _member_sums(logs: np.ndarray, state: EnsembleState) -> np.ndarray:
    """(members, N): each member's standardised error plus standardised code distance."""
    z = (logs - state.mean[:, None]) / state.std[:, None]
    return z[:-1].reshape(-1, 2, z.shape[1]).sum(1)


def combine(logs: np.ndarray, state: EnsembleState) -> np.ndarray:
    """Mean over members of their scores (each standardised on the training data), plus half
    the standardised centre distance."""
    z_centre = (logs[-1] - state.mean[-1]) / state.std[-1]
    members = _member_sums(logs, state) / state.member_std[:, None]
    return members.mean(0) + CENTRE_WEIGHT * z_centre


def ensemble_scores(members: list[Autoencoder], x: np.ndarray, state: EnsembleState
                    ) -> np.ndarray:
    """Combined anomaly score of each scaled row (higher = more anomalous)."""
    views = _views(members, x, state.references, state.error_weights, state.centre)
    return combine(np.log(views + state.offset[:, None]), state)


def column_contributions(members: list[Autoencoder], x: np.ndarray, state: EnsembleState
                         ) -> np.ndarray:
    """(N, columns) shares of each scaled row's score. The views that are sums over columns
    are split by column: a member's error view into each column's weighted squared error, the
    centre distance into each column's log(1 + z^2). Each split, as shares of its view, is
    weighted by that view's coefficient in `combine` (its log's weight in the score: 1 /
    (members * member spread * view spread) for an error, CENTRE_WEIGHT / its spread for the
    centre), summed, and made shares again. The code-distance views have no column parts and
    are left out."""
    stds = state.std
    mixed = np.zeros(x.shape, np.float64)
    for k, (model, weights) in enumerate(zip(members, state.error_weights, strict=True)):
        weight = 1.0 / (len(members) * state.member_std[k] * stds[2 * k])
        mixed += weight * column_shares(row_element_errors(model, x) * weights)
    z = (x - state.centre.median) / state.centre.scale
    mixed += CENTRE_WEIGHT / stds[-1] * column_shares(np.log1p(np.square(z)))
    return column_shares(mixed)


class EnsembleDetector(BaseDetector):
    """The default detector for tables (`AnomalyDetector()` on a table), sized by the rule of
    `default_plan` from the table's shape alone: each column standardised on the training
    rows, `plan_.members` narrow autoencoders trained on them, their views of each row
    combined as `combine` says.

    Parameters: random_state (the members' seeds and the reference rows), device, n_jobs (torch
    threads for training, scikit-learn's way: None the rule, -1 all cores), and the base's
    contamination and threshold. Fitted: `plan_`, `scaling_`, `members_`, `threads_` and
    `score_state_`, besides the base's `decision_scores_`, `threshold_` and `labels_`. Samples
    of more than one axis are read as rows of their values.
    """

    def __init__(self, *, random_state: int = 0, device: str = "cpu", n_jobs: int | None = None,
                 contamination: float | str = DEFAULT_CONTAMINATION,
                 threshold: float | None = None):
        super().__init__(contamination=contamination, threshold=threshold)
        self.random_state = random_state
        self.device = device
        self.n_jobs = n_jobs

    def _fit(self, x: np.ndarray) -> np.ndarray:
        rows = x.reshape(len(x), -1)
        self.plan_ = default_plan(*rows.shape)
        self.scaling_ = fit_scaling(Dataset(rows, None, "X", "tabular"), "standard")
        scaled = self.scaling_.apply(rows).astype(np.float64)
        self.members_, self.threads_ = train_members(
            scaled.astype(np.float32), self.plan_, self.random_state, self.device,
            from_n_jobs(self.n_jobs))
        self.score_state_, scores = fit_state(self.members_, scaled, self.random_state)
        return scores

    def _scaled_rows(self, x: np.ndarray) -> np.ndarray:
        return self.scaling_.apply(x.reshape(len(x), -1)).astype(np.float64)

    def _scores(self, x: np.ndarray) -> np.ndarray:
        return ensemble_scores(self.members_, self._scaled_rows(x), self.score_state_)

    def _explain(self, x: np.ndarray) -> np.ndarray:
        """The columns' shares of each row's score, as `column_contributions` defines them."""
        return column_contributions(self.members_, self._scaled_rows(x), self.score_state_)

    def __getstate__(self) -> dict[str, Any]:
        """The members as config and CPU weights (their parts may hold closures)."""
        state = dict(super().__getstate__())  # a copy: object.__getstate__ gives __dict__
        if "members_" in state:
            state["members_"] = [module_state(m) for m in state["members_"]]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "members_" in state:
            state = {**state, "members_": [module_from_state(m) for m in state["members_"]]}
        super().__setstate__(state)
