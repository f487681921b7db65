"""The scaling fitted on training data and stored in the run, so every later command applies
the same one: images divided by their full scale into [0, 1] (or [-1, 1] for a tanh output),
tabular data and series standardised."""

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

    @property
    def full_scale(self) -> float:
        """For images, the raw value of a white pixel: model unit 1 maps back to it."""
        return float(np.max(self.offset + self.scale))

    def to_unit(self, z: np.ndarray) -> np.ndarray:
        """Model-unit images as [0, 1] for drawing, whatever the scaling: the one un-scaling
        every figure uses."""
        return self.undo(z) / self.full_scale

    def to_dict(self) -> dict[str, Any]:
        """Offset and scale as the smallest arrays they are broadcast from, and the shape they
        are broadcast to: a series' scaling is per channel, repeated over its steps, and a
        long series would otherwise fill config.json with millions of repeats."""
        return {"offset": _compact(self.offset).tolist(), "scale": _compact(self.scale).tolist(),
                "shape": list(self.offset.shape)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scaling:
        try:
            with np.errstate(over="ignore"):  # a value past float32 becomes inf, refused below
                offset = np.asarray(data["offset"], np.float32)
                scale = np.asarray(data["scale"], np.float32)
            if "shape" in data:  # written compact (see to_dict); older runs hold full arrays
                shape = tuple(int(n) for n in data["shape"])
                offset, scale = (np.broadcast_to(a, shape) for a in (offset, scale))
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise AekitError(f"config.json: data.scaling is malformed ({exc})") from None
        if offset.shape != scale.shape or not (scale > 0).all() \
                or not np.isfinite(offset).all() or not np.isfinite(scale).all():
            raise AekitError("config.json: data.scaling needs finite offset and scale of one "
                             "shape, scale > 0")
        return cls(offset, scale)


def _compact(values: np.ndarray) -> np.ndarray:
    """`values` with every axis along which it does not change cut to length 1."""
    for axis in range(values.ndim):
        first = values.take([0], axis)
        if values.shape[axis] > 1 and (values == first).all():
            values = first
    return values


def resolve(how: str, kind: str, output: str) -> str:
    """The scaling `auto` stands for: a tanh output can only reach [-1, 1], so images go there."""
    if how != "auto":
        return how
    if kind == "image":
        return "symmetric" if output == "tanh" else "unit"
    return "standard"


def fit_scaling(data: Dataset, how: str = "auto") -> Scaling:
    """Fit `how` (unit: [0, 1], symmetric: [-1, 1], standard: mean 0 std 1) on `data`.

    Images use their full scale (not the sample's range) so every image maps the same way;
    series are standardised per channel over all time steps, then broadcast to (T, C), so the
    stored scaling has the sample shape that `check_shape` compares.
    """
    how = resolve(how, data.kind, "none")
    if data.kind == "image" and how in ("unit", "symmetric"):
        return finish_scaling(how, data, None, None)
    axes = (0, 1) if data.kind == "series" else 0
    x = data.x.astype(np.float64)  # nan-aware: the padding of series (NaN) is no data
    if how == "standard":
        return finish_scaling(how, data, np.nanmean(x, axis=axes), np.nanstd(x, axis=axes))
    return finish_scaling(how, data, np.nanmin(x, axis=axes), np.nanmax(x, axis=axes))


def finish_scaling(how: str, data: Dataset, a: Any, b: Any) -> Scaling:
    """The Scaling from statistics of the training data, however they were gathered (in memory
    or in one streaming pass): (mean, std) for standard, (min, max) for unit and symmetric;
    images scaled by their full scale need none (a and b None)."""
    if data.kind == "image" and how in ("unit", "symmetric"):
        half = data.full_scale / 2 if how == "symmetric" else 0.0
        return Scaling(np.full((), half, np.float32),
                       np.full((), data.full_scale - half, np.float32))
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if how == "standard":
        offset, scale = a, b.copy()
    else:
        offset, scale = (a, b - a) if how == "unit" else ((b + a) / 2, (b - a) / 2)
    scale[scale == 0] = 1.0
    if data.kind == "series":
        offset, scale = (np.broadcast_to(v, data.x.shape[1:]) for v in (offset, scale))
    return Scaling(offset.astype(np.float32), scale.astype(np.float32))

def check_shape(scaling: Scaling, x: np.ndarray, source: str) -> None:
    """Refuse data whose sample shape does not match what the scaling was fitted on."""
    if scaling.offset.ndim and x.shape[1:] != scaling.offset.shape:
        raise AekitError(f"{source}: samples have shape {x.shape[1:]}, the model expects "
                         f"{scaling.offset.shape}")
