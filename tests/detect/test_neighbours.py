"""The code-space neighbour distance stays fast and exact when codes repeat: a stuck sensor
(every row the same) gives one code for every row, where a tree search visits every reference
code for every query."""

from __future__ import annotations

import numpy as np

from aekit.scores import neighbours
from aekit.scores.neighbours import NEIGHBOURS, neighbour_distance

ROWS = 10_000


def _brute(reference: np.ndarray, codes: np.ndarray) -> np.ndarray:
    d = np.sqrt(((codes[:, None, :] - reference[None]) ** 2).sum(-1))
    return np.sort(d, axis=1)[:, 1:NEIGHBOURS + 1].mean(1)


def test_repeated_codes_give_the_exact_distance(data_dir) -> None:
    """Rows of a real table with heavy repetition (each kept 1 to 8 times) as codes."""
    x = np.load(data_dir / "adbench" / "29_Pima.npz")["X"][:150, :3].astype(np.float64)
    repeats = np.random.default_rng(0).integers(1, 9, len(x))
    reference = np.repeat(x, repeats, axis=0)
    codes = np.concatenate([x[:40], x[:40] + 0.5])
    np.testing.assert_allclose(neighbour_distance(reference, codes), _brute(reference, codes),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(neighbour_distance(x[:3], x[:5]), _brute(x[:3], x[:5]))


def test_constant_codes_are_searched_once(monkeypatch) -> None:
    """The cost of a constant input is that of one reference code, not of every one (counted
    as the rows the neighbour index is built on; no timing on a shared machine)."""
    fitted: list[int] = []
    real_fit = neighbours.NearestNeighbors.fit

    def counting_fit(self, x, *args, **kwargs):
        fitted.append(len(x))
        return real_fit(self, x, *args, **kwargs)

    monkeypatch.setattr(neighbours.NearestNeighbors, "fit", counting_fit)
    constant = np.full((2 * ROWS, 3), 0.25)
    assert np.all(neighbour_distance(constant[:ROWS], constant) == 0)
    random_codes = np.random.default_rng(0).normal(size=(2 * ROWS, 3))
    neighbour_distance(random_codes[:ROWS], random_codes)
    assert fitted == [1, ROWS]
