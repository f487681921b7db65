"""The ladder network (Rasmus et al. 2015): a denoising autoencoder whose decoder sees every
encoder layer through lateral connections, trained on labelled and unlabelled rows together.

Why this one for few labels: each layer's denoising cost makes the unlabelled rows shape every
layer's features, not only the input reconstruction, while the supervised cost trains the same
encoder's top layer as the classifier. Rasmus et al. report 98.9% on MNIST with 100 labels, the
best of the autoencoder methods (M1+M2 96.7%, semi-supervised AAE 98.1%), from a plain MLP.

The architecture `ladder` is an ordinary Autoencoder (clean encoder, top-down decoder without
laterals), so run directories, `encode` and `reconstruct` treat it like any other;
`LadderNetwork` runs the same parameters as a ladder: a clean and a noisy encoder pass, and the
decoder denoising every layer of the noisy pass, with the clean pass as its targets.
"""

from __future__ import annotations

import itertools
import math
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from aekit.config import ModelConfig
from aekit.errors import AekitError
from aekit.parts.blocks import activation, is_generative
from aekit.parts.noise import parse_noise
from aekit.registry import register

DEFAULT_NOISE = 0.3
"""Standard deviation of the noisy pass's Gaussian noise (Rasmus et al.'s MNIST setting)."""
MOMENTUM = 0.1
"""Weight of each clean training batch in the running mean and variance used at inference."""
EPS = 1e-5


def denoising_weights(n_layers: int) -> list[float]:
    """Weight of each layer's denoising cost, input first: Rasmus et al.'s MNIST weights
    (1000 on the input, 10 on the first layer, 0.1 above), which make the low layers carry the
    unsupervised signal while the top stays free to follow the labels."""
    return [1000.0, 10.0, *[0.1] * (n_layers - 1)][:n_layers + 1]


class LadderLayer(nn.Module):
    """Linear map, batch normalisation without learned scale, then shift (and, on the top
    layer, scale) and activation: the normalised pre-activation `z` is what noise is added to
    and what the decoder reconstructs, so the scale lives after it."""

    def __init__(self, n_in: int, n_out: int, act: str, scaled: bool):
        super().__init__()
        self.linear = nn.Linear(n_in, n_out, bias=False)
        nn.init.normal_(self.linear.weight, std=1 / math.sqrt(n_in))
        self.beta = nn.Parameter(torch.zeros(n_out))
        self.gamma = nn.Parameter(torch.ones(n_out)) if scaled else None
        self.act = activation(act)
        self.register_buffer("running_mean", torch.zeros(n_out))
        self.register_buffer("running_var", torch.ones(n_out))

    def step(self, h: torch.Tensor, noise_std: float = 0.0, update: bool = False
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(z, batch mean, batch std, output) of one layer; batch statistics in training,
        running ones in eval; `update` folds this batch into the running statistics."""
        z_pre = self.linear(h)
        if self.training:
            mean, var = z_pre.mean(0), z_pre.var(0, unbiased=False)
            if update:
                with torch.no_grad():
                    self.running_mean.lerp_(mean, MOMENTUM)
                    self.running_var.lerp_(var, MOMENTUM)
        else:
            mean, var = self.running_mean, self.running_var
        std = (var + EPS).sqrt()
        z = (z_pre - mean) / std
        if noise_std:
            z = z + noise_std * torch.randn_like(z)
        shifted = z + self.beta
        return z, mean, std, self.act(shifted if self.gamma is None else self.gamma * shifted)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.step(h, update=self.training)[3]


class Combinator(nn.Module):
    """The "vanilla" combinator g(z~, u): per unit, a sigmoid-plus-linear mean and weight that
    decide how much of the noisy lateral z~ to keep given the top-down signal u."""

    def __init__(self, width: int):
        super().__init__()
        init = [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]
        self.a = nn.Parameter(torch.tensor(init).repeat(width, 1).T.contiguous())

    def forward(self, z_noisy: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        a = self.a
        mu = a[0] * torch.sigmoid(a[1] * u + a[2]) + a[3] * u + a[4]
        v = a[5] * torch.sigmoid(a[6] * u + a[7]) + a[8] * u + a[9]
        return (z_noisy - mu) * v + mu


def _normalise(u: torch.Tensor) -> torch.Tensor:
    return (u - u.mean(0)) / (u.var(0, unbiased=False) + EPS).sqrt()


class LadderDecoder(nn.Module):
    """Top-down path: u_l = BN(V_l z^_(l+1)) and z^_l = g(z~_l, u_l). Called with a code alone
    (as an Autoencoder's decoder) the laterals are zero: a top-down guess of the input."""

    def __init__(self, sizes: list[int], input_shape: tuple[int, ...]):
        super().__init__()
        self.sizes = sizes
        self.input_shape = tuple(input_shape)
        self.top = Combinator(sizes[-1])
        self.maps = nn.ModuleList(nn.Linear(sizes[i + 1], sizes[i], bias=False)
                                  for i in reversed(range(len(sizes) - 1)))
        self.combinators = nn.ModuleList(Combinator(sizes[i])
                                         for i in reversed(range(len(sizes) - 1)))

    def denoise(self, top: torch.Tensor, laterals: list[torch.Tensor]) -> list[torch.Tensor]:
        """z^ for every layer, input first, from the noisy top logits and noisy laterals z~;
        the top-down signal starts from the class probabilities."""
        z_hat = [self.top(laterals[-1], _normalise(top.softmax(1)))]
        for linear, combinator, z_noisy in zip(self.maps, self.combinators, laterals[-2::-1],
                                               strict=True):
            z_hat.append(combinator(z_noisy, _normalise(linear(z_hat[-1]))))
        return z_hat[::-1]

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        laterals = [code.new_zeros(len(code), size) for size in self.sizes]
        return self.denoise(code, laterals)[0].unflatten(1, self.input_shape)


@register("arch", "ladder")
def ladder(config: ModelConfig) -> tuple[nn.Module, nn.Module]:
    """Ladder network (Rasmus et al. 2015): batch-normalised MLP, lateral denoising decoder;
    the last hidden size is the number of classes (train with --labels)."""
    if is_generative(config):
        raise AekitError("--model ladder: has its own noise and decoder; drop --latent/--prior")
    n_in = math.prod(config.input_shape) if config.input_shape else 0
    if not n_in:
        raise AekitError("model.input_shape: unknown; give the data or input_shape=(...)")
    sizes = [n_in, *config.hidden]
    layers = [LadderLayer(a, b, config.activation if i < len(sizes) - 2 else "none",
                          scaled=i == len(sizes) - 2)
              for i, (a, b) in enumerate(itertools.pairwise(sizes))]
    return nn.Sequential(nn.Flatten(), *layers), LadderDecoder(sizes, config.input_shape)


class LadderOutput(NamedTuple):
    """As a classifier's output; `logits` is None in training mode, where the labelled and
    unlabelled rows take different passes and only the loss is wanted."""

    loss: torch.Tensor
    logits: torch.Tensor | None
    terms: dict[str, torch.Tensor]


class LadderNetwork(nn.Module):
    """Semi-supervised loss of a `ladder` Autoencoder `ae`: cross-entropy of the noisy path on
    rows whose label is not -1, plus each layer's weighted denoising cost on the rows labelled
    -1 (Rasmus et al.'s split: the few labelled rows, repeated in every batch, would otherwise
    be memorised by the decoder too).

    The noise is the model's `noise` (gaussian:LEVEL, default 0.3), added to the input and to
    every normalised pre-activation of the noisy pass. `denoising_scale` 0 leaves the same
    network with the supervised cost alone (the baseline). In eval mode it is the clean
    encoder: logits for prediction.
    """

    def __init__(self, ae: nn.Module, denoising_scale: float = 1.0):
        super().__init__()
        if ae.config.arch != "ladder":
            raise AekitError(f"--model: semi-supervised training needs the ladder model, got "
                             f"{ae.config.arch!r}")
        spec = parse_noise(ae.config.noise) if ae.config.noise else None
        if spec is not None and spec.kind != "gaussian":
            raise AekitError(f"--noise: the ladder adds gaussian noise to every layer; expected "
                             f"gaussian:LEVEL, got {ae.config.noise!r}")
        self.ae = ae
        self.layers = [m for m in ae.encoder if isinstance(m, LadderLayer)]
        self.noise_std = DEFAULT_NOISE if spec is None else spec.level
        self.weights = [denoising_scale * w for w in denoising_weights(len(self.layers))]

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> LadderOutput:
        """Labelled and unlabelled rows go through the encoder as separate batches, so each
        part is normalised with its own statistics: the few labelled rows, repeated in every
        batch, never shift the unlabelled rows' normalisation, and the running statistics
        used at inference come from the unlabelled rows, which look like the data to predict.
        """
        if not self.training:  # unlabelled rows (y = -1) add nothing to the loss
            logits = self.ae.encode(x)
            known = y >= 0 if y is not None else None
            loss = F.cross_entropy(logits[known], y[known]) \
                if known is not None and bool(known.any()) else logits.new_zeros(())
            return LadderOutput(loss, logits, {"cross_entropy": loss})
        h = x.flatten(1)
        known = y >= 0 if y is not None else torch.zeros(len(h), dtype=torch.bool,
                                                         device=h.device)
        terms = {"cross_entropy": h.new_zeros(()), "denoising": h.new_zeros(())}
        if bool(known.any()):
            logits = self._noisy(h[known])[1]
            terms["cross_entropy"] = F.cross_entropy(logits, y[known])
        if not bool(known.all()):
            terms["denoising"] = self._denoising_cost(h[~known])
        first, second = terms.values()
        return LadderOutput(first + second, None, terms)

    def _noisy(self, h: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """The corrupted pass: each layer's noisy z~ (input first) and the top logits."""
        h = h + self.noise_std * torch.randn_like(h)
        laterals = [h]
        for layer in self.layers:
            z, _, _, h = layer.step(h, self.noise_std)
            laterals.append(z)
        return laterals, h

    def _denoising_cost(self, h: torch.Tensor) -> torch.Tensor:
        """Weighted squared error between the decoder's z^ (normalised with the clean batch's
        statistics) and the clean pass's z, layer by layer. The gradient reaches both sides,
        as in Rasmus et al.'s code: the clean pass, which is the classifier at inference, is
        pulled toward what the noisy pass can predict of it."""
        if not any(self.weights):  # the labels-alone baseline: unlabelled rows only set the
            with torch.no_grad():  # running statistics, as they do for the ladder
                self.ae.encoder(h)
            return h.new_zeros(())
        clean, stats, h_clean = [h], [], h
        for layer in self.layers:
            z, mean, std, h_clean = layer.step(h_clean, update=True)
            clean.append(z)
            stats.append((mean, std))
        laterals, top = self._noisy(h)
        z_hat = self.ae.decoder.denoise(top, laterals)
        cost = h.new_zeros(())
        for i, (weight, target, estimate) in enumerate(zip(self.weights, clean, z_hat,
                                                           strict=True)):
            if i:
                mean, std = stats[i - 1]
                estimate = (estimate - mean) / std
            cost = cost + weight * (estimate - target).pow(2).mean()
        return cost
