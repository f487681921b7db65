"""Autoencoders trained side by side as one module (`aekit.train.members`)."""

from __future__ import annotations

import numpy as np
import torch

from aekit.config import ModelConfig, TrainConfig
from aekit.model import Autoencoder
from aekit.train.members import Members
from aekit.train.trainer import Trainer


def _models(config: ModelConfig, seeds: range) -> list[Autoencoder]:
    models = []
    for seed in seeds:
        torch.manual_seed(seed)
        models.append(Autoencoder(config))
    return models


def test_members_train_as_if_each_trained_alone(data_dir) -> None:
    """Same initialisations and batches: each member's weights equal those of the same
    autoencoder trained by itself, and the summed loss falls."""
    with np.load(data_dir / "adbench" / "29_Pima.npz", allow_pickle=False) as f:
        x = f["X"][:400].astype(np.float64)
    x = ((x - x.mean(0)) / x.std(0)).astype(np.float32)
    config = ModelConfig(arch="stacked", input_shape=(8,), hidden=(8, 2), activation="elu",
                         code_activation="none", output="none", loss="trimmed-mse")
    train = TrainConfig(epochs=4, batch_size=64, seed=3, val_split=0.0)
    group = Members(_models(config, range(3)))
    history = Trainer(group, train, device="cpu").fit(x)
    trained = group.unstack()
    for alone in _models(config, range(3)):
        Trainer(alone, train, device="cpu").fit(x)
        member = trained.pop(0)
        for ours, theirs in zip(member.parameters(), alone.parameters(), strict=True):
            torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=1e-5)
    assert history[-1]["train_loss"] < 0.8 * history[0]["train_loss"]
