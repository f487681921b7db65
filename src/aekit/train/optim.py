"""Optimizers by name, each a registry entry carrying its default learning rate, with Keras-2
defaults where the seeds rely on them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from aekit.config import TrainConfig
from aekit.registry import defaults, lookup, register

Params = Iterable[torch.nn.Parameter] | Iterable[dict[str, Any]]


def make_optimizer(params: Params, config: TrainConfig) -> torch.optim.Optimizer:
    """`params` are parameters or parameter groups (train/speed.py's, with weight decay).

    Adam, AdamW and SGD use torch's fused kernels (one kernel per group instead of ~10 per
    tensor): on stacked-mnist this took the optimizer step from about a quarter of the step to
    ~7% (benchmarks/suite.py). RMSprop and Adadelta have no fused version in torch.
    """
    return lookup("optimizer", config.optimizer, "--optimizer")(params, learning_rate(config))


def learning_rate(config: TrainConfig) -> float:
    """`--lr`, else the optimizer's default."""
    lookup("optimizer", config.optimizer, "--optimizer")
    return config.lr if config.lr is not None else defaults("optimizer", config.optimizer)["lr"]


@register("optimizer", "adam", lr=1e-3)
def adam(params: Params, lr: float) -> torch.optim.Optimizer:
    """Adam (default lr 1e-3)."""
    return torch.optim.Adam(params, lr=lr, fused=True)


@register("optimizer", "adamw", lr=1e-3)
def adamw(params: Params, lr: float) -> torch.optim.Optimizer:
    """Adam with decoupled weight decay (torch's default 0.01 on every parameter group that
    sets none; default lr 1e-3); --l2 still adds its penalty on top."""
    return torch.optim.AdamW(params, lr=lr, fused=True)


@register("optimizer", "sgd", lr=1e-2)
def sgd(params: Params, lr: float) -> torch.optim.Optimizer:
    """Plain SGD (default lr 1e-2)."""
    return torch.optim.SGD(params, lr=lr, fused=True)


@register("optimizer", "adadelta", lr=1.0)
def adadelta(params: Params, lr: float) -> torch.optim.Optimizer:
    """Adadelta as Keras 2: lr 1.0, rho 0.95, epsilon 1e-7."""
    return torch.optim.Adadelta(params, lr=lr, rho=0.95, eps=1e-7)


@register("optimizer", "rmsprop", lr=1e-3)
def rmsprop(params: Params, lr: float) -> torch.optim.Optimizer:
    """RMSprop as Keras/TF: decay 0.9 (torch's alpha), epsilon 1e-7 (default lr 1e-3)."""
    return torch.optim.RMSprop(params, lr=lr, alpha=0.9, eps=1e-7)
