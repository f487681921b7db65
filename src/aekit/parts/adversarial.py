"""The adversarial autoencoder's code discriminator and prior (Makhzani et al. 2015).

The encoder's side of the game is a loss term of the model (`prior_term`): fooling a frozen
discriminator plus the MMD between codes and prior draws. It is added to the reconstruction
loss and minimised by the same optimizer step, as WAE-GAN and WAE-MMD do (Tolstikhin et al.
2018). Makhzani's alternating phases, each with its own Adam, made every encoder step about as
large for the prior as for the reconstruction whatever the weights, and the codes drifted
(8-D codes of MNIST training images up to 0.4 from the prior's mean). After each step the
Trainer calls the model's extra step, where the discriminator alone learns to tell prior
samples from codes (its optimizer is held by the Trainer and saved in checkpoints).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from aekit.config import ModelConfig, PartOptions, opt, positive
from aekit.errors import AekitError
from aekit.parts.blocks import latent_name, mlp, prior_name
from aekit.registry import lookup, register

_HIDDEN = (256, 256)
_MIXTURE = 10  # components of the mixture prior, on a circle in the first two code dimensions
_MIXTURE_RADIUS, _MIXTURE_STD = 3.0, 0.5
_R1 = 1.0  # gradient penalty on prior samples (Mescheder et al. 2018): steadies the game


@dataclass(frozen=True, kw_only=True)
class AdversarialOptions(PartOptions):
    """How strongly the encoder's codes are pushed to the prior, and their calibration."""

    adversary_weight: float = opt(0.1, "weight of the encoder's fool-the-discriminator term, "
                                  "per sample (default 0.1)")
    mmd_weight: float = opt(1.0, "weight of the MMD between codes and prior draws (default 1)")
    code_calibration: bool = opt(True, "after training, move the codes by the affine map that "
                                 "gives them the prior's mean and covariance (the decoder takes "
                                 "its inverse)", negatable=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("adversary_weight", "mmd_weight"):
            positive("model", name, getattr(self, name), strict=False)


@register("prior", "gaussian", options=AdversarialOptions)
def gaussian_prior(n: int, size: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """N(0, I)."""
    return torch.randn(n, size, generator=generator)


@register("prior", "mixture", options=AdversarialOptions)
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


def imq_mmd(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Unbiased MMD^2 between two batches with inverse multiquadric kernels at several scales
    (Tolstikhin et al. 2018): heavy tails keep a gradient for codes far from the prior."""
    n, d = a.shape
    off = 1 - torch.eye(n, device=a.device)

    def kernel(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        dist = torch.cdist(u, v).pow(2)
        return sum(2 * d * s / (2 * d * s + dist) for s in (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0))

    return (((kernel(a, a) + kernel(b, b)) * off).sum() / (n * (n - 1))
            - 2 * kernel(a, b).mean())


class CodeAdversary(nn.Module):
    """Discriminator D(z) -> logit that z came from the prior, and the prior's sampler."""

    def __init__(self, code_size: int, prior: str, weight: float, mmd_weight: float):
        super().__init__()
        self.prior = prior
        self.code_size = code_size
        self.weight, self.mmd_weight = weight, mmd_weight
        self.net = mlp([code_size, *_HIDDEN, 1], "leaky_relu", "he", last_act=False)

    def sample_prior(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return lookup("prior", self.prior, "--prior")(n, self.code_size, generator)

    def prior_term(self, code: torch.Tensor) -> torch.Tensor:
        """The encoder's loss for its codes: -log D(code) through a discriminator whose weights
        get no gradient here, plus the MMD between the batch's codes and as many prior draws,
        which pulls the codes towards the prior even while D is still weak."""
        frozen = {name: p.detach() for name, p in self.net.named_parameters()}
        logit = torch.func.functional_call(self.net, frozen, (code,))
        fool = F.binary_cross_entropy_with_logits(logit, torch.ones_like(logit))
        draws = self.sample_prior(len(code)).to(code.device)
        return self.weight * fool + self.mmd_weight * imq_mmd(code, draws)

    def optimizers(self, model: nn.Module, lr: float) -> dict[str, torch.optim.Optimizer]:
        """The discriminator's own Adam, with beta1 0.5 as adversarial games are usually
        trained."""
        return {"discriminator": torch.optim.Adam(self.parameters(), lr, betas=(0.5, 0.999))}

    def step(self, model: nn.Module, x: torch.Tensor,
             optimizers: dict[str, torch.optim.Optimizer]) -> dict[str, float]:
        """The discriminator's step on batch `x`: prior samples against the current codes."""
        real = self.sample_prior(len(x)).to(x.device).requires_grad_(True)
        with torch.no_grad():
            fake = model.latent(model.encoder(x))[0]
        real_logit, fake_logit = self.net(real), self.net(fake)
        (slope,) = torch.autograd.grad(real_logit.sum(), real, create_graph=True)
        d_loss = (F.binary_cross_entropy_with_logits(real_logit, torch.ones_like(real_logit))
                  + F.binary_cross_entropy_with_logits(fake_logit, torch.zeros_like(fake_logit))
                  + _R1 / 2 * slope.pow(2).sum(1).mean())
        optimizers["discriminator"].zero_grad(set_to_none=True)
        d_loss.backward()
        if dist.is_initialized():  # DDP leaves the discriminator to this step: average here
            for param in self.parameters():
                dist.all_reduce(param.grad)
                param.grad /= dist.get_world_size()
        optimizers["discriminator"].step()
        return {"discriminator": d_loss.item()}


def build_adversary(config: ModelConfig, code_size: int) -> CodeAdversary | None:
    """The discriminator when the config names a prior (`--model aae`, `--prior`), else None."""
    prior = prior_name(config)
    if prior is None:
        return None
    lookup("prior", prior, "--prior")
    if latent_name(config).startswith("gaussian"):
        raise AekitError("model.prior (--prior): an adversarial prior needs a deterministic "
                         "code, not a gaussian latent")
    if not config.hidden:
        raise AekitError("model.hidden (--hidden): a generative model needs a dense code; give "
                         "--hidden, e.g. 16 after the convs")
    options: AdversarialOptions = config.part_options("prior")
    return CodeAdversary(code_size, prior, options.adversary_weight, options.mmd_weight)
