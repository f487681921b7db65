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

import numpy as np
import torch
from torch import nn


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


def zero_last(module: nn.Module) -> nn.Module:
    """Zero the last linear or conv layer's weights and bias, so the body adds 0 at the start."""
    layers = (nn.Linear, nn.Conv1d, nn.ConvTranspose1d)
    last = [m for m in module.modules() if isinstance(m, layers)]
    if last:  # an LSTM whose final state is the code has no layer to zero
        nn.init.zeros_(last[-1].weight)
        if last[-1].bias is not None:
            nn.init.zeros_(last[-1].bias)
    return module
