"""Input corruption for denoising autoencoders: `--noise KIND:LEVEL[+clip]`.

Each kind is a registered function `(x, level, generator) -> noisy x`. All draw from torch's
global RNG unless given a generator, so the Trainer's saved RNG state makes a resumed run draw
the same noise as an uninterrupted one, and `aekit denoise --seed N` can repeat its noise exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from aekit.errors import AekitError
from aekit.registry import lookup, register

_PROBABILITY_KINDS = ("dropout", "masking", "saltpepper")


@dataclass(frozen=True)
class NoiseSpec:
    """A parsed `KIND:LEVEL[+clip]`; `clip` clamps the corrupted input to the data range [0, 1]."""

    kind: str
    level: float
    clip: bool = False


def parse_noise(spec: str) -> NoiseSpec:
    """Parse and check `gaussian:1.0`, `dropout:0.5`, `gaussian:0.5+clip`, ... once, up front."""
    body, _, suffix = spec.partition("+")
    if suffix not in ("", "clip"):
        raise AekitError(f"--noise: unknown suffix '+{suffix}' in {spec!r}; only '+clip' exists")
    kind, sep, level_text = body.partition(":")
    if not sep:
        raise AekitError(f"--noise: expected KIND:LEVEL like gaussian:1.0, got {spec!r}")
    lookup("noise", kind, "--noise")
    try:
        level = float(level_text)
    except ValueError:
        raise AekitError(f"--noise: level must be a number, got {level_text!r}") from None
    if not level >= 0:
        raise AekitError(f"--noise: level must be >= 0, got {level_text}")
    if kind in _PROBABILITY_KINDS and level > 1:
        raise AekitError(f"--noise: {kind} level is a probability in [0, 1], got {level}")
    return NoiseSpec(kind, level, suffix == "clip")


def _uniform(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    return torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)


@register("noise", "gaussian")
def gaussian(x: torch.Tensor, level: float, generator: torch.Generator | None = None
             ) -> torch.Tensor:
    """Additive N(0, level^2) noise (seed 000: 1.0; seed 004: 0.5 with +clip)."""
    noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    return x + level * noise


@register("noise", "dropout")
def dropout(x: torch.Tensor, level: float, generator: torch.Generator | None = None
            ) -> torch.Tensor:
    """Drop each input with probability `level`, scaling the rest by 1/(1-level) (tf dropout)."""
    if level >= 1:
        return torch.zeros_like(x)
    return x * (_uniform(x, generator) >= level) / (1 - level)


@register("noise", "masking")
def masking(x: torch.Tensor, level: float, generator: torch.Generator | None = None
            ) -> torch.Tensor:
    """Zero each input with probability `level`, no rescaling (Vincent et al.'s masking noise)."""
    return x * (_uniform(x, generator) >= level)


@register("noise", "saltpepper")
def saltpepper(x: torch.Tensor, level: float, generator: torch.Generator | None = None
               ) -> torch.Tensor:
    """Set a fraction `level` of inputs to 0 or 1 (equally likely): the data range's extremes."""
    hit = _uniform(x, generator) < level
    salt = (_uniform(x, generator) < 0.5).to(x.dtype)
    return torch.where(hit, salt, x)


def corrupt(x: torch.Tensor, spec: NoiseSpec, generator: torch.Generator | None = None
            ) -> torch.Tensor:
    """Apply `spec` to `x` regardless of training mode (what `aekit denoise` needs)."""
    noisy = lookup("noise", spec.kind)(x, spec.level, generator)
    return noisy.clamp(0, 1) if spec.clip else noisy


class Corruption(nn.Module):
    """Corrupts its input in training mode only; in eval mode it passes the input through."""

    def __init__(self, spec: NoiseSpec):
        super().__init__()
        self.spec = spec

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return corrupt(x, self.spec) if self.training else x


def build_noise(spec: str | None) -> nn.Module:
    """The corruption module for `ModelConfig.noise`, or identity when there is none."""
    return nn.Identity() if spec is None else Corruption(parse_noise(spec))

