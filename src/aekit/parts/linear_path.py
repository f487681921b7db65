"""A linear path beside a series model's encoder and decoder, set to PCA of the training data.

code = PCA(x) + body(x) and recon = PCA^-1(code) + body(code): the network starts exactly at
PCA with the same code size (the bodies' last layers start at zero) and learns only what PCA
misses. Without it, seq2seq LSTMs on short, smooth UCR series sit on a plateau near the mean for
hundreds of epochs and end in a basin that depends on the torch thread count (keras-lstm on
GunPoint: 0.021 with 1 thread, 0.090 with 2, PCA-8 0.008). The PCA maps are buffers, not
parameters: Adam would move weights whose gradient is ~0 by ~lr a step, off the optimum.
Padded steps (NaN, see data/ts.py) enter every path as 0, the training mean after scaling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from aekit.config import PartOptions, opt

SERIES_MODEL_DEFAULTS: dict[str, Any] = {"hidden": [64, 4], "output": "none",
                                         "linear_path": True}
SERIES_TRAIN_DEFAULTS: dict[str, Any] = {"lr": 0.003, "batch_size": 8, "clip_grad": 1.0,
                                         "schedule": "cosine", "restore_best": True}
"""The sequence models' recipe, what `aekit train --model lstm` (or conv1d) uses for options
not given: code 4 after a 64-wide layer, PCA plus the network, gradient clipping, warm-up +
cosine learning rate, and the weights of the best validation epoch. Measured in
benchmarks/series.py."""


@dataclass(frozen=True, kw_only=True)
class LinearPathOptions(PartOptions):
    """A sequence model's choice of a linear path beside its network."""

    linear_path: bool = opt(False, "the model is PCA of the training data plus the network, "
                            "which learns what PCA misses (default for lstm and conv1d: on)",
                            negatable=True)


def fill_padding(x: torch.Tensor) -> torch.Tensor:
    """Padded steps (NaN) as 0: after standardisation, the channel's training mean."""
    return torch.nan_to_num(x, nan=0.0)


class FillPadding(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return fill_padding(x)


class LinearEncoder(nn.Module):
    """(N, *shape) -> (N, code): `body(x)` plus the PCA projection of x."""

    def __init__(self, body: nn.Module, shape: tuple[int, ...], code: int):
        super().__init__()
        self.body = body
        features = math.prod(shape)
        self.register_buffer("components", torch.zeros(code, features))
        self.register_buffer("mean", torch.zeros(features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = fill_padding(x)
        return self.body(x) + (x.flatten(1) - self.mean) @ self.components.T


class LinearDecoder(nn.Module):
    """(N, code) -> (N, *shape): `body(code)` plus the PCA reconstruction from the code."""

    def __init__(self, body: nn.Module, shape: tuple[int, ...], code: int):
        super().__init__()
        self.body, self.shape = body, shape
        features = math.prod(shape)
        self.register_buffer("components", torch.zeros(code, features))
        self.register_buffer("mean", torch.zeros(features))

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        linear = code @ self.components + self.mean
        return self.body(code) + linear.view(-1, *self.shape)


def has_linear_path(encoder: nn.Module, decoder: nn.Module) -> bool:
    return isinstance(encoder, LinearEncoder) and isinstance(decoder, LinearDecoder) \
        and encoder.components.shape == decoder.components.shape  # not a VAE's (mean, var)


def fit_pca(encoder: nn.Module, decoder: nn.Module, x: np.ndarray) -> bool:
    """Set both linear paths to PCA of `x` (scaled training data, NaN = padding); False when the
    model has none. Components past the data's rank stay zero."""
    if not has_linear_path(encoder, decoder):
        return False
    flat = np.nan_to_num(x.reshape(len(x), -1).astype(np.float64), nan=0.0)
    mean = flat.mean(axis=0)
    _, singular, vt = np.linalg.svd(flat - mean, full_matrices=False)
    code = encoder.components.shape[0]
    rank = min(code, len(vt))
    spread = np.ones(code)  # each PCA code's std on the training data: codes of unit scale
    spread[:rank] = np.maximum(singular[:rank] / np.sqrt(len(flat)), 1e-6)
    components = np.zeros((code, flat.shape[1]))
    components[:rank] = vt[:rank]
    for path, scaled in ((encoder, components / spread[:, None]),
                         (decoder, components * spread[:, None])):
        path.components.copy_(torch.as_tensor(scaled, dtype=torch.float32))
        path.mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
    return True


SHRINK_FACTORS = (0.05, 0.1, 0.2, 0.35, 0.5, 0.75)
"""Shares of the trained network's output tried beside the whole of it (see `shrink_network`)."""


def scale_last(module: nn.Module, factor: float) -> bool:
    """Multiply the last linear or conv layer's weights and bias by `factor`, which scales the
    body's output by it; False when the body has none (an LSTM whose final state is the code)."""
    layers = (nn.Linear, nn.Conv1d, nn.ConvTranspose1d)
    last = [m for m in module.modules() if isinstance(m, layers)]
    if not last:
        return False
    with torch.no_grad():
        last[-1].weight.mul_(factor)
        if last[-1].bias is not None:
            last[-1].bias.mul_(factor)
    return True


def zero_last(module: nn.Module) -> nn.Module:
    """Zero the last linear or conv layer, so the body adds 0 at the start."""
    scale_last(module, 0.0)
    return module


def shrink_network(model: nn.Module, factor: float) -> bool:
    """Scale the network's part of a linear-path model by `factor`, in place: between PCA (0)
    and the trained model (1). Shrinking a fit toward a sound baseline, as boosting's step size
    does, keeps what the network learnt that generalises where the whole of it overfits: on
    small series sets the first epoch can already be worse on validation than PCA, while a
    quarter of it is better. False (model untouched) for a model without a linear path."""
    encoder, decoder = getattr(model, "encoder", None), getattr(model, "decoder", None)
    if not has_linear_path(encoder, decoder):
        return False
    scale_last(encoder.body, factor)
    scale_last(decoder.body, factor)
    return True
