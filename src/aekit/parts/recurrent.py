"""`lstm`: the sequence-to-sequence autoencoder of the Keras blog (seed 004).

An LSTM reads the series (N, T, C); its last hidden state is the code (Keras blog, `hidden` 16)
or, with more sizes, is mapped to the code by a linear layer (`hidden` 64,4: LSTM 64, code 4), as
a small LSTM is a weak reader. The decoder maps the code back (linear, when there is one),
repeats it over the steps (Keras' RepeatVector), runs an LSTM and maps each step linearly to
the C channels. Each LSTM is its own module so stacked layer sizes may differ.

Long series are read in patches of `patch` steps (one LSTM step reads patch x C values): an LSTM
over 1,460 steps is slow on a CPU and forgets its start, so the default patch keeps at most
MAX_STEPS LSTM steps. With `linear_path` the model is PCA plus this network (parts/linear_path).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from aekit.config import ModelConfig, opt, positive
from aekit.errors import AekitError
from aekit.parts.linear_path import (
    SERIES_MODEL_DEFAULTS,
    SERIES_TRAIN_DEFAULTS,
    LinearDecoder,
    LinearEncoder,
    LinearPathOptions,
    fill_padding,
    zero_last,
)
from aekit.registry import register

MAX_STEPS = 64
"""LSTM steps the default patch aims for: GunPoint (150 steps) is read in 50 patches of 3."""


def default_patch(steps: int) -> int:
    return math.ceil(steps / MAX_STEPS)


CLOCK = 8
"""Sine and cosine features of the step index the decoder reads beside the repeated code, so
it need not count steps itself to know where in the series it is."""


@dataclass(frozen=True, kw_only=True)
class LSTMOptions(LinearPathOptions):
    """How many series steps one LSTM step reads, and the linear path."""

    patch: int | None = opt(None, "series steps read per LSTM step (default: ceil(steps / 64))")

    def __post_init__(self) -> None:
        super().__post_init__()
        positive("model", "patch", self.patch)


def _clock(steps: int) -> torch.Tensor:
    """(steps, CLOCK): sin and cos of the position at CLOCK / 2 frequencies, the slowest one
    turning half a circle over the series."""
    position = torch.arange(steps, dtype=torch.float32)[:, None] / max(steps, 1)
    angles = position * math.pi * 2.0 ** torch.arange(CLOCK // 2, dtype=torch.float32)
    return torch.cat([angles.sin(), angles.cos()], dim=1)


def _stack(sizes: list[int]) -> nn.ModuleList:
    return nn.ModuleList(nn.LSTM(a, b, batch_first=True) for a, b in itertools.pairwise(sizes))


class LSTMEncoder(nn.Module):
    """(N, T, C) -> (N, code): the last layer's final hidden state, then a linear map if any."""

    def __init__(self, sizes: list[int], code: int | None, patch: int = 1):
        super().__init__()
        self.patch = patch
        self.layers = _stack([sizes[0] * patch, *sizes[1:]])
        self.to_code = nn.Linear(sizes[-1], code) if code else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = fill_padding(x)
        if self.patch > 1:  # (N, T, C) -> (N, ceil(T / patch), patch * C), zero-padded
            x = F.pad(x, (0, 0, 0, -x.shape[1] % self.patch))
            x = x.reshape(x.shape[0], -1, self.patch * x.shape[2])
        for layer in self.layers:
            x, (h, _) = layer(x)
        return self.to_code(h[-1])


class LSTMDecoder(nn.Module):
    """(N, code) -> (N, T, C): the code repeated over time, LSTMs, then a linear map per step."""

    def __init__(self, code: int | None, sizes: list[int], steps: int, channels: int,
                 patch: int = 1):
        super().__init__()
        self.steps, self.patch = steps, patch
        self.from_code = nn.Linear(code, sizes[0]) if code else nn.Identity()
        self.register_buffer("clock", _clock(math.ceil(steps / patch)), persistent=False)
        self.layers = _stack([sizes[0] + CLOCK, *sizes[1:]])
        self.out = nn.Linear(sizes[-1], channels * patch)

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        h = self.from_code(code).unsqueeze(1).expand(-1, len(self.clock), -1)
        h = torch.cat([h, self.clock.expand(len(h), -1, -1)], dim=2)
        for layer in self.layers:
            h, _ = layer(h)
        out = self.out(h)  # (N, steps / patch, patch * C)
        return out.reshape(out.shape[0], -1, out.shape[2] // self.patch)[:, :self.steps]


@register("arch", "lstm", options=LSTMOptions, model_defaults=SERIES_MODEL_DEFAULTS,
          train_defaults=SERIES_TRAIN_DEFAULTS)
def lstm(config: ModelConfig) -> tuple[nn.Module, nn.Module]:
    """Seq2seq LSTM autoencoder for series (T, C): LSTM, code, repeat, LSTM (seed 004)."""
    if len(config.input_shape) != 2:
        raise AekitError("--model lstm: needs series (T, C): a .ts file, --kind series or "
                         f"--window; got samples shaped {list(config.input_shape)}")
    if not config.hidden:
        raise AekitError("model.hidden (--hidden): an lstm model needs its LSTM size, e.g. 16")
    steps, channels = config.input_shape
    options: LSTMOptions = config.part_options("arch")
    patch = options.patch or default_patch(steps)
    *lstms, last = config.hidden
    code = last if lstms else None
    lstms = lstms or [last]
    encoder = LSTMEncoder([channels, *lstms], code, patch)
    decoder = LSTMDecoder(code, [lstms[-1], *lstms[::-1]], steps, channels, patch)
    if not options.linear_path:
        return encoder, decoder
    shape = tuple(config.input_shape)
    return (LinearEncoder(zero_last(encoder), shape, last),
            LinearDecoder(zero_last(decoder), shape, last))
