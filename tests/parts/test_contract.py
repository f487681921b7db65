"""One contract over every preset and architecture: shapes, gradients, finite loss,
save -> load bit-identical, same seed -> same loss; and config validation by field."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import aekit
from aekit.config import ModelConfig, TrainConfig, from_dict
from aekit.errors import AekitError
from aekit.tensors import load_tensors, save_tensors

SHAPES = {"mnist": (1, 28, 28), "synthetic-3d": (3,), "digits": (1, 8, 8),
          "timeseries/GunPoint_TRAIN.ts": (150, 1)}


def _preset_model(name: str) -> aekit.Autoencoder:
    preset = aekit.load_preset(name)
    options = {k: v for k, v in preset.model.items() if k != "arch"}
    return aekit.create_model(preset.model.get("arch", "stacked"),
                              input_shape=SHAPES[preset.data.split(":")[0]], **options)


@pytest.mark.parametrize("name", aekit.preset_names())
def test_preset_contract(name: str, tmp_path: Path) -> None:
    model = _preset_model(name)
    x = torch.rand(6, *model.config.input_shape)
    out = model(x)
    assert out.recon.shape == x.shape and out.code.shape == (6, model.code_size)
    assert torch.isfinite(out.loss)
    out.loss.backward()
    trained_by_loss = [p for name, p in model.named_parameters()  # an AAE's discriminator
                       if not name.startswith("adversary.")]  # learns in its own extra step
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in trained_by_loss)

    save_tensors(tmp_path / "w.safetensors", model.state_dict())
    clone = _preset_model(name)
    clone.load_state_dict(load_tensors(tmp_path / "w.safetensors")[0])
    model.eval()
    clone.eval()
    with torch.inference_mode():
        assert torch.equal(model(x).recon, clone(x).recon)

    torch.manual_seed(1)
    first = _preset_model(name)(x).loss
    torch.manual_seed(1)
    assert torch.equal(first, _preset_model(name)(x).loss)


@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_reconstruction_is_made_only_when_read(loss: str) -> None:
    """BCE is read from the logits, so training never applies the output sigmoid; reading
    `recon` still gives the decoder's reconstruction, and the loss is the same either way."""
    model = aekit.create_model("stacked", input_shape=(1, 8, 8), hidden=(16, 4),
                               output="sigmoid", loss=loss)
    x = torch.rand(5, 1, 8, 8)
    calls = []
    model.output_activation.register_forward_hook(lambda *args: calls.append(1))
    out = model(x)
    assert len(calls) == (0 if loss == "bce" else 1)
    functional = torch.nn.functional
    expected = functional.binary_cross_entropy if loss == "bce" else functional.mse_loss
    torch.testing.assert_close(out.loss, expected(out.recon, x))
    torch.testing.assert_close(out.recon, model.decode(out.code))
    assert out.recon is out.recon  # made once


ARCH_SHAPES = {"conv": (1, 28, 28), "conv1d": (24, 2), "lstm": (24, 2)}


@pytest.mark.parametrize("arch", aekit.names("arch"))
def test_every_arch_builds_and_encodes(arch: str) -> None:
    shape = ARCH_SHAPES.get(arch, (1, 8, 8))
    model = aekit.create_model(arch, input_shape=shape, hidden=(16, 4))
    code = model.encode(torch.rand(3, *shape))
    assert code.shape == (3, 4) and model.decode(code).shape == (3, *shape)


@pytest.mark.parametrize(("section", "data", "message"), [
    (ModelConfig, {"hiden": [3]}, r"model: unknown key 'hiden'"),
    (ModelConfig, {"hidden": "300"}, r"model.hidden \(--hidden\): expected a list"),
    (ModelConfig, {"hidden": [0]}, r"model.hidden \(--hidden\): expected sizes > 0"),
    (ModelConfig, {"l2": -1}, r"model.l2 \(--l2\): must be >= 0"),
    (TrainConfig, {"epochs": -3}, r"train.epochs \(--epochs\): must be > 0, got -3"),
    (TrainConfig, {"batch_size": 1.5}, r"train.batch_size \(--batch-size\): expected an int"),
    (TrainConfig, {"precision": "half"}, r"train.precision \(--precision\): expected one of"),
    (TrainConfig, {"val_split": 1.0}, r"train.val_split \(--val-split\): must be in \[0, 1\)"),
])
def test_config_errors_name_the_field(section: type, data: dict, message: str) -> None:
    with pytest.raises(AekitError, match=message):
        from_dict(section, data, "model" if section is ModelConfig else "train")


def test_an_unknown_optimizer_is_named_with_the_nearest_registered_one() -> None:
    model = aekit.create_model("stacked", input_shape=4, hidden=(2,))
    with pytest.raises(AekitError, match=r"--optimizer: unknown optimizer 'adamx'; known: .*"
                                         r"did you mean 'adam'"):
        aekit.Trainer(model, TrainConfig(optimizer="adamx"))


def test_unknown_activation_and_output_are_named() -> None:
    with pytest.raises(AekitError, match="--activation: expected one of"):
        aekit.create_model("stacked", input_shape=4, hidden=(2,), activation="swishy")
    with pytest.raises(AekitError, match="--output: expected sigmoid, tanh or none"):
        aekit.create_model("stacked", input_shape=4, hidden=(2,), output="softmax")


def test_keras_defaults_for_adadelta() -> None:
    model = aekit.create_model("stacked", input_shape=4, hidden=(2,))
    trainer = aekit.Trainer(model, TrainConfig(optimizer="adadelta"), device="cpu")
    group = trainer.optimizer.param_groups[0]
    assert (group["lr"], group["rho"], group["eps"]) == (1.0, 0.95, 1e-7)


def test_code_activation_gives_a_linear_code_layer() -> None:
    torch.manual_seed(0)
    model = aekit.create_model("stacked", input_shape=(6,), hidden=(5, 2), activation="sigmoid",
                               code_activation="none")
    codes = model.encode(torch.randn(200, 6) * 5)
    assert codes.min() < 0 or codes.max() > 1  # not squashed into sigmoid's (0, 1)
    hidden = model.encoder[:-2](torch.randn(3, 6))
    assert hidden.min() > 0 and hidden.max() < 1  # the other layers keep their activation
    with pytest.raises(AekitError, match=r"model.code_activation \(--code-activation\): "
                                         r"expected one of"):
        aekit.create_model("stacked", input_shape=4, hidden=(2,), code_activation="softmax")
