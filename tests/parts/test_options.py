"""Options users look for: AdamW, L1 and Huber reconstruction losses, --device mps; each a
registry entry, checked against torch's own functions on real data (digits)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import aekit
from aekit import registry
from aekit.cli.main import main
from aekit.config import TrainConfig
from aekit.errors import AekitError
from aekit.train.optim import make_optimizer
from aekit.train.speed import FOLDED, param_groups


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    data = aekit.load_source("digits")
    return aekit.fit_scaling(data).apply(data.x)


def test_every_optimizer_name_is_registered_and_adamw_decays_decoupled() -> None:
    assert {"adam", "adamw", "sgd", "adadelta", "rmsprop"} <= set(registry.names("optimizer"))
    for name in registry.names("optimizer"):
        TrainConfig(optimizer=name)  # every registered one is accepted by the config
    layer = torch.nn.Linear(4, 2)
    adamw = make_optimizer(layer.parameters(), TrainConfig(optimizer="adamw"))
    assert isinstance(adamw, torch.optim.AdamW) and adamw.defaults["lr"] == 1e-3
    with pytest.raises(AekitError, match=r"--optimizer.*adamw"):
        make_optimizer(layer.parameters(), TrainConfig(optimizer="adamx"))
    model = aekit.create_model("stacked", input_shape=(1, 8, 8), hidden=(8,), l2=1e-3)
    groups = param_groups(model, TrainConfig(optimizer="adamw"))
    assert [FOLDED in g for g in groups] == [False]  # decoupled decay is not the L2 gradient
    assert FOLDED in param_groups(model, TrainConfig(optimizer="adam"))[0]


def test_adamw_trains_and_the_loss_falls(digits: np.ndarray) -> None:
    model = aekit.create_model("stacked", input_shape=(1, 8, 8), hidden=(32, 8))
    history = aekit.Trainer(model, TrainConfig(optimizer="adamw", epochs=4, batch_size=64)).fit(
        digits[:1500], digits[1500:])
    assert history[-1]["val_loss"] < 0.7 * history[0]["val_loss"]


@pytest.mark.parametrize(("loss", "reference"), [("l1", F.l1_loss), ("huber", F.huber_loss)])
def test_l1_and_huber_losses_match_torch(digits: np.ndarray, loss: str, reference) -> None:
    model = aekit.create_model("stacked", input_shape=(1, 8, 8), hidden=(32, 8), loss=loss)
    x = torch.as_tensor(digits[:256])
    model.eval()
    with torch.no_grad():
        out = model(x)
        assert float(out.terms["recon"]) == pytest.approx(float(reference(out.recon, x)),
                                                          rel=1e-6)
    history = aekit.Trainer(model, TrainConfig(epochs=3, batch_size=64)).fit(digits[:1500])
    assert history[-1]["train_loss"] < history[0]["train_loss"]


def test_device_mps_is_a_choice_with_a_clear_error_where_absent(
        tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "mps" in registry.names("device")
    if torch.backends.mps.is_available():
        pytest.skip("this machine has MPS")
    assert main(["train", "--data", "digits", "--device", "mps", "--epochs", "1",
                 "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "--device: mps requested but" in err and not (tmp_path / "run").exists()


def test_trainer_fit_verbose_2_writes_one_line_per_epoch(
        digits: np.ndarray, capsys: pytest.CaptureFixture[str]) -> None:
    model = aekit.create_model("stacked", input_shape=(1, 8, 8), hidden=(16,))
    trainer = aekit.Trainer(model, TrainConfig(epochs=3, batch_size=256))
    trainer.fit(digits[:1000], digits[1000:], verbose=2)
    lines = capsys.readouterr().err.splitlines()
    assert [line.split()[1] for line in lines] == ["1/3", "2/3", "3/3"]
    assert all(" val " in line and " ETA " in line for line in lines)
    assert trainer.callbacks == []  # the progress callback lasts one fit
    trainer.fit(digits[:1000], verbose=0)
    assert capsys.readouterr().err == ""
