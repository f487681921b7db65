"""The sequence models' training recipe on real GunPoint series: the linear path starts exactly
at PCA, the defaults of `--model lstm`/`conv1d`, the cosine schedule, and best-weight restore."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA

import aekit
from aekit import metrics
from aekit.cli.main import main
from aekit.data.scaling import fit_scaling
from aekit.parts.linear_path import fit_pca, shrink_network
from aekit.presets import arch_defaults
from aekit.train.recipe import cosine_factor

GUNPOINT = str(Path(__file__).resolve().parents[3] / "shared" / "data" / "timeseries"
               / "GunPoint_TRAIN.ts")


@pytest.mark.parametrize("arch", ["lstm", "conv1d"])
def test_linear_path_starts_at_pca(arch: str) -> None:
    data = aekit.load_source(GUNPOINT)
    x = fit_scaling(data).apply(data.x)
    model = aekit.create_model(arch, input_shape=(150, 1), hidden=(32, 4), linear_path=True,
                               output="none")
    assert fit_pca(model.encoder, model.decoder, x)
    pca = PCA(4).fit(x.reshape(50, -1))
    expected = pca.inverse_transform(pca.transform(x.reshape(50, -1))).reshape(x.shape)
    assert metrics.reconstruct(model, x) == pytest.approx(expected, abs=2e-4)
    codes = metrics.encode(model, x)  # whitened: unit variance per code on the training data
    assert codes.std(axis=0) == pytest.approx(np.ones(4), rel=1e-3)


def test_lstm_defaults_come_from_its_registration(tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert main(["train", "--model", "lstm", "--data", GUNPOINT, "--epochs", "3",
                 "--out", str(run), "--quiet"]) == 0
    loaded = aekit.load_run(run)
    recipe = arch_defaults("lstm")
    assert loaded.model_config.hidden == tuple(recipe.model["hidden"]) == (64, 4)
    assert loaded.model_config.part_options("arch").linear_path
    assert loaded.train_config.schedule == "cosine"
    assert loaded.train_config.restore_best and loaded.train_config.clip_grad == 1.0
    final = loaded.metrics["final"]
    assert final["mse"] <= final["pca_mse"] * 1.05  # starts at PCA, so never far above it
    assert arch_defaults("stacked").model == {}


def test_cosine_schedule_warms_up_then_decays() -> None:
    factors = [cosine_factor(step, 1000) for step in range(1000)]
    assert factors[0] == pytest.approx(1 / 50) and max(factors) == pytest.approx(1.0)
    assert factors[49] == pytest.approx(1.0) and factors[-1] < 1e-4
    assert all(a >= b for a, b in itertools.pairwise(factors[49:]))


def test_restore_best_ends_on_the_best_validation_epoch(tmp_path: Path) -> None:
    """A learning rate that blows training up after the first epochs: the run still ends no
    worse on validation than its best candidate, the start (PCA, whose held-out MSE `pca_mse`
    is) or an epoch."""
    run = tmp_path / "run"
    assert main(["train", "--model", "conv1d", "--data", GUNPOINT, "--epochs", "6",
                 "--lr", "0.05", "--schedule", "constant", "--out", str(run), "--quiet"]) == 0
    final = aekit.load_run(run).metrics["final"]
    best = min(r["val_loss"] for r in aekit.load_run(run).metrics["history"])
    assert final["mse"] <= min(best, final["pca_mse"]) * (1 + 1e-4)


def test_shrinking_the_network_moves_the_model_toward_pca() -> None:
    """Factor 0 is PCA exactly; any factor scales the decoder network's output by itself."""
    data = aekit.load_source(GUNPOINT)
    x = fit_scaling(data).apply(data.x)
    model = aekit.create_model("conv1d", input_shape=(150, 1), hidden=(32, 4), linear_path=True,
                               output="none")
    fit_pca(model.encoder, model.decoder, x)
    pca = metrics.reconstruct(model, x)
    torch.manual_seed(0)
    for parameter in model.parameters():  # a network that adds something, as a trained one does
        parameter.data.add_(0.1 * torch.randn_like(parameter))
    codes = torch.as_tensor(metrics.encode(model, x))
    full = model.decoder.body(codes).detach()
    assert not np.allclose(metrics.reconstruct(model, x), pca, atol=1e-3)
    assert shrink_network(model, 0.5)
    assert torch.allclose(model.decoder.body(codes), 0.5 * full, atol=1e-6)
    assert shrink_network(model, 0.0)
    assert metrics.reconstruct(model, x) == pytest.approx(pca, abs=1e-5)
    assert not shrink_network(aekit.create_model("stacked", input_shape=(8,), hidden=(4,)), 0.5)


def test_restore_best_keeps_a_shrunk_epoch_that_beats_pca_and_every_epoch(tmp_path: Path
                                                                          ) -> None:
    """GunPoint, conv1d at a high constant learning rate: both epochs end worse on validation
    than PCA, yet part of the first epoch's network beats both, and the run ends there."""
    run = tmp_path / "run"
    assert main(["train", "--model", "conv1d", "--data", GUNPOINT, "--epochs", "2",
                 "--lr", "0.01", "--schedule", "constant", "--out", str(run), "--quiet"]) == 0
    loaded = aekit.load_run(run)
    final, history = loaded.metrics["final"], loaded.metrics["history"]
    assert all(r["val_loss"] > final["pca_mse"] for r in history)
    assert final["mse"] < 0.99 * final["pca_mse"]


def test_a_run_that_never_beats_its_start_ends_exactly_at_pca(tmp_path: Path) -> None:
    """Every epoch worse on validation than the start: the run keeps the start, which is PCA of
    the whole training file (validation rows included), not of its 90% training split."""
    run = tmp_path / "run"
    assert main(["train", "--model", "conv1d", "--data", GUNPOINT, "--epochs", "3",
                 "--lr", "1", "--schedule", "constant", "--out", str(run), "--quiet"]) == 0
    loaded = aekit.load_run(run)
    final, history = loaded.metrics["final"], loaded.metrics["history"]
    assert all(r["val_loss"] > final["pca_mse"] * 1.01 for r in history)
    assert final["mse"] == pytest.approx(final["pca_mse"], rel=1e-4)
    x = loaded.scaling.apply(aekit.load_source(GUNPOINT).x).reshape(50, -1)
    pca = PCA(4).fit(x)
    encoder, decoder = loaded.model.encoder, loaded.model.decoder
    projection = (encoder.components.T @ decoder.components).numpy()
    assert projection == pytest.approx(pca.components_.T @ pca.components_, abs=1e-4)
