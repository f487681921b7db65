"""Batches that mix the few labelled rows with unlabelled ones, for semi-supervised training.

With 100 labels among 60,000 rows, plain shuffling would give most batches no label at all, so
the supervised signal would come in rare jolts. Each step here takes a fixed share of labelled
rows (cycling through them, reshuffled each pass: they are oversampled) and a batch of
unlabelled rows (each seen once per epoch); an epoch is one pass over the unlabelled rows.
Unlabelled rows carry the label -1, as scikit-learn's semi-supervised estimators expect.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch

from aekit.data.batches import Step, epoch_permutation


class MixedBatches:
    """A `BatchSource` for `Trainer.fit`: each step is `labelled_batch` labelled rows followed by
    up to `batch_size` unlabelled rows (label -1); every index order is a function of
    (seed, epoch), so a resumed run draws the same batches."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int):
        labelled = y >= 0
        self.x_labelled, self.y_labelled = x[labelled], y[labelled]
        self.x_unlabelled = x[~labelled]
        if not len(self.x_labelled) or not len(self.x_unlabelled):
            raise ValueError("MixedBatches needs labelled and unlabelled rows")
        self.batch, self.seed = batch_size, seed
        self.labelled_batch = min(batch_size, len(self.x_labelled))
        self.n_batches = math.ceil(len(self.x_unlabelled) / batch_size)
        self.n = len(self.x_unlabelled) + self.n_batches * self.labelled_batch
        self._minus_one = torch.full((batch_size,), -1, dtype=y.dtype, device=y.device)

    def _labelled_order(self, epoch: int) -> torch.Tensor:
        """Enough reshuffled passes over the labelled rows for every step of the epoch."""
        n = len(self.x_labelled)
        passes = math.ceil(self.n_batches * self.labelled_batch / n)
        return torch.cat([epoch_permutation(n, self.seed + 1, epoch * passes + i)
                          for i in range(passes)]).to(self.x_labelled.device)

    def epoch(self, epoch: int, start: int = 0) -> Iterator[Step]:
        unlabelled = epoch_permutation(len(self.x_unlabelled), self.seed, epoch).to(
            self.x_unlabelled.device)
        labelled = self._labelled_order(epoch)
        for step in range(start, self.n_batches):
            li = labelled[step * self.labelled_batch:(step + 1) * self.labelled_batch]
            ui = unlabelled[step * self.batch:(step + 1) * self.batch]
            xb = torch.cat([self.x_labelled[li], self.x_unlabelled[ui]])
            yb = torch.cat([self.y_labelled[li], self._minus_one[:len(ui)]])
            yield xb, yb, len(xb), 1.0
