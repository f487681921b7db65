"""Binarised images, as likelihood benchmarks on MNIST use them: pixels become 0 or 1.

`threshold` cuts at 0.5; `static` draws each pixel once from Bernoulli(intensity) with a fixed
seed (the same binary set every time); `dynamic` redraws every training batch (less
overfitting; what IWAE-style results use), while held-out data get one seeded draw.
"""

from __future__ import annotations

import numpy as np
import torch

from aekit.errors import AekitError


def binarize(x: np.ndarray, how: str, seed: int = 0) -> np.ndarray:
    """{0, 1} float32 copy of `x` (values in [0, 1]): thresholded, or one seeded Bernoulli draw."""
    if x.size and (x.min() < 0 or x.max() > 1):
        raise AekitError(f"--binarize {how}: needs data scaled to [0, 1] (images), got values in "
                         f"[{x.min():.3g}, {x.max():.3g}]")
    if how == "threshold":
        return (x >= 0.5).astype(np.float32)
    draw = np.random.default_rng(seed).random(x.shape, dtype=np.float32)
    return (draw < x).astype(np.float32)


def bernoulli(batch: torch.Tensor) -> torch.Tensor:
    """A fresh binary draw of a batch (dynamic binarisation), from torch's checkpointed RNG."""
    return torch.bernoulli(batch)
