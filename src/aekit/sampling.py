"""Generating with a trained autoencoder: prior samples, interpolations, 2-D latent manifolds,
and sampling chains of denoising autoencoders.

Everything returns arrays in the model's (scaled) units, shaped (N, *input_shape); callers undo
the scaling for files and figures.
"""

from __future__ import annotations

import numpy as np
import torch

from aekit.data.scaling import Scaling
from aekit.errors import AekitError
from aekit.metrics import encode, infer
from aekit.model import Autoencoder
from aekit.parts.noise import corrupt, parse_noise


def _decode(model: Autoencoder, codes: torch.Tensor) -> np.ndarray:
    return infer(model, codes.cpu().numpy(), model.decode)


def sample(model: Autoencoder, n: int, seed: int = 0) -> np.ndarray:
    """n decoded draws from the model's prior (a VAE's N(0, I), an AAE's prior)."""
    if n < 1:
        raise AekitError(f"--n: must be >= 1, got {n}")
    return _decode(model, model.sample_codes(n, torch.Generator().manual_seed(seed)))


def interpolate(model: Autoencoder, a: np.ndarray, b: np.ndarray, steps: int = 10
                ) -> np.ndarray:
    """Decoded codes on the straight line from a's code to b's (both ends included)."""
    codes = encode(model, np.stack([a, b]))
    weights = np.linspace(0, 1, steps, dtype=np.float32)[:, None]
    return _decode(model, torch.as_tensor((1 - weights) * codes[0] + weights * codes[1]))


def latent_grid(model: Autoencoder, n: int = 15) -> np.ndarray:
    """Seed 004's manifold: a 2-D code decoded over an n x n grid of the Gaussian's quantiles
    5%..95% (z2 falling down the rows, z1 rising along them), as n * n images."""
    if model.code_size != 2:
        raise AekitError(f"--grid: needs a 2-D code, this model's code has "
                         f"{model.code_size} dimensions")
    if n < 2:
        raise AekitError(f"--grid: needs at least 2 points per side, got {n}")
    quantiles = torch.special.ndtri(torch.linspace(0.05, 0.95, n))
    z1, z2 = torch.meshgrid(quantiles, quantiles.flip(0), indexing="xy")
    return _decode(model, torch.stack([z1.flatten(), z2.flatten()], dim=1))


def image_range(scaling: Scaling) -> tuple[float, float]:
    """Where a black and a white pixel land in model units: [0, 1] for unit scaling, [-1, 1]
    for symmetric; a chain's start noise must span the range the model was trained on."""
    low, high = scaling.apply(np.zeros(1)), scaling.apply(np.full(1, scaling.full_scale))
    return float(np.min(low)), float(np.max(high))


def gsn_chain(model: Autoencoder, n: int, steps: int, seed: int = 0,
              noise: str | None = None, start: tuple[float, float] = (0.0, 1.0)
              ) -> np.ndarray:
    """Sampling chains of a denoising AE (Bengio et al. 2013): from uniform noise on `start`
    (the data's range in model units, `image_range`), alternate the training corruption and
    reconstruction. Returns (steps + 1, n, *input_shape), the start first."""
    spec_text = noise or model.config.noise
    if spec_text is None:
        raise AekitError("--chain: needs a denoising run (trained with --noise) or --noise "
                         "KIND:LEVEL to corrupt with")
    if steps < 1:
        raise AekitError(f"--chain: needs at least 1 step, got {steps}")
    spec = parse_noise(spec_text)
    generator = torch.Generator().manual_seed(seed)
    low, high = start
    x = low + (high - low) * torch.rand((n, *model.config.input_shape), generator=generator)
    chain = [x.numpy()]
    for _ in range(steps):
        recon = infer(model, corrupt(torch.as_tensor(chain[-1]), spec, generator).numpy(),
                      lambda xb: model(xb).recon)
        chain.append(recon)
    return np.stack(chain)
