"""Latent parts sit between encoder and decoder and may add loss terms of their own."""

from __future__ import annotations

import math

import torch
from torch import nn

from aekit.config import ModelConfig
from aekit.registry import register


class IdentityLatent(nn.Module):
    """The code is the encoder's output; no loss term."""

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        return h, {}


@register("latent", "identity")
def identity() -> nn.Module:
    """Deterministic code: the encoder's output as it is."""
    return IdentityLatent()


# --- regularised autoencoders (issue 4): k-sparse / winner-take-all latent --------------------


class KSparseLatent(nn.Module):
    """Keeps the K largest code units of each sample (Makhzani & Frey's k-sparse AE) and/or each
    unit's top `lifetime` fraction over the batch (their winner-take-all lifetime sparsity).

    Per-sample top-K applies in evaluation too (the paper's alpha*K with alpha = 1), so the decoder
    always sees codes like those it was trained on; lifetime sparsity depends on the batch, so it
    applies in training only. Gradients flow through the kept units only.
    """

    def __init__(self, k: int | None, lifetime: float | None):
        super().__init__()
        self.k = k
        self.lifetime = lifetime

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        if self.k is not None:
            values, index = h.topk(self.k, dim=1)
            h = torch.zeros_like(h).scatter(1, index, values)
        if self.lifetime is not None and self.training:
            keep = max(1, math.ceil(self.lifetime * len(h)))
            threshold = h.topk(keep, dim=0).values[-1:]
            h = h * (h >= threshold)
        return h, {}


@register("latent", "ksparse")
def ksparse(k: int | None = None, lifetime: float | None = None) -> nn.Module:
    """Top-K units per sample, and/or each unit's top fraction of the batch (training only)."""
    return KSparseLatent(k, lifetime)


def build_latent(config: ModelConfig) -> nn.Module:
    """The latent part a config asks for: k-sparse when `k_sparse` or its lifetime is set."""
    if config.k_sparse is None and config.k_sparse_lifetime is None:
        return identity()
    return ksparse(config.k_sparse, config.k_sparse_lifetime)
