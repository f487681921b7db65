"""Per-sample anomaly scores of a trained autoencoder, registered by name.

An autoencoder trained on normal data reconstructs normal inputs well and others badly, so the
per-sample reconstruction error is an anomaly score (higher = more anomalous). Scores are
registered under kind "score" (`mse`, `bce`, `l1`, `l2`, `linf`); each is a function
`(model, x_scaled) -> (N,) float64`, so a model-specific score (a VAE's negative ELBO) is one
more `register("score", name)` entry. A score that needs statistics of the training data
(`code`: distance of the code from the training codes; `mse+code`; `knn` and `mse+knn` in
`scores/neighbours.py`) also registers a `"score_fit"` function whose arrays are passed to it
as keywords. They sit below `runs/`, which stores a run's training scores, and `detect/`, which
turns them into thresholds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from aekit.errors import AekitError
from aekit.metrics import code_covariance, flat_codes, infer, neg_elbo_per_sample, squared_errors
from aekit.registry import register

Residual = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (x, recon), (N, D) -> (N,)


def _residual_score(model: torch.nn.Module, x: np.ndarray, reduce: Residual) -> np.ndarray:
    return infer(model, x, lambda xb: reduce(xb.flatten(1), model(xb).recon.flatten(1))
                 ).astype(np.float64)


@register("score", "mse")
def mse(model: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    """Mean squared reconstruction error per sample."""
    return squared_errors(model, x)


@register("score", "bce")
def bce(model: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    """Mean binary cross-entropy per sample (data in [0, 1])."""
    if len(x) and (x.min() < 0 or x.max() > 1):
        raise AekitError("--score: bce needs data in [0, 1] (images); use mse")
    return _residual_score(model, x, lambda a, r: torch.nn.functional.binary_cross_entropy(
        r.clamp(1e-7, 1 - 1e-7), a, reduction="none").mean(1))


@register("score", "l1")
def l1(model: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    """Mean absolute reconstruction error per sample."""
    return _residual_score(model, x, lambda a, r: (a - r).abs().mean(1))


@register("score", "l2")
def l2(model: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    """Euclidean norm of the residual per sample."""
    return _residual_score(model, x, lambda a, r: torch.linalg.vector_norm(a - r, dim=1))


@register("score", "linf")
def linf(model: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    """Largest absolute residual per sample: one badly reconstructed pixel or step."""
    return _residual_score(model, x, lambda a, r: (a - r).abs().amax(1))


# --- scores fitted to the training data: kind "score_fit" returns the arrays the score needs ---


@register("score", "elbo")
def elbo(model: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    """A VAE's negative ELBO in nats: reconstruction and KL together, the likelihood view."""
    return neg_elbo_per_sample(model, x)


@register("score_fit", "code")
def fit_code(model: torch.nn.Module, x_train: np.ndarray) -> dict[str, np.ndarray]:
    """Mean and precision of a Gaussian over the training codes."""
    codes = flat_codes(model, x_train)
    return {"mean": codes.mean(0), "precision": np.linalg.inv(code_covariance(codes))}


@register("score", "code")
def code(model: torch.nn.Module, x: np.ndarray, *, mean: np.ndarray, precision: np.ndarray
         ) -> np.ndarray:
    """Squared Mahalanobis distance of the code from the training codes: how unusual an
    input's code is, even where the decoder reconstructs it well."""
    centred = flat_codes(model, x) - mean
    return np.einsum("ij,jk,ik->i", centred, precision, centred)


@register("score_fit", "mse+code")
def fit_mse_code(model: torch.nn.Module, x_train: np.ndarray) -> dict[str, np.ndarray]:
    """The code Gaussian, and each score's spread on the training data to put them on a par."""
    state = fit_code(model, x_train)
    return {**state, "mse_scale": np.std(mse(model, x_train)),
            "code_scale": np.std(code(model, x_train, **state))}


@register("score", "mse+code")
def mse_code(model: torch.nn.Module, x: np.ndarray, *, mse_scale: np.ndarray,
             code_scale: np.ndarray, **state: np.ndarray) -> np.ndarray:
    """MSE plus code distance, each divided by its training spread: an input must be both
    well reconstructed and typical in code space to score low."""
    return mse(model, x) / mse_scale + code(model, x, **state) / code_scale
