"""Conv, conv1d and LSTM autoencoders: exact shape round-trips, training on real MNIST and
GunPoint, the 2-D code map, and the CLI on `.ts` runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import aekit
from aekit import metrics
from aekit.cli.main import main

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
GUNPOINT_TRAIN = str(DATA / "timeseries" / "GunPoint_TRAIN.ts")
GUNPOINT_TEST = str(DATA / "timeseries" / "GunPoint_TEST.ts")


@pytest.mark.parametrize("mode", ["pool", "stride"])
@pytest.mark.parametrize(("shape", "channels"), [
    ((1, 28, 28), (16, 8, 8)),         # 28 -> 14 -> 7 -> 4
    ((1, 28, 28), (16, 32, 64, 128)),  # seed 001: ... -> 4 -> 2
    ((3, 13, 17), (4, 4, 4)),          # odd, non-square, RGB
    ((1, 9, 9), (4, 4)),               # 9 -> 5 -> 3
])
@pytest.mark.parametrize("hidden", [(), (5,)])
def test_conv_shapes_round_trip(mode: str, shape: tuple[int, ...], channels: tuple[int, ...],
                                hidden: tuple[int, ...]) -> None:
    model = aekit.create_model("conv", input_shape=shape, channels=channels, hidden=hidden,
                               conv_mode=mode)
    out = model(torch.rand(2, *shape))
    assert out.recon.shape == (2, *shape)
    assert out.code.shape == (2, model.code_size)


@pytest.mark.parametrize("arch", ["conv1d", "lstm"])
@pytest.mark.parametrize("steps", [150, 24, 7])
def test_series_shapes_round_trip(arch: str, steps: int) -> None:
    conv = {"channels": (8, 8), "conv_mode": "stride"} if arch == "conv1d" else {}
    model = aekit.create_model(arch, input_shape=(steps, 3), hidden=(16, 4), **conv)
    out = model(torch.rand(2, steps, 3))
    assert out.recon.shape == (2, steps, 3) and out.code.shape == (2, 4)


@pytest.mark.parametrize(("options", "option"), [
    ({"channels": (8, 8, 8, 8, 8)}, "--channels"),
    ({"kernel": 9}, "--kernel 9"),
    ({"kernel": 3, "conv_mode": "stride", "channels": (4, 4, 4)}, "step 3 of 3 gets a 2x2"),
])
def test_unfit_kernel_or_depth_names_option(options: dict, option: str) -> None:
    with pytest.raises(aekit.AekitError, match=option):
        aekit.create_model("conv", input_shape=(1, 8, 8), **options)


def test_series_arch_on_images_names_model_option() -> None:
    with pytest.raises(aekit.AekitError, match="--model lstm: needs series"):
        aekit.create_model("lstm", input_shape=(1, 8, 8), hidden=(4,))


def test_keras_conv_trains_on_mnist_subset(tmp_path: Path) -> None:
    preset = aekit.load_preset("keras-conv")
    result = aekit.fit_run(
        aekit.ModelConfig(**{**preset.model, "hidden": (), "channels": (16, 8, 8)}),
        aekit.TrainConfig(**{**preset.train, "epochs": 3}),
        aekit.DataConfig(source="mnist", data_dir=str(DATA), limit=2000), tmp_path / "run")
    history = result.metrics["history"]
    assert history[-1]["train_loss"] < 0.8 * history[0]["train_loss"]
    assert result.metrics["final"]["bce"] < 0.4  # from ~0.69 (Adadelta starts slowly)
    assert (tmp_path / "run" / "figures" / "reconstructions.png").exists()


def test_tanh_output_stores_symmetric_scaling(tmp_path: Path) -> None:
    preset = aekit.load_preset("conv-strided")
    model = {**preset.model, "hidden": (), "channels": (8, 16)}
    result = aekit.fit_run(aekit.ModelConfig(**model),
                           aekit.TrainConfig(epochs=1, batch_size=64),
                           aekit.DataConfig(source="digits", limit=300), tmp_path / "run")
    scaled = result.scaling.apply(aekit.load_source("digits", limit=300).x)
    assert scaled.min() == -1.0 and scaled.max() == 1.0
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["scaling"] == {"offset": 8.0, "scale": 8.0, "shape": []}


SERIES_MODELS = {
    "lstm": {"arch": "lstm", "hidden": (64, 2), "output": "none"},
    "conv1d": {"arch": "conv1d", "conv_mode": "stride", "channels": (8, 16, 16), "kernel": 5,
               "hidden": (32, 2), "activation": "elu", "output": "none"},
}


def _gunpoint(arch: str, epochs: int, lr: float, out: Path) -> dict[str, float]:
    """Train on GunPoint_TRAIN; test MSE (standardised), PCA-2 test MSE, 1-NN of the codes."""
    result = aekit.fit_run(aekit.ModelConfig(**SERIES_MODELS[arch]),
                           aekit.TrainConfig(lr=lr, batch_size=10, epochs=epochs, val_split=0.0),
                           aekit.DataConfig(source=GUNPOINT_TRAIN), out)
    train, test = aekit.load_source(GUNPOINT_TRAIN), aekit.load_source(GUNPOINT_TEST)
    x_train, x_test = result.scaling.apply(train.x), result.scaling.apply(test.x)
    codes = [metrics.encode(result.model, x) for x in (x_train, x_test)]
    return {"mse": metrics.recon_errors(x_test, metrics.reconstruct(result.model, x_test))["mse"],
            "pca": metrics.pca_mse(x_train, x_test, 2),
            "nn1": metrics.nn1_accuracy(codes[0], train.y, codes[1], test.y),
            "first_loss": result.metrics["history"][0]["train_loss"],
            "last_loss": result.metrics["history"][-1]["train_loss"]}


def test_conv1d_beats_pca_on_gunpoint(tmp_path: Path) -> None:
    result = _gunpoint("conv1d", 150, 2e-3, tmp_path / "run")
    assert result["mse"] < result["pca"]
    assert result["nn1"] > 0.6


def test_lstm_learns_gunpoint_reduced(tmp_path: Path) -> None:
    """Reduced for the default suite: the LSTM needs ~600 epochs to pass PCA (slow test)."""
    result = _gunpoint("lstm", 60, 3e-3, tmp_path / "run")
    assert result["last_loss"] < 0.9 * result["first_loss"]


@pytest.mark.slow
@pytest.mark.parametrize(("arch", "epochs", "lr"), [("lstm", 600, 3e-3), ("conv1d", 300, 2e-3)])
def test_series_models_beat_pca_on_gunpoint_full(arch: str, epochs: int, lr: float,
                                                 tmp_path: Path) -> None:
    result = _gunpoint(arch, epochs, lr, tmp_path / "run")
    assert result["mse"] < result["pca"]
    assert result["nn1"] > 0.6


def test_map_end_to_end_on_digits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    assert main(["train", "--preset", "mnist-2d", "--data", "digits:train", "--epochs", "5",
                 "--out", str(run), "--quiet"]) == 0
    png = tmp_path / "map.png"
    assert main(["map", str(run), "--data", "digits:test", "--out", str(png)]) == 0
    assert "297 codes of size 2" in capsys.readouterr().out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_map_of_larger_codes_goes_through_pca(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    assert main(["train", "--model", "conv", "--channels", "8,8", "--hidden", "none",
                 "--data", "digits", "--epochs", "1", "--out", str(run), "--quiet"]) == 0
    assert main(["map", str(run), "--data", "digits:test", "--out", str(tmp_path / "m.png"),
                 "--method", "pca"]) == 0
    assert "codes of size 32, PCA" in capsys.readouterr().out


def test_map_without_labels_is_a_clear_error(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    assert main(["train", "--hidden", "4", "--data", "synthetic-3d", "--epochs", "1",
                 "--out", str(run), "--quiet"]) == 0
    assert main(["map", str(run), "--out", str(tmp_path / "m.png")]) == 2
    assert "has no labels" in capsys.readouterr().err


def test_evaluate_and_encode_on_ts_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    run = tmp_path / "run"
    assert main(["train", "--model", "lstm", "--hidden", "16,3", "--data", GUNPOINT_TRAIN,
                 "--epochs", "2", "--batch-size", "25", "--out", str(run), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(run), "--data", GUNPOINT_TEST]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 150 and report["mse"] > 0 and report["bce"] is None
    codes = tmp_path / "codes.npy"
    assert main(["encode", str(run), "--data", GUNPOINT_TEST, "--out", str(codes)]) == 0
    assert np.load(codes, allow_pickle=False).shape == (150, 3)
    assert main(["map", str(run), "--data", GUNPOINT_TEST, "--out",
                 str(tmp_path / "m.png")]) == 0


def test_conv_denoise_cleans_better_than_plain_conv(mnist: dict[str, np.ndarray]) -> None:
    """conv-denoise's noise (gaussian 0.5 + clip) vs the same conv AE without it, on noisy
    test digits compared with the clean ones."""
    from aekit.parts.noise import corrupt, parse_noise

    x, x_test = mnist["x_train"][:4000], mnist["x_test"][:1000]
    preset = aekit.load_preset("conv-denoise")
    options = {k: v for k, v in preset.model.items() if k not in ("arch", "noise")}
    noisy = corrupt(torch.as_tensor(x_test), parse_noise(preset.model["noise"]),
                    torch.Generator().manual_seed(1)).numpy()
    errors = {}
    for noise in (None, preset.model["noise"]):
        torch.manual_seed(0)
        model = aekit.create_model("conv", input_shape=(1, 28, 28), noise=noise, **options)
        trainer = aekit.Trainer(model, aekit.TrainConfig(lr=2e-3, batch_size=64, epochs=3,
                                                         val_split=0.0), device="cpu")
        trainer.fit(x)
        errors[noise] = float(np.mean((metrics.reconstruct(model, noisy) - x_test) ** 2))
    assert errors[preset.model["noise"]] < errors[None] * 0.9, errors


@pytest.mark.parametrize(("init", "std"), [("normal", 0.02),
                                           ("xavier", (2 / (9 * 16 + 9 * 8)) ** 0.5),
                                           ("he", (2 / (9 * 16)) ** 0.5)])
def test_conv_layers_take_the_configured_init(init: str, std: float) -> None:
    """Keras presets ask for glorot convs, seed 001 for N(0, 0.02): torch's default is neither."""
    torch.manual_seed(0)
    model = aekit.create_model("conv", input_shape=(1, 28, 28), channels=(16, 8), init=init)
    convs = [m for m in model.encoder.modules() if isinstance(m, torch.nn.Conv2d)]
    weight = convs[1].weight.detach()  # 16 -> 8 channels, 3x3: fan_in 144, fan_out 72
    assert float(weight.std()) == pytest.approx(std, rel=0.15)
    assert float(convs[1].bias.detach().abs().max()) == 0.0
