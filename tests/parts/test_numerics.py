"""Numbers against independent references: a linear AE finds PCA's subspace, a stacked AE
beats PCA, tied weights halve the parameters."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA

import aekit
from aekit.metrics import pca_mse, recon_errors, reconstruct


def _train(model: aekit.Autoencoder, x: np.ndarray, **train: object) -> aekit.Trainer:
    trainer = aekit.Trainer(model, aekit.TrainConfig(val_split=0.0, **train), device="cpu")
    trainer.fit(x)
    return trainer


def test_linear_ae_on_seed_3d_data_finds_pca_plane() -> None:
    preset = aekit.load_preset("pca-3d")
    data = aekit.load_source(preset.data)
    x = aekit.fit_scaling(data).apply(data.x)  # standardised on the 100 training points
    options = {k: v for k, v in preset.model.items() if k != "arch"}
    model = aekit.create_model(preset.model["arch"], input_shape=(3,), **options)
    _train(model, x, **{k: v for k, v in preset.train.items() if k != "val_split"})

    ae_mse = recon_errors(x, reconstruct(model, x))["mse"]
    pca = PCA(n_components=2).fit(x)
    pca_err = float(np.mean((x - pca.inverse_transform(pca.transform(x))) ** 2))
    assert ae_mse <= pca_err * 1.01
    decoder_columns = model.decoder[0].weight.detach().numpy()  # (3, 2)
    angle = np.degrees(subspace_angles(decoder_columns, pca.components_.T).max())
    assert angle < 1.0


def test_linear_ae_code_32_matches_pca_on_mnist(mnist: dict[str, np.ndarray]) -> None:
    x = mnist["x_train"][:5000]
    model = aekit.create_model("linear", input_shape=(1, 28, 28), hidden=(32,), output="none",
                               init="xavier")
    _train(model, x, lr=3e-3, batch_size=128, epochs=60)
    ae_mse = recon_errors(x, reconstruct(model, x))["mse"]
    assert ae_mse <= pca_mse(x, x, 32) * 1.02


def test_stacked_code_32_beats_pca_32_on_mnist_test(mnist: dict[str, np.ndarray]) -> None:
    pca_test = pca_mse(mnist["x_train"], mnist["x_test"], 32)
    assert pca_test == pytest.approx(0.0168, abs=5e-4)  # the reference figure
    model = aekit.create_model("stacked", input_shape=(1, 28, 28), hidden=(256, 32),
                               activation="elu", output="sigmoid")
    _train(model, mnist["x_train"], lr=1e-3, batch_size=128, epochs=4)
    assert recon_errors(mnist["x_test"], reconstruct(model, mnist["x_test"]))["mse"] < pca_test


def test_tied_has_about_half_the_weights_and_trains(mnist: dict[str, np.ndarray]) -> None:
    options = {"input_shape": (1, 28, 28), "hidden": (300, 150), "output": "none", "l2": 1e-3}
    untied = aekit.create_model("stacked", **options)
    tied = aekit.create_model("tied", **options)
    n_untied = sum(p.numel() for p in untied.parameters())
    n_tied = sum(p.numel() for p in tied.parameters())
    assert 0.49 < n_tied / n_untied < 0.51
    trainer = _train(tied, mnist["x_train"][:3000], lr=1e-3, batch_size=150, epochs=3)
    losses = [r["train_loss"] for r in trainer.history]
    assert losses[-1] < losses[0] * 0.8


def test_l2_term_is_tf1_regulariser() -> None:
    model = aekit.create_model("stacked", input_shape=(4,), hidden=(3, 2), l2=0.1, output="none")
    out = model(torch.rand(5, 4))
    weights = [m.weight for m in model.modules() if isinstance(m, torch.nn.Linear)]
    expected = 0.1 * sum((w**2).sum() / 2 for w in weights)
    torch.testing.assert_close(out.terms["l2"], expected, rtol=1e-6, atol=0)
    assert set(out.terms) == {"recon", "l2"}


def test_bce_is_computed_from_logits() -> None:
    model = aekit.create_model("stacked", input_shape=(6,), hidden=(4,), loss="bce")
    x = torch.rand(8, 6)
    out = model(x)
    expected = torch.nn.functional.binary_cross_entropy(out.recon, x)
    torch.testing.assert_close(out.terms["recon"], expected, rtol=1e-5, atol=1e-6)
