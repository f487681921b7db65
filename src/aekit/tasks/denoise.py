"""Denoising with a trained autoencoder: corrupt data repeatably, then clean it.

One function for `aekit denoise`, the gallery's noisy/cleaned figures and the examples, so the
three corrupt the same way (the training noise, drawn from a seeded generator).
"""

from __future__ import annotations

import numpy as np
import torch

from aekit import metrics
from aekit.model import Autoencoder
from aekit.parts.noise import corrupt, parse_noise


def denoise(model: Autoencoder, x: np.ndarray, noise: str, seed: int = 0
            ) -> tuple[np.ndarray, np.ndarray]:
    """(noisy, cleaned) versions of `x`, in the model's scaled units: `noise` (KIND:LEVEL, as
    --noise) drawn with `seed`, so the same seed gives the same corruption."""
    generator = torch.Generator().manual_seed(seed)
    noisy = corrupt(torch.as_tensor(x), parse_noise(noise), generator).numpy()
    return noisy, metrics.reconstruct(model, noisy)
