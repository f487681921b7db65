"""Generative autoencoders: VAE, likelihood bounds, AAE, generate; real MNIST/digits."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from torch import nn

import aekit
from aekit import AekitError, TrainConfig, Trainer, create_model, metrics, sampling
from aekit.cli.main import main
from aekit.data.binarize import binarize
from aekit.parts.latent import gaussian_kl
from benchmarks.digit_judge import accuracy, confidence, train_judge


def _fit(model: aekit.Autoencoder, x: np.ndarray, epochs: int, lr: float = 1e-3,
         batch: int = 100, callbacks=(), **config) -> aekit.Autoencoder:
    Trainer(model, TrainConfig(lr=lr, batch_size=batch, epochs=epochs, val_split=0.0, **config),
            callbacks=callbacks, device="cpu").fit(x)
    return model.eval()


@pytest.fixture(scope="module")
def small_vae(mnist) -> tuple[aekit.Autoencoder, np.ndarray]:
    """A small VAE on statically binarised MNIST, and held-out binary test images."""
    torch.manual_seed(0)
    x = binarize(mnist["x_train"][:3000], "static", 0)
    model = create_model("vae", input_shape=(1, 28, 28), hidden=(128, 8), loss="bce")
    return _fit(model, x, epochs=4), binarize(mnist["x_test"][:300], "static", 1)


def test_kl_term_is_the_closed_form_of_a_monte_carlo_estimate():
    mean = torch.tensor([[0.5, -1.0, 2.0]])
    logvar = torch.tensor([[0.2, -1.5, 0.7]])
    std = torch.exp(0.5 * logvar)
    z = mean + std * torch.randn(400_000, 3, dtype=torch.float64)
    q = torch.distributions.Normal(mean.double(), std.double())
    p = torch.distributions.Normal(0.0, 1.0)
    monte_carlo = (q.log_prob(z) - p.log_prob(z)).mean(0)  # per dimension
    closed = gaussian_kl(mean, logvar)[0].double()
    torch.testing.assert_close(closed, monte_carlo, atol=0.01, rtol=0.01)
    latent = create_model("vae", input_shape=4, hidden=(3,), beta=2.0).latent
    _, terms = latent.eval()(torch.cat([mean, logvar], 1))
    torch.testing.assert_close(terms["kl"], 2.0 * closed.float().sum())


def test_importance_weighted_bound_is_below_the_elbo_and_tightens_with_k(small_vae):
    model, x = small_vae
    neg_elbo = metrics.neg_elbo_per_sample(model, x, samples=20)
    nll = {k: metrics.iw_nll_per_sample(model, x, k, seed=1).mean() for k in (1, 10, 100)}
    assert abs(nll[1] - neg_elbo.mean()) < 1.0  # K = 1 is the ELBO, up to sampling noise
    assert nll[100] < nll[10] < nll[1] <= neg_elbo.mean() + 1.0
    assert nll[1] - nll[100] > 0.5
    assert metrics.neg_elbo_per_sample(model, x[:5]).shape == (5,)
    stats = metrics.posterior_stats(model, x)
    assert len(stats["kl_per_dim"]) == 8 and 1 <= stats["active_units"] <= 8


def _vae_mnist(epochs: int, x: np.ndarray) -> aekit.Autoencoder:
    """Seed 000's VAE (the vae-mnist preset's model and optimizer) trained on `x`."""
    torch.manual_seed(0)
    preset = aekit.load_preset("vae-mnist")
    vae = create_model(**{**preset.model, "name": preset.model["arch"],
                          "input_shape": (1, 28, 28)})
    if epochs:
        _fit(vae, x, epochs, lr=preset.train["lr"], batch=preset.train["batch_size"])
    return vae.eval()


def test_vae_samples_look_more_like_digits_after_training(mnist):
    """Fast variant of the must-show below: 3 epochs on 12k images already make prior samples
    far more digit-like, to an MLP trained on MNIST labels, than an untrained VAE's."""
    untrained = _digit_confidence(mnist, sampling.sample(_vae_mnist(0, mnist["x_train"]), 300))
    trained = _digit_confidence(mnist, sampling.sample(
        _vae_mnist(3, mnist["x_train"][:12000]), 300))
    assert trained > untrained + 0.1, (trained, untrained)


@pytest.mark.slow
def test_vae_mnist_samples_are_classified_as_digits(mnist):
    """The must-show: vae-mnist for its preset's 50 epochs on all of MNIST; a small CNN trained
    on MNIST labels (98.5% test accuracy, 0.98 mean confidence on real test digits) gives its prior
    samples a mean max-probability of at least 0.8. (The 3-epoch MLP below is too unsure even of
    real digits to judge this: it gave 0.74 for the same samples.)"""
    vae = _vae_mnist(aekit.load_preset("vae-mnist").train["epochs"], mnist["x_train"])
    judge = train_judge(mnist["x_train"], mnist["y_train"])
    assert accuracy(judge, mnist["x_test"], mnist["y_test"]) > 0.97
    assert confidence(judge, sampling.sample(vae, 1000, seed=0)) >= 0.8


def _digit_confidence(mnist, samples: np.ndarray) -> float:
    """Mean max-probability of an MLP trained on 12k labelled MNIST digits."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    optimizer = torch.optim.Adam(net.parameters(), 1e-3)
    x, y = torch.as_tensor(mnist["x_train"][:12000]), torch.as_tensor(mnist["y_train"][:12000])
    for _ in range(3):
        for idx in torch.randperm(len(x)).split(100):
            optimizer.zero_grad()
            nn.functional.cross_entropy(net(x[idx]), y[idx].long()).backward()
            optimizer.step()
    with torch.no_grad():
        test_acc = (net(torch.as_tensor(mnist["x_test"][:2000])).argmax(1).numpy()
                    == mnist["y_test"][:2000]).mean()
        assert test_acc > 0.9
        return float(net(torch.as_tensor(samples)).softmax(1).max(1).values.mean())


def test_aae_codes_match_the_gaussian_prior_and_generate(mnist):
    torch.manual_seed(0)
    x = mnist["x_train"][:4000]
    model = create_model("aae", input_shape=(1, 28, 28), hidden=(256, 2), activation="relu",
                         loss="bce")
    assert model.adversary.prior == "gaussian"  # what --model aae implies
    assert isinstance(model.encoder[-1], torch.nn.Identity)  # a linear code: the prior spans R
    _fit(model, x, epochs=10)
    codes = metrics.encode(model, x)
    assert np.abs(codes.mean(0)).max() < 0.2, codes.mean(0)
    assert np.abs(codes.var(0) - 1).max() < 0.3, codes.var(0)
    samples = sampling.sample(model, 16, seed=1)
    assert samples.shape == (16, 1, 28, 28) and samples.min() >= 0 and samples.max() <= 1


def test_aae_checkpoint_keeps_the_adversarys_optimizers(tmp_path, mnist):
    model = create_model("aae", input_shape=(1, 28, 28), hidden=(32, 2), prior="mixture")
    trainer = Trainer(model, TrainConfig(epochs=1, batch_size=200, val_split=0.0),
                      device="cpu")
    trainer.fit(mnist["x_train"][:400])
    trainer.save_checkpoint(tmp_path / "c.safetensors")
    again = Trainer(create_model("aae", input_shape=(1, 28, 28), hidden=(32, 2),
                                 prior="mixture"),
                    TrainConfig(epochs=1, batch_size=200, val_split=0.0), device="cpu")
    again.load_checkpoint(tmp_path / "c.safetensors")
    for name, optimizer in trainer.extra_optimizers.items():
        restored = again.extra_optimizers[name].state_dict()["state"]
        for index, slots in optimizer.state_dict()["state"].items():
            torch.testing.assert_close(restored[index]["exp_avg"], slots["exp_avg"])


def test_kl_warmup_raises_the_weight_linearly(mnist):
    """The config's kl_warmup alone warms the KL up, whoever drives the loop."""
    model = create_model("vae", input_shape=(1, 28, 28), hidden=(16, 4), loss="bce")
    seen = []

    class Watch(aekit.Callback):
        def on_epoch_end(self, *, trainer, **kwargs):
            seen.append(trainer.model.latent.kl_weight)

    _fit(model, mnist["x_train"][:400], epochs=3, callbacks=[Watch()], kl_warmup=2)
    assert seen == [0.5, 1.0, 1.0]


def test_conv_vae_and_gaussian_latent_on_any_architecture():
    model = create_model("conv", input_shape=(1, 8, 8), channels=(4,), hidden=(6,),
                         latent="gaussian", loss="bce")
    x = torch.rand(5, 1, 8, 8)
    assert model.encoder(x).shape == (5, 12) and model.encode(x).shape == (5, 6)
    out = model.train()(x)
    assert set(out.terms) == {"recon", "kl"} and out.recon.shape == x.shape
    assert sampling.sample(model, 3).shape == (3, 1, 8, 8)
    sigma = create_model("vae", input_shape=4, hidden=(3, 2), latent="gaussian-sigma")
    assert sigma.can_generate and sigma.encoder(torch.rand(2, 4)).shape == (2, 4)


def test_bad_generative_options_name_the_option():
    with pytest.raises(AekitError, match=r"model.beta \(--beta\): must be >= 0"):
        create_model("vae", input_shape=4, hidden=(2,), beta=-1.0)
    with pytest.raises(AekitError, match="--latent: unknown latent 'gausian'"):
        create_model("stacked", input_shape=4, hidden=(2,), latent="gausian")
    with pytest.raises(AekitError, match="--iw-samples: must be >= 1"):
        metrics.iw_nll_per_sample(create_model("vae", input_shape=4, hidden=(2,)),
                                  np.zeros((2, 4), np.float32), k=0)


def test_cli_vae_evaluate_generate_and_errors(tmp_path, capsys):
    run = tmp_path / "vae"
    assert main(["train", "--model", "vae", "--hidden", "32,2", "--loss", "bce", "--data",
                 "digits", "--epochs", "3", "--binarize", "dynamic", "--kl-warmup", "1",
                 "--out", str(run), "--quiet"]) == 0
    assert all((run / "figures" / name).exists() for name in ("samples.png", "manifold.png"))
    capsys.readouterr()
    assert main(["evaluate", str(run), "--data", "digits:test", "--iw-samples", "50"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["binarize"] == "dynamic" and result["iw_samples"] == 50
    assert 0 < result["nll"] <= result["neg_elbo"] + 1.0 and math.isfinite(result["nll"])
    assert main(["generate", str(run), "--n", "10", "--npy", str(tmp_path / "s.npy"),
                 "--out", str(tmp_path / "s.png"), "--seed", "2"]) == 0
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (10, 1, 8, 8) and samples.min() >= 0 and samples.max() <= 16
    assert main(["generate", str(run), "--grid", "5", "--out", str(tmp_path / "g.png")]) == 0
    assert main(["evaluate", str(run), "--iw-samples", "0"]) == 2
    assert "--iw-samples: must be >= 1" in capsys.readouterr().err
    assert main(["train", "--model", "vae", "--beta", "-1", "--out", str(tmp_path / "b")]) == 2
    assert "--beta" in capsys.readouterr().err


def test_generate_on_a_deterministic_ae_names_the_generative_models_and_chains(tmp_path,
                                                                               capsys):
    run = tmp_path / "dae"
    assert main(["train", "--hidden", "32,8", "--data", "digits", "--epochs", "2",
                 "--noise", "gaussian:0.3+clip", "--out", str(run), "--quiet"]) == 0
    assert main(["generate", str(run), "--out", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "--model vae" in err and "--model aae" in err and "--chain" in err
    assert main(["generate", str(run), "--chain", "4", "--n", "6", "--out",
                 str(tmp_path / "chain.png"), "--npy", str(tmp_path / "chain.npy")]) == 0
    assert np.load(tmp_path / "chain.npy").shape == (6, 1, 8, 8)


def test_denoising_chain_starts_from_noise_over_the_runs_own_range():
    """A run scaled to [-1, 1] (tanh output) starts its chain from noise over [-1, 1], not over
    [0, 1], so the first corruption sees inputs like the training data's."""
    digits = aekit.load_source("digits")
    symmetric, unit = (aekit.fit_scaling(digits, how) for how in ("symmetric", "unit"))
    assert sampling.image_range(symmetric) == (-1.0, 1.0)
    assert sampling.image_range(unit) == (0.0, 1.0)
    model = create_model("stacked", input_shape=(1, 8, 8), hidden=(16,), output="tanh",
                         noise="gaussian:0.3").eval()
    start = sampling.gsn_chain(model, 200, 1, start=sampling.image_range(symmetric))[0]
    assert start.min() < -0.9 and start.max() > 0.9 and (start < 0).mean() > 0.4


def test_iwae_objective_is_the_elbo_at_k1_tighter_at_larger_k_and_trains(mnist):
    """The importance-weighted bound (`iw_train` K) is the -ELBO in expectation at K = 1 and
    lower (tighter) at K = 50 on the same model and batch; training on it lowers the test NLL."""
    x = torch.as_tensor(binarize(mnist["x_train"][:200], "static", 0))
    torch.manual_seed(0)
    config = {"input_shape": (1, 28, 28), "hidden": (64, 8), "loss": "bce"}
    models = {k: create_model("vae", iw_train=k, **config) for k in (1, 50)}
    models[50].load_state_dict(models[1].state_dict())
    with torch.no_grad():
        elbo = torch.stack([models[1].train()(x).loss for _ in range(200)]).mean()
        iw_1 = torch.stack([models[1].latent.iw_bound(models[1].encoder(x), x,
                                                       models[1].log_likelihood)
                            for _ in range(200)]).mean()
        iw_50 = models[50].train()(x)
    assert abs(iw_1 - elbo) < 0.5, (iw_1, elbo)
    assert set(iw_50.terms) == {"iw_bound"} and iw_50.loss < elbo - 1.0, (iw_50.loss, elbo)
    test = binarize(mnist["x_test"][:200], "static", 1)
    before = metrics.iw_nll_per_sample(models[50].eval(), test, 50).mean()
    _fit(models[50], binarize(mnist["x_train"][:3000], "static", 0), epochs=2)
    after = metrics.iw_nll_per_sample(models[50], test, 50).mean()
    assert after < before - 200, (before, after)
    with pytest.raises(AekitError, match="iw_train"):
        create_model("stacked", input_shape=(4,), hidden=(2,), iw_train=5)


def test_vae_validation_loss_is_the_sampled_neg_elbo_that_evaluate_reports(small_vae):
    """The validation loss draws its code as training does, so it is the -ELBO: within 0.5
    nats of `neg_elbo` on the same data (decoding the mean code would make it ~10 nats too
    low); reconstructions stay those of the mean code, deterministic."""
    model, x = small_vae
    val_loss = metrics.loss_terms(model, x)["loss"]
    neg_elbo = metrics.neg_elbo_per_sample(model, x).mean()
    assert abs(val_loss - neg_elbo) < 0.5, (val_loss, neg_elbo)
    assert metrics.loss_terms(model, x)["loss"] == val_loss  # repeatable draws
    torch.testing.assert_close(metrics.reconstruct(model, x[:20]),
                               metrics.reconstruct(model, x[:20]))
