"""Latent parts sit between encoder and decoder and may add loss terms of their own."""

from __future__ import annotations

import torch
from torch import nn

from aekit.registry import register


class IdentityLatent(nn.Module):
    """The code is the encoder's output; no loss term."""

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        return h, {}


@register("latent", "identity")
def identity() -> nn.Module:
    """Deterministic code: the encoder's output as it is."""
    return IdentityLatent()
