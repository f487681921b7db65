"""Figures of merit computed the same way for every model and every baseline."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from aekit.device import autocast
from aekit.errors import AekitError
from aekit.model import Autoencoder
from aekit.parts.latent import gaussian_kl, iw_log_weights

CACHE_ELEMENTS = 2 ** 22
"""Activation elements (16 MB in fp32) an inference batch aims to keep per layer: conv maps of
a large batch spill out of cache and run memory-bound (keras-conv encodes 26k images/s at batch
4096 but 72k/s at 256, `python -m benchmarks`), while dense layers want big batches."""


def inference_batch(model: torch.nn.Module, sample: torch.Tensor,
                    step: Callable[[torch.Tensor], Any]) -> int:
    """Batch size whose widest layer output fits CACHE_ELEMENTS: a power of two in [64, 4096],
    from one probe pass of `step` over a single sample."""
    widest = 1

    def hook(_module: torch.nn.Module, _inputs: Any, out: Any) -> None:
        nonlocal widest
        if isinstance(out, torch.Tensor):
            widest = max(widest, out.numel())

    handles = [m.register_forward_hook(hook) for m in model.modules() if not any(m.children())]
    try:
        step(sample)
    finally:
        for handle in handles:
            handle.remove()
    return min(4096, max(64, 2 ** int(math.log2(max(CACHE_ELEMENTS // widest, 1)))))


@torch.inference_mode()
def infer(model: torch.nn.Module, x: np.ndarray,
          step: Callable[[torch.Tensor], torch.Tensor], batch_size: int | None = None, *,
          precision: str = "fp32", compile: bool = False) -> np.ndarray:
    """`step` over `x` in eval-mode batches on the model's device and in its dtype, as one
    numpy array (in the model's dtype under bf16 too).

    The batch size defaults to `inference_batch`. `precision="bf16"` autocasts and `compile`
    runs `step` through torch.compile: both pay on large data (compiling takes seconds).
    """
    param = next(model.parameters())
    cast = autocast(param.device.type, precision)  # checks precision before any work
    model.eval()

    def batch(start: int, size: int) -> torch.Tensor:
        return torch.as_tensor(x[start:start + size], dtype=param.dtype, device=param.device)

    size = batch_size or (inference_batch(model, batch(0, 1), step) if len(x) else 1)
    run = torch.compile(step) if compile else step
    starts = range(0, len(x), size) if len(x) else [0]  # an empty x still gives a shape
    with cast:
        return np.concatenate([run(batch(i, size)).to(param.dtype).cpu().numpy()
                               for i in starts])


def reconstruct(model: Autoencoder, x: np.ndarray, batch_size: int | None = None,
                **speed: Any) -> np.ndarray:
    """Reconstructions in eval mode, in the model's (scaled) units; `speed` as `infer`'s."""
    return infer(model, x, lambda xb: model(xb).recon, batch_size, **speed)


def encode(model: Autoencoder, x: np.ndarray, batch_size: int | None = None,
           **speed: Any) -> np.ndarray:
    """Codes in eval mode, as float32; `speed` as `infer`'s."""
    return infer(model, x, model.encode, batch_size, **speed).astype(np.float32)


def flat_codes(model: Autoencoder, x: np.ndarray) -> np.ndarray:
    """(N, code size) float64 codes of the scaled samples `x`, for distances and covariances."""
    return encode(model, x).reshape(len(x), -1).astype(np.float64)


def _element_squares(model: Autoencoder, xb: torch.Tensor) -> torch.Tensor:
    """(batch, elements) squared reconstruction errors of one batch."""
    return (model(xb).recon - xb).pow(2).flatten(1)


def squared_errors(model: Autoencoder, x: np.ndarray, weights: np.ndarray | None = None
                   ) -> np.ndarray:
    """Mean squared reconstruction error of each scaled sample, float64: the `mse` anomaly
    score, the estimators' `score` and the default detector's error view. `weights` (one per
    input element) make it a weighted mean, so that an element the model always reconstructs
    badly does not drown the others. The padding of unequal-length series (NaN in `x`) is no
    element: the mean is over the recorded ones."""
    mean = _recorded_mean(x)
    if weights is None:
        return infer(model, x, lambda xb: mean(_element_squares(model, xb), 1)
                     ).astype(np.float64)
    param = next(model.parameters())
    w = torch.as_tensor(weights.reshape(-1), dtype=param.dtype, device=param.device)
    return infer(model, x, lambda xb: mean(_element_squares(model, xb) * w, 1)
                 ).astype(np.float64)


def row_element_errors(model: Autoencoder, x: np.ndarray) -> np.ndarray:
    """(N, elements) squared reconstruction errors of the scaled samples `x`, float64."""
    return infer(model, x, lambda xb: _element_squares(model, xb)).astype(np.float64)


def element_errors(model: Autoencoder, x: np.ndarray) -> np.ndarray:
    """Mean squared reconstruction error of each input element over the samples `x` (over
    those where it is recorded, for padded series), float64."""
    squares = infer(model, x, lambda xb: _element_squares(model, xb))
    if np.isnan(x).any():
        return np.nanmean(squares, 0, dtype=np.float64)
    return squares.mean(0, dtype=np.float64)


def _recorded_mean(x: np.ndarray) -> Callable[[torch.Tensor, int], torch.Tensor]:
    """The mean that skips padding (NaN) where `x` has any, else the plain mean."""
    if np.isnan(x).any():
        return lambda t, dim: t.nanmean(dim)
    return lambda t, dim: t.mean(dim)


def spread(scores: np.ndarray, axis: int | None = None) -> np.ndarray:
    """Standard deviation that scores are divided by to put them on a par; 1 where it is 0 (a
    constant score), so the division never gives inf or NaN."""
    std = np.std(scores, axis=axis)
    return np.where(std > 0, std, 1.0)


def code_covariance(codes: np.ndarray) -> np.ndarray:
    """Covariance of training codes (rows), with a ridge of 1e-6 x the mean variance so that
    a direction the codes never move in (a dead unit) keeps a finite inverse."""
    cov = np.atleast_2d(np.cov(codes, rowvar=False))
    ridge = 1e-6 * max(float(np.trace(cov)) / len(cov), 1e-12)
    return cov + ridge * np.eye(len(cov))


@torch.inference_mode()
def loss_terms(model: Autoencoder, x: np.ndarray | torch.Tensor | Any, batch_size: int = 4096
               ) -> dict[str, float]:
    """Sample-weighted mean of the model's loss and each of its terms, in eval mode.

    `x` may also be streamed data: an object whose `sequential(batch_size)` yields batches.
    A VAE's loss draws codes (the -ELBO); they come from a fixed seed on a forked random
    state, so the figure is repeatable and validation leaves training's random stream alone.
    """
    device = next(model.parameters()).device
    if hasattr(x, "sequential"):
        batches = x.sequential(batch_size)
    else:
        x = torch.as_tensor(x, dtype=torch.float32, device=device)
        batches = (x[i:i + batch_size] for i in range(0, len(x), batch_size))
    was_training = model.training
    model.eval()
    sums: dict[str, torch.Tensor] = {}
    n = 0
    with torch.random.fork_rng(devices=[device.index or 0] if device.type == "cuda" else []):
        torch.manual_seed(0)
        for xb in batches:
            out = model(xb)
            n += len(xb)
            for name, value in {"loss": out.loss, **out.terms}.items():
                sums[name] = sums.get(name, 0) + value * len(xb)
    model.train(was_training)
    return {name: float(total) / max(n, 1) for name, total in sums.items()}


def recon_errors(x: np.ndarray, recon: np.ndarray) -> dict[str, float | None]:
    """Element-mean MSE, and BCE when the data lie in [0, 1] (else None: BCE is undefined).
    NaN in `x` is the padding of unequal-length series: no error counts there."""
    x64, r64 = x.astype(np.float64), recon.astype(np.float64)
    padded = bool(np.isnan(x64).any())
    mse = float(np.nanmean((x64 - r64) ** 2) if padded else np.mean((x64 - r64) ** 2))
    bce = None
    if not padded and x.min() >= 0 and x.max() <= 1:
        r = np.clip(r64, 1e-7, 1 - 1e-7)
        bce = float(np.mean(-(x64 * np.log(r) + (1 - x64) * np.log(1 - r))))
    return {"mse": mse, "bce": bce}


def pca_mse(x_fit: np.ndarray, x_eval: np.ndarray, n_components: int) -> float | None:
    """Test MSE of PCA with `n_components`, fitted on `x_fit`: the linear baseline to beat."""
    from sklearn.decomposition import PCA

    flat_fit, flat_eval = x_fit.reshape(len(x_fit), -1), x_eval.reshape(len(x_eval), -1)
    if n_components >= min(flat_fit.shape) or len(flat_eval) == 0:
        return None
    # padding (NaN) reads as 0, the scaled mean, as the sequence models read it; it counts in
    # no error
    pca = PCA(n_components=n_components, random_state=0).fit(np.nan_to_num(flat_fit))
    recon = pca.inverse_transform(pca.transform(np.nan_to_num(flat_eval)))
    return float(np.nanmean((flat_eval.astype(np.float64) - recon) ** 2))


def nn1_accuracy(train_codes: np.ndarray, train_labels: np.ndarray, test_codes: np.ndarray,
                 test_labels: np.ndarray) -> float:
    """Accuracy of 1-nearest-neighbour (Euclidean) labels: how well codes keep the classes apart."""
    a, b = train_codes.reshape(len(train_codes), -1), test_codes.reshape(len(test_codes), -1)
    distances = (b**2).sum(1)[:, None] - 2 * b @ a.T + (a**2).sum(1)[None, :]
    return float((train_labels[distances.argmin(1)] == test_labels).mean())


def detection_metrics(labels: np.ndarray, scores: np.ndarray) -> dict[str, float | None]:
    """ROC-AUC, average precision and the best F1 over all thresholds of anomaly `scores`
    (higher = more anomalous) against 0/1 `labels`; None where one class is missing."""
    from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

    if len(np.unique(labels)) < 2:
        return {"roc_auc": None, "average_precision": None, "best_f1": None}
    precision, recall, _ = precision_recall_curve(labels, scores)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return {"roc_auc": float(roc_auc_score(labels, scores)),
            "average_precision": float(average_precision_score(labels, scores)),
            "best_f1": float(f1.max())}


def flag_metrics(labels: np.ndarray, flags: np.ndarray) -> dict[str, float]:
    """Precision, recall and F1 of 0/1 `flags` against 0/1 `labels`."""
    from sklearn.metrics import precision_recall_fscore_support

    precision, recall, f1, _ = precision_recall_fscore_support(
        labels, flags, average="binary", zero_division=0)
    return {"precision": float(precision), "recall": float(recall), "f1": float(f1)}


# --- generative autoencoders: ELBO and importance-weighted likelihood ---------------

_MAX_DECODES = 20_000  # decoder inputs per chunk: bounds memory at K samples per data point


def _check_variational(model: Autoencoder) -> None:
    if not model.variational:
        raise AekitError(f"likelihood: a {model.config.arch} autoencoder has no Gaussian latent; "
                         "the ELBO and NLL need --model vae or --latent gaussian")


def _draws(model: Autoencoder, x: np.ndarray, rows: int, seed: int,
           fn: Callable[[torch.Tensor, torch.Generator], torch.Tensor]) -> np.ndarray:
    """`fn(batch, generator)` over `x` in eval mode with one seeded generator: repeatable."""
    _check_variational(model)
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    return infer(model, x, lambda xb: fn(xb, generator), rows).astype(np.float64)


def neg_elbo_per_sample(model: Autoencoder, x: np.ndarray, samples: int = 1, seed: int = 0,
                        batch_size: int = 1000) -> np.ndarray:
    """-ELBO per sample in nats (β = 1): E_q[-log p(x|z)], averaged over `samples` seeded
    reparameterised draws, plus KL(q(z|x) || N(0, I)) in closed form. Eval mode; one value per
    row of `x`, higher for data the model explains worse (an anomaly score)."""
    def step(xb: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        mean, logvar = model.latent.posterior(model.encoder(xb))
        total = gaussian_kl(mean, logvar).sum(1)
        for _ in range(samples):
            eps = torch.randn(mean.shape, generator=generator, device=mean.device)
            total = total - model.log_likelihood(mean + torch.exp(0.5 * logvar) * eps,
                                                 xb) / samples
        return total

    return _draws(model, x, batch_size, seed, step)


def iw_nll_per_sample(model: Autoencoder, x: np.ndarray, k: int = 1000, seed: int = 0
                      ) -> np.ndarray:
    """-log p(x) per sample in nats, the importance-weighted estimate with K draws from q(z|x)
    (Burda et al. 2016): -log (1/K sum_k p(x|z_k) p(z_k) / q(z_k|x)), by logsumexp. An upper
    bound on -log p(x) that tightens as K grows; K = 1 is the -ELBO in expectation."""
    if k < 1:
        raise AekitError(f"--iw-samples: must be >= 1, got {k}")
    per_chunk = min(k, _MAX_DECODES)

    def step(xb: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        mean, logvar = model.latent.posterior(model.encoder(xb))  # (B, d)
        log_w = [iw_log_weights(mean, logvar, xb, min(per_chunk, k - start),
                                model.log_likelihood, generator)
                 for start in range(0, k, per_chunk)]
        return math.log(k) - torch.logsumexp(torch.cat(log_w, dim=1), dim=1)

    return _draws(model, x, max(1, _MAX_DECODES // k), seed, step)


@torch.inference_mode()
def posterior_stats(model: Autoencoder, x: np.ndarray) -> dict[str, Any]:
    """KL per code dimension (mean over `x`) and active units: dimensions whose posterior mean
    varies over the data with variance > 0.01 (Burda et al. 2016)."""
    _check_variational(model)
    stats = infer(model, x, lambda xb: torch.cat(model.latent.posterior(model.encoder(xb)), 1))
    mean, logvar = np.split(stats.astype(np.float64), 2, axis=1)
    kl = 0.5 * (np.exp(logvar) + mean**2 - 1 - logvar)
    return {"kl_per_dim": kl.mean(0).round(4).tolist(),
            "active_units": int((mean.var(0) > 0.01).sum())}


def likelihood(model: Autoencoder, x: np.ndarray, k: int = 1000, seed: int = 0
               ) -> dict[str, Any]:
    """What `aekit evaluate` adds for a VAE: mean -ELBO and IW -log p(x) in nats per sample."""
    neg_elbo = neg_elbo_per_sample(model, x, seed=seed)
    nll = iw_nll_per_sample(model, x, k, seed)
    return {"neg_elbo": float(neg_elbo.mean()), "nll": float(nll.mean()), "iw_samples": k,
            **posterior_stats(model, x)}
