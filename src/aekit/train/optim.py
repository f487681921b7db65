"""Optimizers by name, with Keras-2 defaults where the seeds rely on them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from aekit.config import TrainConfig


def make_optimizer(params: Iterable[torch.nn.Parameter] | Iterable[dict[str, Any]],
                   config: TrainConfig) -> torch.optim.Optimizer:
    """`params` are parameters or parameter groups (train/speed.py's, with weight decay).

    Adam and SGD use torch's fused kernels (one kernel per group instead of ~10 per tensor):
    on stacked-mnist this took the optimizer step from about a quarter of the step to ~7%
    (benchmarks/suite.py). RMSprop and Adadelta have no fused version in torch.
    """
    lr = config.learning_rate
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, fused=True)
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, fused=True)
    if config.optimizer == "adadelta":  # Keras 2: lr 1.0, rho 0.95, epsilon 1e-7
        return torch.optim.Adadelta(params, lr=lr, rho=0.95, eps=1e-7)
    # rmsprop: Keras/TF decay 0.9 (torch's alpha), epsilon 1e-7
    return torch.optim.RMSprop(params, lr=lr, alpha=0.9, eps=1e-7)
