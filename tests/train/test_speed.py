"""Speed options: they validate, keep the maths, and train on small real data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

import aekit
from aekit.cli.main import main as cli
from aekit.config import TrainConfig
from aekit.data.batches import epoch_permutation
from aekit.errors import AekitError
from aekit.parts import blocks


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    data = aekit.load_source("digits")
    return aekit.fit_scaling(data).apply(data.x)[:1024]  # (1024, 1, 8, 8) in [0, 1]


@pytest.mark.parametrize(("options", "message"), [
    ({"precision": "fp16"}, r"train.precision \(--precision\): expected one of fp32, bf16"),
    ({"threads": 0}, r"train.threads \(--threads\): must be > 0"),
    ({"compile": "yes"}, r"train.compile \(--compile\): expected true or false"),
])
def test_speed_options_are_validated(options: dict, message: str) -> None:
    with pytest.raises(AekitError, match=message):
        aekit.config.from_dict(TrainConfig, options, "train")


def test_cli_refuses_a_bad_precision(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as stop:  # refused while parsing, from the field's choices
        cli(["train", "--data", "digits", "--precision", "half", "--out", str(tmp_path / "r")])
    assert stop.value.code == 2
    assert "argument --precision: invalid choice: 'half' (choose from 'fp32', 'bf16')" in \
        capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def _reference_fit(model: aekit.Autoencoder, x: torch.Tensor, optimizer: torch.optim.Optimizer,
                   batch: int) -> float:
    """One epoch written out: the model's full loss (recon + L2 penalty with its autograd
    gradient), a plain non-fused optimizer, the Trainer's batch order. Mean loss."""
    total = 0.0
    for idx in epoch_permutation(len(x), 0, 0).split(batch):
        loss = model(x[idx]).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(idx)
    return total / len(x)


@pytest.mark.parametrize(("name", "make"), [
    ("adam", lambda p: torch.optim.Adam(p, lr=1e-2, fused=False, foreach=False)),
    ("sgd", lambda p: torch.optim.SGD(p, lr=0.5, fused=False, foreach=False)),
    ("rmsprop", lambda p: torch.optim.RMSprop(p, lr=1e-3, alpha=0.9, eps=1e-7)),
    ("adadelta", lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.95, eps=1e-7)),
])
def test_l2_as_weight_decay_gives_the_explicit_penalty_parameters(
        digits: np.ndarray, name: str, make) -> None:
    options = {"input_shape": (1, 8, 8), "hidden": (32, 8), "l2": 0.05, "output": "none"}
    torch.manual_seed(1)
    folded = aekit.create_model("stacked", **options)
    explicit = aekit.create_model("stacked", **options)
    explicit.load_state_dict(folded.state_dict())
    lr = {"adam": 1e-2, "sgd": 0.5, "rmsprop": 1e-3, "adadelta": 1.0}[name]
    trainer = aekit.Trainer(folded, TrainConfig(optimizer=name, lr=lr, batch_size=64, epochs=1),
                            device="cpu")
    assert trainer.optimizer.param_groups[0]["weight_decay"] == 0.05  # the fold is on
    history = trainer.fit(digits)
    reference_loss = _reference_fit(explicit, torch.as_tensor(digits), make(
        explicit.parameters()), 64)
    for (key, got), want in zip(folded.state_dict().items(), explicit.state_dict().values(),
                                strict=True):
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-6, msg=key)
    assert history[0]["train_loss"] == pytest.approx(reference_loss, rel=1e-5)
    # outside fit the model differentiates its whole loss again
    assert folded.folded_penalties == {"l2": False}
    assert folded(torch.as_tensor(digits[:8])).terms["l2"].requires_grad


def test_clip_grad_keeps_the_explicit_penalty(digits: np.ndarray) -> None:
    model = aekit.create_model("stacked", input_shape=(1, 8, 8), hidden=(8,), l2=0.1)
    trainer = aekit.Trainer(model, TrainConfig(clip_grad=1.0), device="cpu")
    assert [g.get("weight_decay") for g in trainer.optimizer.param_groups] == [0]


@pytest.mark.parametrize("options", [
    {"precision": "bf16"}, {"threads": 1},
    pytest.param({"compile": True}, marks=pytest.mark.slow),  # compiling takes ~20-70 s here
])
def test_speed_options_train_close_to_fp32(digits: np.ndarray, options: dict) -> None:
    if options.get("compile") and shutil.which("cc") is None:
        pytest.skip("torch.compile on the CPU needs a C compiler")
    losses = {}
    threads = torch.get_num_threads()
    for name, extra in (("fp32", {}), ("option", options)):
        torch.manual_seed(0)
        model = aekit.create_model("stacked", input_shape=(1, 8, 8), hidden=(32, 8), l2=1e-4)
        config = TrainConfig(lr=3e-3, batch_size=64, epochs=4, **extra)
        history = aekit.Trainer(model, config, device="cpu").fit(digits)
        losses[name] = [r["train_loss"] for r in history]
    assert losses["option"][-1] < 0.7 * losses["option"][0]  # it learns
    assert losses["option"][-1] == pytest.approx(losses["fp32"][-1], rel=0.03)
    assert torch.get_num_threads() == threads  # --threads is undone after fit


def test_cli_speed_options_reach_the_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert cli(["train", "--data", "digits", "--hidden", "16,4", "--epochs", "2", "--precision",
                "bf16", "--threads", "1", "--quiet", "--out", str(out)]) == 0
    train = json.loads((out / "config.json").read_text())["train"]
    assert (train["precision"], train["threads"], train["compile"]) == ("bf16", 1, False)


def test_inference_batch_follows_the_widest_layer() -> None:
    """Conv maps are wide (16x28x28 per image): a cache-sized batch; dense layers get 4096."""
    from aekit.metrics import CACHE_ELEMENTS, inference_batch

    conv = aekit.create_model("conv", input_shape=(1, 28, 28), channels=(16, 8, 8))
    dense = aekit.create_model("stacked", input_shape=(1, 28, 28), hidden=(300, 150))
    sample = torch.zeros(1, 1, 28, 28)
    assert inference_batch(conv, sample, conv.encode) == 256  # 2**22 // 12544 = 334 -> 256
    assert inference_batch(conv, sample, conv.encode) * 16 * 28 * 28 <= CACHE_ELEMENTS
    assert inference_batch(dense, sample, dense.encode) == 4096


def test_encode_is_the_same_in_any_batch_and_close_in_bf16(digits: np.ndarray) -> None:
    torch.manual_seed(0)
    model = aekit.create_model("conv", input_shape=(1, 8, 8), channels=(8, 4))
    auto = aekit.metrics.encode(model, digits)
    np.testing.assert_allclose(aekit.metrics.encode(model, digits, batch_size=7), auto,
                               rtol=1e-5, atol=1e-5)  # conv kernels by batch
    bf16 = aekit.metrics.encode(model, digits, precision="bf16")
    assert bf16.dtype == np.float32 and bf16.shape == auto.shape
    assert np.abs(bf16 - auto).max() < 0.02 * np.abs(auto).max()  # bf16 keeps ~3 digits
    assert not np.array_equal(bf16, auto)  # the autocast did run
    with pytest.raises(AekitError, match=r"--precision: expected fp32 or bf16, got 'fp16'"):
        aekit.metrics.encode(model, digits, precision="fp16")


@pytest.mark.parametrize("act", sorted(blocks.ACTIVATIONS))
def test_pool_before_activation_is_the_same_maths(act: str) -> None:
    """The conv encoder pools before its activation, which needs every activation monotone."""
    torch.manual_seed(0)
    x = torch.randn(4, 3, 9, 9, requires_grad=True)
    f, pool = blocks.activation(act), torch.nn.MaxPool2d(2, ceil_mode=True)
    first, grad_first = pool(f(x)), torch.autograd.grad(pool(f(x)).sum(), x)[0]
    second, grad_second = f(pool(x)), torch.autograd.grad(f(pool(x)).sum(), x)[0]
    torch.testing.assert_close(first, second)
    torch.testing.assert_close(grad_first, grad_second)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("size", [(28, 28), (7, 7), (6, 9)])
def test_inference_pool_gives_torchs_values(dtype: torch.dtype, size: tuple[int, int]) -> None:
    """The conv encoder's pool skips torch's indices without autograd: same values, odd edges
    (ceil mode) and both memory formats included; with autograd it is torch's pool."""
    from aekit.parts.conv import MaxPool2x2

    torch.manual_seed(0)
    x = torch.randn(3, 5, *size).to(dtype)
    x[0, 0, :2, :2] = 1.0  # a tie
    pool = MaxPool2x2()
    for layout in (torch.contiguous_format, torch.channels_last):
        xl = x.contiguous(memory_format=layout)
        expected = torch.nn.functional.max_pool2d(xl, 2, ceil_mode=True)
        with torch.inference_mode():
            got = pool(xl)
        assert torch.equal(got, expected) and got.shape == expected.shape
        assert got.is_contiguous(memory_format=layout)
    leaf = x.float().requires_grad_()
    pool(leaf).sum().backward()
    assert leaf.grad.sum() == 3 * 5 * ((size[0] + 1) // 2) * ((size[1] + 1) // 2)
    assert leaf.grad.max() == 1.0  # torch's pool: a tie's gradient goes to one element


def test_cli_encode_in_bf16(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert cli(["train", "--data", "digits", "--hidden", "16,4", "--epochs", "2", "--quiet",
                "--out", str(out)]) == 0
    for precision in ("fp32", "bf16"):
        assert cli(["encode", str(out), "--data", "digits", "--precision", precision,
                    "--out", str(tmp_path / f"{precision}.npy")]) == 0
    fp32, bf16 = (np.load(tmp_path / f"{p}.npy") for p in ("fp32", "bf16"))
    assert fp32.shape == bf16.shape == (1797, 4)
    assert np.abs(bf16 - fp32).max() < 0.05 * np.abs(fp32).max()
