"""The default anomaly detector for tables: a small ensemble of narrow autoencoders, sized from
the data's shape alone, whose scores are put on a par and averaged.

Why this shape (measured on ADBench's shared sets, `benchmarks/adbench.py`):
- one autoencoder's score varies a lot with its seed; averaging a few small ones is worth more
  than training one longer;
- a code much narrower than the input (about sqrt(features) / 2) keeps the network from
  copying rows;
- few training steps: networks fit the bulk of the data before its rare rows, and the trimmed
  loss (`parts/trimmed.py`) keeps the worst rows of each batch out of the gradient;
- three views of "unusual", each standardised by its spread on the training data: the
  reconstruction error (breaks the learnt correlations), the mean distance of the code to its
  nearest training codes (a rare region of the learnt manifold), and the squared distance of
  the standardised row from the training mean, damped as log(1 + z^2) per column (an extreme
  value in any column: about the error of an autoencoder with no code at all).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from aekit.config import ModelConfig, TrainConfig
from aekit.metrics import flat_codes, squared_errors
from aekit.model import Autoencoder
from aekit.tasks.neighbours import neighbour_distance, reference_rows
from aekit.train.trainer import Trainer

MEMBERS = 5
CENTRE_WEIGHT = 0.5  # weight of the distance-from-centre score beside the members' mean


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


def default_plan(n_rows: int, n_features: int) -> Plan:
    """The rule from (rows, features): code ceil(sqrt(F) / 2) but below F (1 for F <= 2), one
    hidden layer of min(64, max(2 * code, F)) units; batches of 64 rows, or 1% of the rows
    (up to 1,024) on large tables; 5 epochs."""
    code = max(1, min(n_features - 1, math.ceil(math.sqrt(n_features) / 2)))
    width = min(64, max(2 * code, n_features))
    batch = min(1024, max(64, n_rows // 100))
    return Plan((width, code), epochs=5, batch_size=batch)


def train_members(x: np.ndarray, plan: Plan, seed: int, device: str = "cpu"
                  ) -> list[Autoencoder]:
    """`plan.members` autoencoders on the scaled rows `x`, each from its own seed, through the
    one Trainer; returned in float64 eval mode for row-independent scores."""
    model_config = ModelConfig(arch="stacked", input_shape=(x.shape[1],), hidden=plan.hidden,
                               activation="elu", code_activation="none", output="none",
                               loss="trimmed-mse")
    members = []
    for k in range(plan.members):
        config = TrainConfig(epochs=plan.epochs, batch_size=plan.batch_size, lr=1e-3,
                             seed=seed * 1000 + k, val_split=0.0)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            model = Autoencoder(model_config)
            Trainer(model, config, device=device).fit(x)
        members.append(model.double().eval())
    return members


def _centre_distance(x: np.ndarray) -> np.ndarray:
    """Mean over the columns of log(1 + z^2): far from the training mean in any column, with
    a heavy-tailed column's extremes damped so that they do not drown the others."""
    return np.log1p(np.square(x.reshape(len(x), -1), dtype=np.float64)).mean(1)


def _views(members: list[Autoencoder], x: np.ndarray, references: list[np.ndarray]
           ) -> np.ndarray:
    """(2 * members + 1, N) raw scores: per member its reconstruction error and the mean
    distance of the code to its nearest reference codes after the first (so a training row
    does not count itself, and every row is scored alike), then the centre distance."""
    views = []
    for model, reference in zip(members, references, strict=True):
        views += [squared_errors(model, x), neighbour_distance(reference, flat_codes(model, x))]
    views.append(_centre_distance(x))
    return np.stack(views)


@dataclass
class EnsembleState:
    """Everything scoring needs beyond the weights: reference codes and each view's spread."""

    references: list[np.ndarray]
    mean: np.ndarray  # (n_views,) of the training scores
    std: np.ndarray
    member_std: np.ndarray  # (members,): spread of each member's summed standardised views


def fit_state(members: list[Autoencoder], x: np.ndarray, seed: int
              ) -> tuple[EnsembleState, np.ndarray]:
    """Reference codes (of a seeded sample of the training rows) and the training scores'
    mean and spread per view; returns the training rows' combined scores."""
    rows = reference_rows(len(x), seed)
    references = [flat_codes(model, x[rows]) for model in members]
    views = _views(members, x, references)
    state = EnsembleState(references, views.mean(1), _spread(views), np.ones(len(members)))
    state.member_std = _spread(_member_sums(views, state))
    return state, combine(views, state)


def _spread(scores: np.ndarray) -> np.ndarray:
    std = scores.std(1)
    return np.where(std > 0, std, 1.0)


def _member_sums(views: np.ndarray, state: EnsembleState) -> np.ndarray:
    """(members, N): each member's standardised error plus standardised code distance."""
    z = (views - state.mean[:, None]) / state.std[:, None]
    return z[:-1].reshape(-1, 2, z.shape[1]).sum(1)


def combine(views: np.ndarray, state: EnsembleState) -> np.ndarray:
    """Mean over members of their scores (each standardised on the training data), plus half
    the standardised centre distance."""
    z_centre = (views[-1] - state.mean[-1]) / state.std[-1]
    members = _member_sums(views, state) / state.member_std[:, None]
    return members.mean(0) + CENTRE_WEIGHT * z_centre


def ensemble_scores(members: list[Autoencoder], x: np.ndarray, state: EnsembleState
                    ) -> np.ndarray:
    """Combined anomaly score of each scaled row (higher = more anomalous)."""
    return combine(_views(members, x, state.references), state)
