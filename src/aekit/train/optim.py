"""Optimizers by name, with Keras-2 defaults where the seeds rely on them."""

from __future__ import annotations

from collections.abc import Iterable

import torch

from aekit.config import TrainConfig


def make_optimizer(params: Iterable[torch.nn.Parameter], config: TrainConfig
                   ) -> torch.optim.Optimizer:
    lr = config.learning_rate
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr)
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if config.optimizer == "adadelta":  # Keras 2: lr 1.0, rho 0.95, epsilon 1e-7
        return torch.optim.Adadelta(params, lr=lr, rho=0.95, eps=1e-7)
    # rmsprop: Keras/TF decay 0.9 (torch's alpha), epsilon 1e-7
    return torch.optim.RMSprop(params, lr=lr, alpha=0.9, eps=1e-7)
