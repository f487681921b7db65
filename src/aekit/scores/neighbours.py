"""Code-space neighbour scores for one trained autoencoder: `knn` and `mse+knn`.

An input whose code lands where few training codes lie is unusual even when the decoder
reconstructs it well. A Gaussian fitted to the codes (`code`) misses this when the codes form
several clusters (the writing styles of one digit, say); the mean distance to the nearest
training codes does not assume a shape. The distance is measured after whitening the codes with
the training codes' covariance (a Mahalanobis metric): the code's high-variance directions
mostly hold variation every input shares (a stroke's width or slant), so in raw units they
drown the low-variance directions where the normal data is tight and an anomaly stands out.
Neighbours 2 to 6 are used, so a training row does not count itself and every row, seen in
training or not, is scored alike.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.neighbors import NearestNeighbors

from aekit.metrics import code_covariance, flat_codes, spread, squared_errors
from aekit.registry import register

NEIGHBOURS = 5
REFERENCE_CODES = 10_000  # training codes the neighbour distance is measured against


def neighbour_distance(reference: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Mean distance of each code to its 2nd to (NEIGHBOURS + 1)th nearest reference codes.

    The search runs over the distinct reference codes, each with its count: a tree search
    prunes nothing among codes at one distance, so a constant input (a stuck sensor: every
    code the same) made it visit every reference code for every query. Expanding each
    distinct neighbour's distance by its count gives the same distances as the plain search.
    """
    k = min(NEIGHBOURS + 1, len(reference))
    distinct, counts = np.unique(reference, axis=0, return_counts=True)
    nearest = min(k, len(distinct))  # k distinct codes always hold k codes with their repeats
    distances, which = NearestNeighbors(n_neighbors=nearest).fit(distinct).kneighbors(codes)
    repeats = counts[which]  # (queries, nearest): how many reference codes each one stands for
    ranks = np.arange(k)
    ends = np.cumsum(repeats, axis=1)  # the k nearest codes: rank r is the first distinct
    slot = (ranks[None, :, None] < ends[:, None, :]).argmax(2)  # neighbour whose count covers it
    expanded = np.take_along_axis(distances, slot, axis=1)
    return expanded[:, 1:].mean(1) if k > 1 else expanded[:, 0]


def reference_rows(n_rows: int, seed: int = 0) -> np.ndarray:
    """A seeded sample of at most REFERENCE_CODES row indices, in order."""
    return np.sort(np.random.default_rng(seed).permutation(n_rows)[:REFERENCE_CODES])


def whitening(codes: np.ndarray) -> dict[str, np.ndarray]:
    """Mean and matrix that map codes to uncorrelated unit-variance coordinates (the training
    codes' Mahalanobis metric becomes Euclidean)."""
    values, vectors = np.linalg.eigh(code_covariance(codes))
    return {"code_mean": codes.mean(0), "whitening": vectors / np.sqrt(values)}


def _whitened(codes: np.ndarray, code_mean: np.ndarray, whitening: np.ndarray) -> np.ndarray:
    return (codes - code_mean) @ whitening


@register("score_fit", "knn")
def fit_knn(model: torch.nn.Module, x_train: np.ndarray) -> dict[str, np.ndarray]:
    """The whitening of the training codes and the whitened reference codes (those of a seeded
    sample of the training rows)."""
    codes = flat_codes(model, x_train[reference_rows(len(x_train))])
    metric = whitening(codes)
    return {"rows_reference": _whitened(codes, **metric), **metric}


@register("score", "knn")
def knn(model: torch.nn.Module, x: np.ndarray, *, rows_reference: np.ndarray,
        code_mean: np.ndarray, whitening: np.ndarray) -> np.ndarray:
    """Mean whitened distance of the code to its nearest training codes (neighbours 2 to 6)."""
    return neighbour_distance(rows_reference,
                              _whitened(flat_codes(model, x), code_mean, whitening))


@register("score_fit", "mse+knn")
def fit_mse_knn(model: torch.nn.Module, x_train: np.ndarray) -> dict[str, np.ndarray]:
    """The reference codes, and each score's spread on the training data to put them on a
    par."""
    state = fit_knn(model, x_train)
    return {**state, "mse_scale": spread(squared_errors(model, x_train)),
            "knn_scale": spread(knn(model, x_train, **state))}


@register("score", "mse+knn")
def mse_knn(model: torch.nn.Module, x: np.ndarray, *, mse_scale: np.ndarray,
            knn_scale: np.ndarray, **metric: np.ndarray) -> np.ndarray:
    """Reconstruction error plus neighbour distance, each over its training spread: an input
    must be both well reconstructed and near training codes to score low."""
    return (squared_errors(model, x) / mse_scale
            + knn(model, x, **metric) / knn_scale)
