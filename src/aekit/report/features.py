"""Feature visualisation (seed 000): what the first dense layer's units respond to.

Two figures: each unit's incoming weights drawn as an image shaped like the input, and the
inputs that drive one chosen unit hardest. Only dense first layers have such weight images.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from torch import nn

from aekit.errors import AekitError
from aekit.model import Autoencoder
from aekit.report.plots import image_rows

_PER_ROW = 10


def first_dense(model: Autoencoder) -> nn.Linear | None:
    """The encoder's first layer when it is a Linear that sees the whole image (C, H, W), else
    None: a unit's weights are an image only when they multiply the input's pixels, not a conv
    stack's feature maps."""
    if len(model.config.input_shape) != 3:
        return None
    first = next((m for m in model.encoder.modules() if isinstance(m, nn.Linear | nn.Conv2d)),
                 None)
    if isinstance(first, nn.Linear) and first.in_features == math.prod(model.config.input_shape):
        return first
    return None


def _require_dense(model: Autoencoder) -> nn.Linear:
    linear = first_dense(model)
    if linear is None:
        raise AekitError(f"features: need image data and a dense first layer that sees the "
                         f"pixels; this run is "
                         f"{model.config.arch} on input shape {list(model.config.input_shape)}")
    return linear


def weight_grid(model: Autoencoder, path: str | Path, units: int = 30) -> Path:
    """The incoming weights of the first `units` units, each min-max scaled to [0, 1]."""
    if units < 1:
        raise AekitError(f"--units: expected at least 1, got {units}")
    weights = _require_dense(model).weight.detach().cpu().numpy()[:units]
    lo = weights.min(axis=1, keepdims=True)
    span = np.maximum(weights.max(axis=1, keepdims=True) - lo, 1e-12)
    images = ((weights - lo) / span).reshape(-1, *model.config.input_shape)
    rows = _in_rows(images)
    labels = [f"units {i * _PER_ROW}-{i * _PER_ROW + len(r) - 1}" for i, r in enumerate(rows)]
    return image_rows(rows, labels, path, f"first-layer weights of {len(images)} units")


def _in_rows(images: np.ndarray) -> list[np.ndarray]:
    """Images in rows of _PER_ROW, the last one shorter."""
    return [images[i:i + _PER_ROW] for i in range(0, len(images), _PER_ROW)]


@torch.inference_mode()
def top_inputs(model: Autoencoder, x: np.ndarray, unit: int, path: str | Path,
               count: int = 10) -> Path:
    """The `count` inputs of `x` (scaled units) with the largest pre-activation of `unit`;
    pre-activation ranks the same as any monotonic activation and avoids saturation ties."""
    linear = _require_dense(model)
    if not 0 <= unit < linear.out_features:
        raise AekitError(f"--unit: expected 0..{linear.out_features - 1}, got {unit}")
    if len(x) == 0:
        raise AekitError("--data: no samples to rank")
    device = linear.weight.device
    scores = np.concatenate([
        (torch.as_tensor(x[i:i + 4096], device=device).flatten(1) @ linear.weight[unit]
         + linear.bias[unit]).cpu().numpy() for i in range(0, len(x), 4096)])
    best = np.argsort(-scores, kind="stable")[:count]
    rows = _in_rows(x[best])
    labels = ["top inputs"] + [""] * (len(rows) - 1)
    return image_rows(rows, labels, path, f"the {len(best)} of {len(x)} inputs that activate "
                      f"unit {unit} most")
