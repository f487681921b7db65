"""ONNX export: stacked and conv runs trained on MNIST export their encoder, decoder and whole
path with a free batch dimension, and onnxruntime agrees with PyTorch on MNIST test images."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

import aekit
from aekit.cli.main import main
from aekit.export import export_onnx

MODELS = {
    "stacked": {"arch": "stacked", "hidden": (64, 16)},
    "conv": {"arch": "conv", "hidden": (), "channels": (16, 8, 8), "loss": "bce"},  # Keras blog
    "vae": {"arch": "vae", "latent": "gaussian", "hidden": (64, 8), "loss": "bce"},  # mean path
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> dict[str, aekit.Run]:
    """One epoch on 1,000 MNIST digits each: trained weights, not the initial ones."""
    base = tmp_path_factory.mktemp("export")
    return {name: aekit.fit_run(aekit.ModelConfig(**config), aekit.TrainConfig(epochs=1),
                                aekit.DataConfig(source="mnist", data_dir=str(data_dir),
                                                 limit=1000), base / name)
            for name, config in MODELS.items()}


@pytest.fixture(scope="module")
def digits_37(data_dir: Path) -> np.ndarray:
    return aekit.load_source("mnist:test", data_dir=data_dir, limit=37).x.astype(
        np.float32) / 255  # (37, 1, 28, 28): the runs' unit scaling


@pytest.mark.parametrize("part", ["encoder", "full"])
@pytest.mark.parametrize("name", list(MODELS))
def test_export_agrees_with_pytorch_for_batch_1_and_37(runs: dict[str, aekit.Run],
                                                       digits_37: np.ndarray, tmp_path: Path,
                                                       name: str, part: str) -> None:
    model = runs[name].model
    path = tmp_path / f"{name}-{part}.onnx"
    reported = export_onnx(model, path, digits_37, part)
    assert reported < 1e-4

    graph = onnx.load(str(path)).graph
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param  # a named, free batch dim
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for batch in (digits_37[:1], digits_37):
        with torch.inference_mode():
            x = torch.as_tensor(batch)
            expected = model.encode(x) if part == "encoder" else model(x).recon
        (got,) = session.run(None, {"x": batch})
        assert got.shape == tuple(expected.shape)
        np.testing.assert_allclose(got, expected.numpy(), rtol=0, atol=1e-4)
    if part == "full":
        assert got.shape == (37, 1, 28, 28)


def test_export_command_checks_the_decoder_and_prints_the_difference(
        runs: dict[str, aekit.Run], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "decoder.onnx"
    assert main(["export", str(runs["conv"].path), "--part", "decoder", "--data", "mnist:test",
                 "--limit", "37", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == (f"wrote {out}: decoder of the conv model, ONNX with a dynamic batch "
                        "dimension")
    assert lines[1].startswith("onnxruntime vs PyTorch on 37 samples of mnist:test (batch 1 "
                               "and 37): max abs difference ")
    assert float(lines[1].rsplit(" ", 1)[1]) < 1e-4
    code_size = runs["conv"].model.code_size  # 8 x 4 x 4 feature map
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    codes = np.random.default_rng(0).random((5, code_size), dtype=np.float32)
    (recon,) = session.run(None, {"x": codes})
    with torch.inference_mode():
        expected = runs["conv"].model.decode(torch.as_tensor(codes)).numpy()
    np.testing.assert_allclose(recon, expected, rtol=0, atol=1e-4)
    assert [p.name for p in tmp_path.iterdir()] == ["decoder.onnx"]  # no temp file left


@pytest.mark.parametrize(("options", "message"), [
    (["--part", "decoders"], "--part: expected encoder, decoder or full, got 'decoders'"),
    (["--format", "torchscript"], "--format: expected onnx, got 'torchscript'"),
    (["--limit", "1"], "export: needs at least 2 check samples, got 1"),
])
def test_bad_export_options_are_named_and_write_nothing(
        runs: dict[str, aekit.Run], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        options: list[str], message: str) -> None:
    out = tmp_path / "model.onnx"
    assert main(["export", str(runs["stacked"].path), "--out", str(out), *options]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_export_without_onnxruntime_says_how_to_install(
        runs: dict[str, aekit.Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import now fails
    assert main(["export", str(runs["stacked"].path), "--out", str(tmp_path / "m.onnx")]) == 2
    assert ("ONNX export needs onnx, onnxscript and onnxruntime (onnxruntime is missing); "
            "install them with pip install 'aekit[onnx]'") in capsys.readouterr().err
