"""The figures every finished run gets: loss curves, reconstructions, prior samples and the 2-D
manifold (generative models), first-layer features and a unit's top inputs (dense models)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from aekit import metrics, sampling
from aekit.data.prepare import Prepared
from aekit.model import Autoencoder
from aekit.report import features, plots


def held_out(prepared: Prepared) -> np.ndarray:
    return prepared.val if len(prepared.val) else prepared.train


def to_unit(prepared: Prepared) -> Callable[[np.ndarray], np.ndarray] | None:
    """Scaled image inputs back to [0, 1] for display, whatever the scaling; None otherwise."""
    if prepared.data.kind != "image":
        return None
    return prepared.scaling.to_unit


def write_figures(out: Path, model: Autoencoder, history: list[dict[str, Any]],
                  prepared: Prepared) -> None:
    figures = out / "figures"
    if history:
        plots.loss_curves(history, figures / "loss.png", f"{model.config.arch} on "
                          f"{prepared.data.name}")
    unit = to_unit(prepared)
    if unit is not None:
        sample = held_out(prepared)[:plots.SHOWN]
        plots.reconstructions(unit(sample), unit(metrics.reconstruct(model, sample)),
                              figures / "reconstructions.png")
        if model.can_generate:  # prior samples, and seed 004's manifold for a 2-D code
            full = prepared.scaling.to_unit(sampling.sample(model, 64))
            plots.image_grid(full, 8, figures / "samples.png", f"{model.config.arch} samples")
            if model.code_size == 2:
                grid = prepared.scaling.to_unit(sampling.latent_grid(model, 15))
                plots.image_grid(grid, 15, figures / "manifold.png",
                                 pad=0)
        if features.first_dense(model) is not None:
            features.weight_grid(model, figures / "features.png")
            features.top_inputs(model, prepared.train, 0, figures / "unit_0_top.png")
