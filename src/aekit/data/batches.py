"""Index arithmetic for in-memory data: seeded splits and per-epoch permutations."""

from __future__ import annotations

import numpy as np
import torch


def train_val_split(n: int, val_split: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, val) from a seeded permutation; val gets round(n * val_split) samples."""
    order = np.random.default_rng(seed).permutation(n)
    n_val = round(n * val_split)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def epoch_permutation(n: int, seed: int, epoch: int) -> torch.Tensor:
    """The shuffle of one epoch, a function of (seed, epoch) alone so that resume needs no state."""
    generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(n, generator=generator)
