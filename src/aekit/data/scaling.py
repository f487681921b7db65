"""The scaling fitted on training data and stored in the run, so every later command applies
the same one: images divided by their full scale into [0, 1], tabular data standardised."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from aekit.data.sources import Dataset
from aekit.errors import AekitError


@dataclass(frozen=True)
class Scaling:
    """x_scaled = (x - offset) / scale, with offset and scale broadcast over samples."""

    offset: np.ndarray
    scale: np.ndarray

    def apply(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.offset) / self.scale).astype(np.float32)

    def undo(self, z: np.ndarray) -> np.ndarray:
        return (z * self.scale + self.offset).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        return {"offset": self.offset.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scaling:
        try:
            offset = np.asarray(data["offset"], np.float32)
            scale = np.asarray(data["scale"], np.float32)
        except (KeyError, TypeError, ValueError) as exc:
            raise AekitError(f"config.json: data.scaling is malformed ({exc})") from None
        if offset.shape != scale.shape or not (scale > 0).all():
            raise AekitError("config.json: data.scaling needs offset and scale of one shape, "
                             "scale > 0")
        return cls(offset, scale)


def fit_scaling(data: Dataset) -> Scaling:
    """Images: [0, full_scale] -> [0, 1]. Tabular: per-feature mean 0, std 1 (std 0 -> 1)."""
    if data.kind == "image":
        return Scaling(np.zeros((), np.float32), np.full((), data.full_scale, np.float32))
    mean = data.x.mean(axis=0, dtype=np.float64)
    std = data.x.std(axis=0, dtype=np.float64)
    std[std == 0] = 1.0
    return Scaling(mean.astype(np.float32), std.astype(np.float32))


def check_shape(scaling: Scaling, x: np.ndarray, source: str) -> None:
    """Refuse data whose sample shape does not match what the scaling was fitted on."""
    if scaling.offset.ndim and x.shape[1:] != scaling.offset.shape:
        raise AekitError(f"{source}: samples have shape {x.shape[1:]}, the model expects "
                         f"{scaling.offset.shape}")
