"""What `aekit generate` makes of a run: prior samples, an interpolation, a 2-D manifold or a
denoising chain, drawn as one figure and kept as an array in the data's own units."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from aekit import sampling
from aekit.errors import AekitError
from aekit.report import plots
from aekit.runs.run import Run

Drawing = tuple[np.ndarray, str, Callable[[str | Path], object]]


def chain(loaded: Run, n: int, steps: int, seed: int) -> Drawing:
    """`n` sampling chains of a denoising run; the figure shows up to 11 of their steps."""
    states = sampling.gsn_chain(loaded.model, n, steps, seed,
                                start=sampling.image_range(loaded.scaling))
    picked = states[np.unique(np.linspace(0, steps, min(steps + 1, 11)).astype(int))]
    rows = [loaded.scaling.to_unit(step) for step in picked[:, :min(n, 16)]]
    return states[-1], f"{n} chains of {steps} steps", lambda path: plots.image_grid(
        np.concatenate(rows), len(rows[0]), path, f"denoising chain, rows: steps 0..{steps}")


def interpolation(loaded: Run, x: np.ndarray, ends: tuple[int, int], steps: int, name: str
                  ) -> Drawing:
    """The decoded line between the codes of samples `ends` of `x`."""
    for i in ends:
        if not 0 <= i < len(x):
            raise AekitError(f"--interpolate: index {i} is outside {name} (0..{len(x) - 1})")
    samples = sampling.interpolate(loaded.model, x[ends[0]], x[ends[1]], steps)
    what = f"interpolation {ends[0]} -> {ends[1]}"
    return samples, what, lambda path: plots.image_grid(
        loaded.scaling.to_unit(samples), len(samples), path, what)


def manifold(loaded: Run, n: int) -> Drawing:
    """An n x n grid of a 2-D code's prior quantiles, decoded (seed 004)."""
    samples = sampling.latent_grid(loaded.model, n)
    return samples, f"{n}x{n} manifold", lambda path: plots.image_grid(
        loaded.scaling.to_unit(samples), n, path, pad=0)


def prior_samples(loaded: Run, n: int, seed: int) -> Drawing:
    """`n` decoded draws from the prior."""
    samples = sampling.sample(loaded.model, n, seed)
    return samples, f"{n} samples", lambda path: plots.image_grid(
        loaded.scaling.to_unit(samples), math.ceil(math.sqrt(len(samples))), path,
        f"{loaded.model_config.arch} samples, seed {seed}")


def write(loaded: Run, drawing: Drawing, figure: str | None, array: str | None,
          save: Callable[[str, np.ndarray], None]) -> str:
    """The figure (images only) and the array (`save`d in the data's units) that were asked."""
    samples, what, draw = drawing
    lines = []
    if figure:
        shape = loaded.model_config.input_shape
        if len(shape) != 3:
            raise AekitError(f"--out: only images can be drawn; samples here are shaped "
                             f"{list(shape)}, write them with --npy")
        draw(figure)
        lines.append(f"wrote {figure}: {what}")
    if array:
        save(array, loaded.scaling.undo(samples))
        lines.append(f"wrote {array}: {samples.shape}")
    if not lines:
        raise AekitError("--out/--npy: give a figure (--out PNG) or an array (--npy) to write")
    return "\n".join(lines)
