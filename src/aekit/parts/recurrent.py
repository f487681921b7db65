"""`lstm`: the sequence-to-sequence autoencoder of the Keras blog (seed 004).

An LSTM stack reads the series (N, T, C); its last hidden state is the code. The decoder
repeats the code over the T steps (Keras' RepeatVector), runs an LSTM stack back up, and a
linear layer per step maps to the C channels. Each LSTM is its own module so layer sizes can
differ (`hidden` 64,16: encoder C->64->16, decoder 16->16->64->C).
"""

from __future__ import annotations

import torch
from torch import nn

from aekit.config import ModelConfig
from aekit.errors import AekitError
from aekit.registry import register


def _stack(sizes: list[int]) -> nn.ModuleList:
    return nn.ModuleList(nn.LSTM(a, b, batch_first=True) for a, b in zip(sizes, sizes[1:],
                                                                          strict=False))


class LSTMEncoder(nn.Module):
    """(N, T, C) -> (N, code): the last layer's final hidden state."""

    def __init__(self, sizes: list[int]):
        super().__init__()
        self.layers = _stack(sizes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x, (h, _) = layer(x)
        return h[-1]


class LSTMDecoder(nn.Module):
    """(N, code) -> (N, T, C): the code repeated over time, LSTMs, then a linear map per step."""

    def __init__(self, sizes: list[int], steps: int, channels: int):
        super().__init__()
        self.steps = steps
        self.layers = _stack(sizes)
        self.out = nn.Linear(sizes[-1], channels)

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        h = code.unsqueeze(1).expand(-1, self.steps, -1)
        for layer in self.layers:
            h, _ = layer(h)
        return self.out(h)


@register("arch", "lstm")
def lstm(config: ModelConfig) -> tuple[nn.Module, nn.Module]:
    """Seq2seq LSTM autoencoder for series (T, C): code = last hidden state (seed 004)."""
    if len(config.input_shape) != 2:
        raise AekitError("--model lstm: needs series (T, C): a .ts file, --kind series or "
                         f"--window; got samples shaped {list(config.input_shape)}")
    steps, channels = config.input_shape
    hidden = list(config.hidden)
    return (LSTMEncoder([channels, *hidden]),
            LSTMDecoder([hidden[-1], *hidden[::-1]], steps, channels))
