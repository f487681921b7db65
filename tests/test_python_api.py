"""The Python API as the README shows it: codes as NumPy, a model trained in Python saved as a
run directory the CLI reads, and a Run that prints on one line. Real data: MNIST test images."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import aekit
from aekit.cli.main import main


@pytest.fixture(scope="module")
def trained(data_dir: Path) -> dict:
    data = aekit.load_source("mnist:test", data_dir=data_dir, limit=1200)
    scaling = aekit.fit_scaling(data)
    x = scaling.apply(data.x)
    model = aekit.create_model("stacked", input_shape=(1, 28, 28), hidden=(64, 16))
    trainer = aekit.Trainer(model, aekit.TrainConfig(epochs=2, batch_size=100))
    history = trainer.fit(x[:1000], x[1000:])
    return {"model": model, "scaling": scaling, "x": x, "history": history,
            "data_dir": data_dir}


def test_readme_codes_are_numpy(trained: dict) -> None:
    codes = aekit.metrics.encode(trained["model"], trained["x"][:10])
    assert isinstance(codes, np.ndarray) and codes.shape == (10, 16)
    with torch.no_grad():
        direct = trained["model"].eval().encode(torch.as_tensor(trained["x"][:10])).numpy()
    np.testing.assert_allclose(codes, direct, rtol=1e-5, atol=1e-6)


def test_a_python_model_saved_as_a_run_is_read_by_the_cli(
        trained: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "py"
    data = aekit.DataConfig(source="mnist:test", data_dir=str(trained["data_dir"]))
    run = aekit.save_run(out, trained["model"], scaling=trained["scaling"], data=data,
                         history=trained["history"])
    assert run.metrics["history"] == trained["history"]
    with pytest.raises(aekit.AekitError, match="--overwrite"):
        aekit.save_run(out, trained["model"], scaling=trained["scaling"], data=data)
    capsys.readouterr()
    assert main(["evaluate", str(out), "--limit", "200"]) == 0
    mse = json.loads(capsys.readouterr().out)["mse"]
    x = trained["x"][:200]
    expected = float(np.mean((aekit.metrics.reconstruct(trained["model"], x) - x) ** 2))
    assert mse == pytest.approx(expected, rel=1e-5)
    assert main(["report", str(out)]) == 0 and (out / "report.html").exists()
    assert main(["encode", str(out), "--limit", "50", "--out", str(tmp_path / "c.npy")]) == 0
    np.testing.assert_allclose(np.load(tmp_path / "c.npy"),
                               aekit.metrics.encode(trained["model"], trained["x"][:50]),
                               rtol=1e-5, atol=1e-6)


def test_run_repr_is_one_line(trained: dict, tmp_path: Path) -> None:
    run = aekit.save_run(tmp_path / "r", trained["model"], scaling=trained["scaling"],
                         data="mnist:test", history=trained["history"])
    text = repr(run)
    assert "\n" not in text and len(text) < 200
    assert "stacked" in text and "mnist:test" in text and "2 epochs" in text
