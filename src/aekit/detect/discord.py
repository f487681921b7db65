"""Discord distances: how far each window of a series lies from its nearest neighbour among a
set of reference windows (the Matrix Profile's distance, computed by blocks of matrix products).

A window far from every other window of the series is a discord: a shape the series shows
once. The neighbour of a window may not overlap it (an exclusion zone around its own start),
else every window would match itself shifted by one step. Distances come from one matrix
product per block of query windows, |q|^2 + |r|^2 - 2 q.r, in blocks small enough that memory
stays bounded whatever the series' length.
"""

from __future__ import annotations

import numpy as np
import torch

BLOCK_BYTES = 64 * 2**20
"""Memory of one block of query-by-reference distances."""
SHAPE, LEVEL = "shape", "level"
"""How windows are compared: by shape (each window of each channel z-normalised, so a
distance is 2 * length * (1 - correlation): the Matrix Profile's), or by level (the raw values
less the series' median, so a window of the right shape at the wrong amplitude or offset is far
from its neighbours too)."""


def window_matrix(series: np.ndarray, window: int, starts: np.ndarray, view: str
                  ) -> torch.Tensor:
    """(len(starts), window * C) float32 windows of the series (T, C) starting at `starts`,
    compared by `view`; a flat window's z-normalisation divides by a floor of 1e-3 times its
    channel's spread, so it stays finite and flat."""
    cut = np.lib.stride_tricks.sliding_window_view(series, window, axis=0)[starts]  # (m, C, w)
    windows = torch.from_numpy(np.ascontiguousarray(cut, dtype=np.float32))
    if view == SHAPE:
        floor = torch.from_numpy(1e-3 * series.std(axis=0).astype(np.float32) + 1e-12)
        centred = windows - windows.mean(dim=2, keepdim=True)
        spread = centred.pow(2).mean(dim=2, keepdim=True).sqrt()
        windows = centred / torch.maximum(spread, floor[None, :, None])
    else:
        windows -= torch.from_numpy(np.median(series, axis=0).astype(np.float32))[None, :, None]
    return windows.reshape(len(starts), -1)


def nearest_distances(queries: torch.Tensor, query_starts: np.ndarray,
                      references: torch.Tensor, reference_starts: np.ndarray,
                      exclusion: int) -> np.ndarray:
    """Each query window's Euclidean distance to its nearest reference window whose start lies
    at least `exclusion` steps from its own (0: any reference, for windows of another series),
    over sqrt(window values) so that window lengths compare. A query with no reference outside
    its zone gets the largest distance found."""
    block = max(1, BLOCK_BYTES // (4 * len(references)))
    reference_norms = references.pow(2).sum(dim=1)
    reference_at = torch.from_numpy(reference_starts)
    nearest = torch.empty(len(queries), dtype=torch.float32)
    for first in range(0, len(queries), block):
        part = queries[first:first + block]
        # |r|^2 - 2 q.r in one fused product; |q|^2 is the same for a query's every reference
        partial = torch.addmm(reference_norms[None], part, references.T, alpha=-2)
        if exclusion > 0:
            at = torch.from_numpy(query_starts[first:first + block])
            _exclude(partial, at, reference_at, exclusion)
        nearest[first:first + block] = partial.min(dim=1).values + part.pow(2).sum(dim=1)
    finite = torch.isfinite(nearest)
    nearest[~finite] = nearest[finite].max() if finite.any() else 0.0
    return (nearest.clamp_min(0).sqrt() / np.sqrt(queries.shape[1])).numpy().astype(np.float64)


def _exclude(partial: torch.Tensor, query_at: torch.Tensor, reference_at: torch.Tensor,
             exclusion: int) -> None:
    """Set to inf, in place, the columns of the references starting less than `exclusion`
    steps from each query: both are sorted, so each zone is a run of at most `width` columns,
    written without a mask of the whole block."""
    low = torch.searchsorted(reference_at, query_at - exclusion, right=True)
    high = torch.searchsorted(reference_at, query_at + exclusion)
    width = max(1, int((high - low).max()))
    columns = (low[:, None] + torch.arange(width)[None]).clamp_max(len(reference_at) - 1)
    inside = (columns >= low[:, None]) & (columns < high[:, None])
    partial.scatter_(1, columns, torch.where(inside, torch.inf, partial.gather(1, columns)))
