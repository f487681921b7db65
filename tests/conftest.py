"""Shared fixtures: the real data beside the checkout, fixed seeds, scaled MNIST subsets."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

import aekit

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
