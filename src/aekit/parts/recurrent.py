"""`lstm`: the sequence-to-sequence autoencoder of the Keras blog (seed 004).

An LSTM reads the series (N, T, C); its last hidden state is the code (Keras blog, `hidden` 16)
or, with more sizes, is mapped to the code by a linear layer (`hidden` 64,4: LSTM 64, code 4), as
a small LSTM is a weak reader. The decoder maps the code back (linear, when there is one),
repeats it over the T steps (Keras' RepeatVector), runs an LSTM and maps each step linearly to
the C channels. Each LSTM is its own module so stacked layer sizes may differ.
"""

from __future__ import annotations

import itertools

import torch
from torch import nn

from aekit.config import ModelConfig
from aekit.errors import AekitError
from aekit.registry import register


def _stack(sizes: list[int]) -> nn.ModuleList:
    return nn.ModuleList(nn.LSTM(a, b, batch_first=True) for a, b in itertools.pairwise(sizes))


class LSTMEncoder(nn.Module):
    """(N, T, C) -> (N, code): the last layer's final hidden state, then a linear map if any."""

    def __init__(self, sizes: list[int], code: int | None):
        super().__init__()
        self.layers = _stack(sizes)
        self.to_code = nn.Linear(sizes[-1], code) if code else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x, (h, _) = layer(x)
        return self.to_code(h[-1])


class LSTMDecoder(nn.Module):
    """(N, code) -> (N, T, C): the code repeated over time, LSTMs, then a linear map per step."""

    def __init__(self, code: int | None, sizes: list[int], steps: int, channels: int):
        super().__init__()
        self.steps = steps
        self.from_code = nn.Linear(code, sizes[0]) if code else nn.Identity()
        self.layers = _stack(sizes)
        self.out = nn.Linear(sizes[-1], channels)

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        h = self.from_code(code).unsqueeze(1).expand(-1, self.steps, -1)
        for layer in self.layers:
            h, _ = layer(h)
        return self.out(h)


@register("arch", "lstm")
def lstm(config: ModelConfig) -> tuple[nn.Module, nn.Module]:
    """Seq2seq LSTM autoencoder for series (T, C): LSTM, code, repeat, LSTM (seed 004)."""
    if len(config.input_shape) != 2:
        raise AekitError("--model lstm: needs series (T, C): a .ts file, --kind series or "
                         f"--window; got samples shaped {list(config.input_shape)}")
    steps, channels = config.input_shape
    *lstms, last = config.hidden
    code = last if lstms else None
    lstms = lstms or [last]
    return (LSTMEncoder([channels, *lstms], code),
            LSTMDecoder(code, [lstms[-1], *lstms[::-1]], steps, channels))
