"""examples/: each seed system's Python-API walk-through runs in quick mode on the real data,
draws the seed's figures and trains with exactly the settings `aekit reproduce` uses, so the
examples cannot drift from the gallery (or from the presets) without a test failing."""

from __future__ import annotations

import ast
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import aekit
from aekit.config import ModelConfig, TrainConfig, from_dict, to_dict
from aekit.gallery import reproduce as gallery

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FORBIDDEN = ("aekit.gallery", "aekit.cli", "subprocess")


def _script(name: str) -> Path:
    return EXAMPLES / f"{name.replace('-', '_')}.py"


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> Any:
    """An example's globals, imported as `python examples/X.py` would (its folder on sys.path)
    but without running `main`."""
    import runpy

    monkeypatch.syspath_prepend(str(EXAMPLES))
    return lambda name: runpy.run_path(str(_script(name)))


def test_one_script_per_system() -> None:
    scripts = {p.stem for p in EXAMPLES.glob("*.py")} - {"common"}
    assert scripts == {name.replace("-", "_") for name in gallery.names()}


@pytest.mark.parametrize("name", gallery.names())
def test_script_is_short_and_uses_the_python_api(name: str) -> None:
    source = _script(name).read_text()
    assert len(source.splitlines()) < 60
    tree = ast.parse(source)
    assert ast.get_docstring(tree) and "python examples/" in ast.get_docstring(tree)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported |= {f"{node.module}.{alias.name}" for alias in node.names} | {node.module}
    assert "aekit" in imported
    assert not [m for m in imported if m.startswith(FORBIDDEN)], imported
    functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert {"configs", "main"} <= functions
    assert 'if __name__ == "__main__":' in source


def _fields(config: Any) -> dict[str, Any]:
    return {k: v for k, v in to_dict(config).items() if k != "input_shape"}


@pytest.mark.parametrize("name", gallery.names())
def test_settings_match_the_gallery(name: str, example: Any) -> None:
    """What keeps the docs from going stale: the example trains as `aekit reproduce` does."""
    script = example(name)
    system = gallery.get(name)
    for quick in (True, False):
        model, train = script["configs"](quick)
        assert isinstance(model, ModelConfig) and isinstance(train, TrainConfig)
        want_model, want_train = gallery.settings(system, quick)
        assert _fields(model) == _fields(from_dict(ModelConfig, want_model, "model")), quick
        assert _fields(train) == _fields(from_dict(TrainConfig, want_train, "train")), quick
    ref = system.reference
    assert script.get("REFERENCE") == (None if ref is None else (ref.metric, ref.value,
                                                                  ref.epochs))


@pytest.mark.slow  # the gallery's quick test trains each system's same settings (checked above)
@pytest.mark.parametrize("name", gallery.names())
def test_example_runs_quick(name: str, example: Any, data_dir: Path, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    result = example(name)["main"](["--data-dir", str(data_dir), "--out", str(tmp_path),
                                    "--quick"])
    figures = [Path(f) for f in result["figures"]]
    system = gallery.get(name)
    assert {f"{kind}.png" for kind in system.figures} <= {f.name for f in figures}
    for path in figures:
        assert path.parent == tmp_path
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(path) as image:
            image.verify()
            assert min(image.size) > 100
    found = result["metrics"]
    assert all(math.isfinite(v) for v in found.values()), found
    assert found["test_mse"] < found["untrained_mse"]  # training moved away from the init
    assert result["history"] and all(math.isfinite(r["train_loss"]) for r in result["history"])
    printed = capsys.readouterr().out
    assert f"test_mse: {found['test_mse']:.4f}" in printed
    if system.reference is not None:
        assert system.reference.metric in found
        assert f"seed: {system.reference.value:.4f} after {system.reference.epochs}" in printed
    if name == "linear-3d":  # a linear AE with MSE finds PCA's plane
        assert found["test_mse"] == pytest.approx(found["pca_mse"], rel=0.1)
    if "denoise" in system.figures and name != "denoise-dropout":
        assert found["cleaned_mse"] < found["noisy_mse"]
    if name == "pretrain":  # 100 labels, 10 classes: far above chance (0.1)
        assert found["accuracy"] > 0.4 and found["scratch_accuracy"] > 0.4
    if name == "sparse-kl":  # pulled from sigmoid's 0.5 towards the 0.1 target
        assert abs(found["mean_code"] - 0.1) < 0.05
    if name == "code-map-2d":  # neighbours on the 2-D plane share labels well above chance
        assert found["nn1_accuracy"] > 0.2


@pytest.mark.subprocess
def test_runs_as_a_script_from_anywhere(data_dir: Path, tmp_path: Path) -> None:
    """`python examples/X.py` from another folder: `from common import` resolves."""
    env = {**os.environ, "PYTHONPATH": str(Path(aekit.__file__).parents[1]),
           "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(_script("linear-3d")), "--data-dir",
                           str(data_dir), "--out", "figs", "--quick"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "pca_mse" in done.stdout and (tmp_path / "figs" / "projection.png").is_file()
