"""Penalties: extra loss terms built from the config; each returns None when switched off."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from aekit.config import ModelConfig
from aekit.registry import lookup, names, register

Penalty = Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor]


@register("penalty", "l2")
def l2(config: ModelConfig) -> Penalty | None:
    """L2 on weight matrices (not biases): l2 * sum(W**2) / 2, TF1's l2_regularizer (seed 000)."""
    if config.l2 == 0:
        return None
    weight = config.l2

    def term(model: nn.Module, x: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        return weight * 0.5 * sum(p.pow(2).sum() for p in model.weight_matrices())

    return term


def build_penalties(config: ModelConfig) -> dict[str, Penalty]:
    """Every registered penalty that the config switches on, by name."""
    built = {name: lookup("penalty", name)(config) for name in names("penalty")}
    return {name: fn for name, fn in built.items() if fn is not None}
