"""Greedy layer-wise training: three ways over the same parts, frozen layers stay frozen."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import aekit
from aekit.cli.main import main
from aekit.config import TrainConfig
from aekit.errors import AekitError
from aekit.train import Trainer
from aekit.train.greedy import greedy_pretrain


def _model() -> aekit.Autoencoder:
    torch.manual_seed(0)
    return aekit.create_model("stacked", input_shape=(1, 28, 28), hidden=(64, 16),
                              activation="elu", output="sigmoid", l2=1e-4)


@pytest.fixture(scope="module")
def small_mnist(mnist: dict[str, np.ndarray]) -> np.ndarray:
    return mnist["x_train"][:3000]


def test_phases_and_cached_compute_the_same_thing(small_mnist: np.ndarray) -> None:
    config = TrainConfig(lr=3e-3, batch_size=100, epochs=2, val_split=0.0)
    results = {}
    for way in ("phases", "cached"):
        model = _model()
        built = aekit.config.replace(config, greedy=way)
        trainer = Trainer(model, built, device="cpu")
        history = greedy_pretrain(trainer, small_mnist, small_mnist[:0])
        assert trainer.config is built and trainer.epoch == 4  # its config is the caller's
        results[way] = (model.state_dict(), history)
    for key, value in results["phases"][0].items():
        torch.testing.assert_close(value, results["cached"][0][key], rtol=1e-4, atol=1e-5)
    phases = [r["phase"] for r in results["phases"][1]]
    assert phases == ["greedy 1/2", "greedy 1/2", "greedy 2/2", "greedy 2/2"]


@pytest.mark.parametrize("way", ["phases", "cached"])
def test_phase_two_leaves_the_outer_layers_frozen(small_mnist: np.ndarray, way: str) -> None:
    model = _model()
    outer = ("encoder.1.weight", "encoder.1.bias", "decoder.2.weight", "decoder.2.bias")
    at_phase_two: dict[str, torch.Tensor] = {}

    class Snapshot(aekit.Callback):
        def on_fit_start(self, *, trainer: aekit.Trainer, **kwargs: object) -> None:
            if trainer.model.config.input_shape == (64,):  # the inner pair's phase
                at_phase_two.update({k: model.state_dict()[k].clone() for k in outer})

    inner_before = model.state_dict()["encoder.3.weight"].clone()
    config = TrainConfig(lr=3e-3, batch_size=100, epochs=1, greedy=way)
    greedy_pretrain(Trainer(model, config, device="cpu"), small_mnist[:1000], small_mnist[:0],
                    [Snapshot()])
    assert set(at_phase_two) == set(outer)
    for key in outer:
        assert torch.equal(model.state_dict()[key], at_phase_two[key]), key
    assert not torch.equal(model.state_dict()["encoder.3.weight"], inner_before)


def test_greedy_each_phase_learns_and_run_records_phases(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["train", "--data", "digits", "--hidden", "32,8", "--epochs", "4", "--greedy",
                 "separate", "--fine-tune-epochs", "2", "--out", str(out), "--quiet",
                 "--device", "cpu"]) == 0
    history = json.loads((out / "metrics.json").read_text())["history"]
    assert [r["epoch"] for r in history] == list(range(1, 11))
    for phase in ("greedy 1/2", "greedy 2/2"):
        losses = [r["train_loss"] for r in history if r.get("phase") == phase]
        assert len(losses) == 4 and losses[-1] < losses[0]
    assert "phase" not in history[-1]  # fine-tuning of the whole stack
    assert aekit.load(out).encode(torch.rand(2, 1, 8, 8)).shape == (2, 8)


def test_greedy_needs_two_dense_layers() -> None:
    with pytest.raises(AekitError, match=r"--greedy: the model has a single hidden layer"):
        model = aekit.create_model("stacked", input_shape=4, hidden=(2,))
        greedy_pretrain(Trainer(model, TrainConfig(greedy="cached"), device="cpu"),
                        np.zeros((4, 4), np.float32), np.zeros((0, 4), np.float32))
    with pytest.raises(AekitError, match=r"needs a dense stack .* got --model tied"):
        model = aekit.create_model("tied", input_shape=4, hidden=(3, 2))
        greedy_pretrain(Trainer(model, TrainConfig(greedy="cached"), device="cpu"),
                        np.zeros((4, 4), np.float32), np.zeros((0, 4), np.float32))

