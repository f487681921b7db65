"""Reconstruction losses, each a mean over every element (as TF1's reduce_mean and Keras do).

They take the decoder's logits *and* the activated reconstruction so that BCE is computed from
logits (stable, and the seed's faster formulation) while MSE compares in the data's units.
Losses named in ON_LOGITS read the logits alone and are given `recon=None`.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from aekit.registry import register

ON_LOGITS = frozenset({"bce"})
"""Loss names whose `loss` and `nll` entries never read the reconstruction."""


@register("loss", "mse")
def mse(logits: torch.Tensor, recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error between reconstruction and clean input."""
    return F.mse_loss(recon, target)


@register("loss", "masked_mse")
def masked_mse(logits: torch.Tensor, recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """MSE over the recorded elements only: NaN in the target marks padding (data/ts.py), which
    no gradient reaches (chosen by the pipeline when the training series are padded)."""
    observed = ~target.isnan()
    squared = (recon - target.nan_to_num()).pow(2) * observed
    return squared.sum() / observed.sum().clamp(min=1)


@register("loss", "bce")
def bce(logits: torch.Tensor, recon: torch.Tensor | None, target: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy from logits; targets in [0, 1]."""
    return F.binary_cross_entropy_with_logits(logits, target)


@register("loss", "l1")
def l1(logits: torch.Tensor, recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean absolute error: robust to a few badly reconstructed elements."""
    return F.l1_loss(recon, target)


@register("loss", "huber")
def huber(logits: torch.Tensor, recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Huber (delta 1): squared error for small errors, absolute error past 1."""
    return F.huber_loss(recon, target)


# --- generative autoencoders: per-sample negative log-likelihoods -------------------

_HALF_LOG_PI = 0.5 * math.log(math.pi)


@register("nll", "bce")
def bernoulli_nll(logits: torch.Tensor, recon: torch.Tensor | None, target: torch.Tensor
                  ) -> torch.Tensor:
    """-log p(x | z) per sample in nats: a Bernoulli per element (exact on binary data)."""
    per_element = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    return per_element.flatten(1).sum(1)


@register("nll", "mse")
def gaussian_nll(logits: torch.Tensor, recon: torch.Tensor, target: torch.Tensor
                 ) -> torch.Tensor:
    """-log p(x | z) per sample in nats: a Gaussian of variance 1/2 per element, the one whose
    -log-likelihood is the summed squared error plus a constant, so a VAE trained with MSE
    still reports a true likelihood."""
    squared = (recon - target).pow(2).flatten(1)
    return squared.sum(1) + squared.shape[1] * _HALF_LOG_PI


@register("nll", "masked_mse")
def masked_gaussian_nll(logits: torch.Tensor, recon: torch.Tensor, target: torch.Tensor
                        ) -> torch.Tensor:
    """`gaussian_nll` over the recorded elements only (NaN in the target is padding, see
    `masked_mse`): the likelihood of what was recorded, for a VAE on padded series."""
    observed = ~target.isnan().flatten(1)
    squared = (recon - target.nan_to_num()).pow(2).flatten(1) * observed
    return squared.sum(1) + observed.sum(1) * _HALF_LOG_PI
