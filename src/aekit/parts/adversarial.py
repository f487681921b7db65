"""The adversarial autoencoder's code discriminator and prior (Makhzani et al. 2015).

A plain autoencoder is trained by the Trainer's main step (the reconstruction phase); after it,
the Trainer calls the model's extra step, the regularisation phase: the discriminator learns to
tell prior samples from codes, then the encoder learns to fool it, each with its own optimizer
(held by the Trainer, saved in checkpoints). The codes' distribution is pushed to the prior, so
decoding prior samples generates data.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from aekit.config import ModelConfig
from aekit.parts.blocks import mlp
from aekit.registry import lookup, register

_HIDDEN = (256, 256)
_MIXTURE = 10  # components of the mixture prior, on a circle in the first two code dimensions
_MIXTURE_RADIUS, _MIXTURE_STD = 3.0, 0.5
_R1 = 1.0  # gradient penalty on prior samples (Mescheder et al. 2018): steadies the game


@register("prior", "gaussian")
def gaussian_prior(n: int, size: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """N(0, I)."""
    return torch.randn(n, size, generator=generator)


@register("prior", "mixture")
def mixture_prior(n: int, size: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Ten equally likely Gaussians (std 0.5) centred on a circle of radius 3 in the first two
    dimensions (Makhzani et al.'s figure 4); further dimensions are N(0, 1)."""
    z = torch.randn(n, size, generator=generator)
    component = torch.randint(_MIXTURE, (n,), generator=generator)
    angle = 2 * math.pi * component / _MIXTURE
    z[:, 0] = _MIXTURE_RADIUS * torch.cos(angle) + _MIXTURE_STD * z[:, 0]
    if size > 1:
        z[:, 1] = _MIXTURE_RADIUS * torch.sin(angle) + _MIXTURE_STD * z[:, 1]
    return z


class CodeAdversary(nn.Module):
    """Discriminator D(z) -> logit that z came from the prior, and the prior's sampler."""

    def __init__(self, code_size: int, prior: str):
        super().__init__()
        self.prior = prior
        self.code_size = code_size
        self.net = mlp([code_size, *_HIDDEN, 1], "leaky_relu", "he", last_act=False)

    def sample_prior(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return lookup("prior", self.prior, "--prior")(n, self.code_size, generator)

    def optimizers(self, model: nn.Module, lr: float) -> dict[str, torch.optim.Optimizer]:
        """Adam with beta1 0.5, as adversarial games are usually trained: the discriminator's
        own, and one over the encoder for its generator step."""
        return {"discriminator": torch.optim.Adam(self.parameters(), lr, betas=(0.5, 0.999)),
                "generator": torch.optim.Adam(model.encoder.parameters(), lr, betas=(0.5, 0.999))}

    def step(self, model: nn.Module, x: torch.Tensor,
             optimizers: dict[str, torch.optim.Optimizer]) -> dict[str, float]:
        """One regularisation phase on batch `x`: discriminator, then encoder as generator."""
        real = self.sample_prior(len(x)).to(x.device).requires_grad_(True)
        fake = model.latent(model.encoder(x))[0]
        real_logit, fake_logit = self.net(real), self.net(fake.detach())
        (slope,) = torch.autograd.grad(real_logit.sum(), real, create_graph=True)
        d_loss = (F.binary_cross_entropy_with_logits(real_logit, torch.ones_like(real_logit))
                  + F.binary_cross_entropy_with_logits(fake_logit, torch.zeros_like(fake_logit))
                  + _R1 / 2 * slope.pow(2).sum(1).mean())
        optimizers["discriminator"].zero_grad(set_to_none=True)
        d_loss.backward()
        optimizers["discriminator"].step()
        fooled = self.net(fake)
        g_loss = F.binary_cross_entropy_with_logits(fooled, torch.ones_like(fooled))
        optimizers["generator"].zero_grad(set_to_none=True)
        g_loss.backward()
        optimizers["generator"].step()
        return {"discriminator": d_loss.item(), "generator": g_loss.item()}


def build_adversary(config: ModelConfig) -> CodeAdversary | None:
    """The discriminator when the config names a prior (`--model aae`, `--prior`), else None."""
    if config.prior is None:
        return None
    return CodeAdversary(config.code_size, config.prior)
