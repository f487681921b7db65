"""Shared fixtures: the real data beside the checkout, fixed seeds, scaled MNIST subsets."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import aekit
from aekit.tensors import load_tensors
from aekit.train.callbacks import Callback

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"

if "PYTEST_XDIST_WORKER_COUNT" in os.environ:  # one worker per core: no oversubscribed threads
    torch.set_num_threads(max(1, torch.get_num_threads()
                              // int(os.environ["PYTEST_XDIST_WORKER_COUNT"])))


@pytest.fixture(autouse=True)
def _fixed_seeds() -> None:
    torch.manual_seed(0)
    np.random.seed(0)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not (DATA_DIR / "mnist").is_dir():
        raise FileNotFoundError(f"the shared real data is expected at {DATA_DIR}")
    return DATA_DIR


@pytest.fixture(scope="session")
def mnist(data_dir: Path) -> dict[str, np.ndarray]:
    """Full MNIST train and test images scaled to [0, 1], with labels."""
    train = aekit.load_source("mnist", data_dir=data_dir)
    test = aekit.load_source("mnist:test", data_dir=data_dir)
    scaling = aekit.fit_scaling(train)
    return {"x_train": scaling.apply(train.x), "y_train": train.y,
            "x_test": scaling.apply(test.x), "y_test": test.y}


class CtrlC(Callback):
    """Ctrl-C at the end of the `after`-th epoch a run trains (counted over all its fits), once
    that epoch's checkpoint is written: a user stopping a long run."""

    def __init__(self, after: int):
        self.left = after

    def on_epoch_end(self, **kwargs: object) -> None:
        self.left -= 1
        if self.left == 0:
            raise KeyboardInterrupt


@pytest.fixture
def ctrl_c_after() -> type[CtrlC]:
    return CtrlC


def _history(run: Path) -> list[dict[str, object]]:
    records = json.loads((run / "metrics.json").read_text())["history"]
    return [{k: v for k, v in r.items() if k != "seconds"} for r in records]


def assert_same_run(expected: Path, resumed: Path, epochs: int) -> None:
    """`resumed`'s weights are bit-identical to `expected`'s, and their histories (timings
    aside) are equal and `epochs` long."""
    weights, _ = load_tensors(expected / "model.safetensors")
    again, _ = load_tensors(resumed / "model.safetensors")
    assert weights.keys() == again.keys()
    for name, tensor in weights.items():
        assert torch.equal(tensor, again[name]), name
    assert _history(resumed) == _history(expected) and len(_history(expected)) == epochs


@pytest.fixture
def same_run() -> Any:
    return assert_same_run
