"""Reconstruction losses, each a mean over every element (as TF1's reduce_mean and Keras do).

They take the decoder's logits *and* the activated reconstruction so that BCE is computed from
logits (stable, and the seed's faster formulation) while MSE compares in the data's units.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from aekit.registry import register


@register("loss", "mse")
def mse(logits: torch.Tensor, recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error between reconstruction and clean input."""
    return F.mse_loss(recon, target)


@register("loss", "bce")
def bce(logits: torch.Tensor, recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy from logits; targets in [0, 1]."""
    return F.binary_cross_entropy_with_logits(logits, target)
