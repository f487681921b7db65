"""Latent parts sit between encoder and decoder and may add loss terms of their own."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from aekit.config import ModelConfig, PartOptions, opt, positive
from aekit.errors import AekitError
from aekit.parts.blocks import latent_name
from aekit.registry import lookup, register


class IdentityLatent(nn.Module):
    """The code is the encoder's output; no loss term."""

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        return h, {}


@register("latent", "identity")
def identity() -> nn.Module:
    """Deterministic code: the encoder's output as it is."""
    return IdentityLatent()


# --- k-sparse / winner-take-all latent --------------------------------------------------------


class KSparseLatent(nn.Module):
    """Keeps the K largest code units of each sample (Makhzani & Frey's k-sparse AE) and/or each
    unit's top `lifetime` fraction over the batch (their winner-take-all lifetime sparsity).

    Per-sample top-K applies in evaluation too (the paper's alpha*K with alpha = 1), so the decoder
    always sees codes like those it was trained on; lifetime sparsity depends on the batch, so it
    applies in training only. Gradients flow through the kept units only.
    """

    def __init__(self, k: int | None, lifetime: float | None):
        super().__init__()
        self.k = k
        self.lifetime = lifetime

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        if self.k is not None:
            values, index = h.topk(self.k, dim=1)
            h = torch.zeros_like(h).scatter(1, index, values)
        if self.lifetime is not None and self.training:
            keep = max(1, math.ceil(self.lifetime * len(h)))
            threshold = h.topk(keep, dim=0).values[-1:]
            h = h * (h >= threshold)
        return h, {}


@register("latent", "ksparse")
def ksparse(k: int | None = None, lifetime: float | None = None) -> nn.Module:
    """Top-K units per sample, and/or each unit's top fraction of the batch (training only)."""
    return KSparseLatent(k, lifetime)


# --- generative autoencoders: the Gaussian latent of a VAE ---------------------------

_SIGMA_EPS = 1e-10  # seed 000's smoothing inside log(sigma^2)
_LOG_2PI = math.log(2 * math.pi)


def gaussian_kl(mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, exp(logvar)) || N(0, 1)) per dimension, closed form: shape of `mean`."""
    return 0.5 * (logvar.exp() + mean.pow(2) - 1 - logvar)


def iw_log_weights(mean: torch.Tensor, logvar: torch.Tensor, x: torch.Tensor, k: int,
                   log_likelihood: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                   generator: torch.Generator | None = None, prior_weight: float = 1.0
                   ) -> torch.Tensor:
    """(B, k) importance log-weights log p(x|z) + w * (log p(z) - log q(z|x)) of k
    reparameterised draws z ~ q(z|x) per sample (Burda et al. 2016); `log_likelihood(z, x)` is
    the decoder's per-row log p(x|z) and w (1 for the true weights) is the KL warm-up factor.
    The same weights give the IWAE training bound and the evaluation NLL."""
    eps = torch.randn((len(x), k, mean.shape[1]), generator=generator, device=mean.device)
    z = mean[:, None] + torch.exp(0.5 * logvar)[:, None] * eps  # (B, k, d)
    x_rep = x[:, None].expand(-1, k, *x.shape[1:]).flatten(0, 1)
    log_px = log_likelihood(z.flatten(0, 1), x_rep).view(len(x), k)
    log_pz = -0.5 * (z.pow(2) + _LOG_2PI).sum(-1)
    log_qz = -0.5 * (eps.pow(2) + _LOG_2PI + logvar[:, None]).sum(-1)
    return log_px + prior_weight * (log_pz - log_qz)


@dataclass(frozen=True, kw_only=True)
class GaussianOptions(PartOptions):
    """A gaussian latent's KL weight and its training bound."""

    beta: float = opt(1.0, "weight of the KL term (default 1)")
    iw_train: int = opt(1, "train on the importance-weighted bound with K draws per sample "
                        "(IWAE, Burda et al. 2016); default 1: the ELBO", metavar="K")

    def __post_init__(self) -> None:
        super().__post_init__()
        positive("model", "beta", self.beta, strict=False)
        positive("model", "iw_train", self.iw_train)


class GaussianLatent(nn.Module):
    """The encoder emits (N, 2 * code): mean and log-variance (or, as seed 000's main listing,
    sigma itself). Training codes are reparameterised draws mean + sigma * eps so gradients pass
    through the draw; `encode` and reconstructions use the mean, so codes are deterministic.
The loss is the -ELBO with a drawn code in evaluation too (`draw`): decoding the mean code
would report a validation loss nats below the bound it is documented as.

    The loss term is beta * KL summed over dimensions, averaged over the batch (nats per sample,
    like the reconstruction term it is added to); `kl_weight` is the warm-up factor in [0, 1]
    that a Trainer callback sets.
    """

    def __init__(self, beta: float, sigma_head: bool = False, iw_train: int = 1):
        super().__init__()
        self.beta = beta
        self.sigma_head = sigma_head
        self.kl_weight = 1.0
        self.iw_train = iw_train

    def iw_bound(self, h: torch.Tensor, x: torch.Tensor,
                 log_likelihood: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
                 ) -> torch.Tensor:
        """The IWAE loss: -log (1/K sum_k w_k), averaged over the batch, in nats. It bounds
        -log p(x) more tightly than the -ELBO as K grows, so the encoder may spread mass over
        more of the posterior (Burda et al. 2016); K = 1 is the -ELBO."""
        mean, logvar = self.posterior(h)
        log_w = iw_log_weights(mean, logvar, x, self.iw_train, log_likelihood,
                               prior_weight=self.beta * self.kl_weight)
        return (math.log(self.iw_train) - torch.logsumexp(log_w, dim=1)).mean()

    def posterior(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, log-variance) of q(z | x) from the encoder's output."""
        mean, raw = h.chunk(2, dim=1)
        if self.sigma_head:
            return mean, torch.log(raw.pow(2) + _SIGMA_EPS)
        return mean, raw

    def draw(self, h: torch.Tensor) -> torch.Tensor:
        """A reparameterised draw mean + sigma * eps from q(z | x)."""
        mean, logvar = self.posterior(h)
        return mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        mean, logvar = self.posterior(h)
        code = self.draw(h) if self.training else mean
        kl = gaussian_kl(mean, logvar).sum(1).mean()
        return code, {"kl": self.beta * self.kl_weight * kl}

    @staticmethod
    def sample_prior(n: int, size: int, generator: torch.Generator | None = None
                     ) -> torch.Tensor:
        """n codes from N(0, I)."""
        return torch.randn(n, size, generator=generator)


@register("latent", "gaussian", options=GaussianOptions)
def gaussian(config: ModelConfig) -> nn.Module:
    """VAE code: mean and log-variance heads, reparameterised draws, beta * KL to N(0, I)."""
    options: GaussianOptions = config.part_options("latent")
    return GaussianLatent(options.beta, iw_train=options.iw_train)


@register("latent", "gaussian-sigma", options=GaussianOptions)
def gaussian_sigma(config: ModelConfig) -> nn.Module:
    """Seed 000's VAE head: mean and sigma (KL with log(sigma^2 + 1e-10)), else as gaussian."""
    options: GaussianOptions = config.part_options("latent")
    return GaussianLatent(options.beta, sigma_head=True, iw_train=options.iw_train)


def build_latent(config: ModelConfig, code_size: int) -> nn.Module:
    """The latent part a config asks for: `--latent` (or the architecture's), or k-sparse when
    `k_sparse` or its lifetime is set, else the identity; its settings are checked here."""
    name = latent_name(config)
    sparse = config.k_sparse is not None or config.k_sparse_lifetime is not None
    if name == "ksparse":
        raise AekitError("model.latent (--latent): k-sparse codes are set with --k-sparse K or "
                         "--k-sparse-lifetime P")
    variational = name.startswith("gaussian")
    if variational and sparse:
        raise AekitError("model.latent (--latent): a gaussian latent cannot also be k-sparse")
    if variational and not config.hidden:
        raise AekitError("model.hidden (--hidden): a generative model needs a dense code; give "
                         "--hidden, e.g. 16 after the convs")
    if config.k_sparse is not None and not 0 < config.k_sparse <= code_size:
        raise AekitError(f"model.k_sparse (--k-sparse): K must be in 1..{code_size} (the code "
                         f"size), got {config.k_sparse}")
    if name != "identity":
        return lookup("latent", name, "--latent")(config)
    return ksparse(config.k_sparse, config.k_sparse_lifetime) if sparse else identity()
