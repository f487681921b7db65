"""Moment calibration of an adversarial code: the last word on its mean and covariance.

An adversary and an MMD term push the codes' whole distribution towards the prior, but with a
finite budget they leave the first two moments off by a few tenths (8-D MNIST codes, 20 epochs:
means up to 0.2 from the prior's). The moments are the part a linear map settles exactly. After
training, the codes of the training data are moved by the affine map of least displacement that
gives them the prior's mean and covariance (the optimal-transport map between the two Gaussian
fits), and the decoder's first layer takes the inverse map. Reconstructions are unchanged, the
shape the adversary learnt is kept, and decoding prior draws samples the region the training
codes fill, as the ex-post density fits of deterministic autoencoders do (Ghosh et al. 2020).
The map is folded into the weights, so a saved or exported model needs no extra step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
import torch.distributed as dist
from torch import nn

from aekit.parts.blocks import code_activation

_PRIOR_DRAWS = 1 << 18  # seeded draws: the prior's moments to about 0.002


def _sqrtm(cov: torch.Tensor, power: float = 0.5) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(cov)
    values = values.clamp_min(values.max() * 1e-12)
    return (vectors * values.pow(power)) @ vectors.T


def transport_map(cov_from: torch.Tensor, cov_to: torch.Tensor) -> torch.Tensor:
    """The symmetric M with M cov_from M = cov_to that moves points least (the Monge map
    between centred Gaussians): for an identity target, ZCA whitening, not an arbitrary
    rotation of it."""
    root = _sqrtm(cov_from)
    inverse_root = _sqrtm(cov_from, -0.5)
    return inverse_root @ _sqrtm(root @ cov_to @ root) @ inverse_root


def moments(rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and (biased) covariance of float64 rows."""
    mean = rows.mean(0)
    centred = rows - mean
    return mean, centred.T @ centred / len(rows)


def code_moments(encode: Callable[[torch.Tensor], torch.Tensor],
                 batches: Iterable[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and covariance of the codes of every batch, in float64 on the CPU (which every
    device's codes can reach), summed over torchrun's ranks so that each rank folds the same
    map."""
    n, total, outer, device = 0, 0.0, 0.0, None
    for xb in batches:
        code, device = encode(xb), xb.device
        code = code.cpu().double()
        n, total, outer = n + len(code), total + code.sum(0), outer + code.T @ code
    packed = torch.cat([torch.tensor([float(n)], dtype=torch.float64), total, outer.flatten()])
    if dist.is_initialized():  # on the batches' device: NCCL reduces CUDA tensors only
        on_device = packed.to(device)
        dist.all_reduce(on_device)
        packed = on_device.cpu()
    count, size = packed[0], len(total)
    mean = packed[1:1 + size] / count
    return mean, packed[1 + size:].view(size, size) / count - torch.outer(mean, mean)


def _linears(module: nn.Module) -> list[nn.Linear]:
    return [m for m in module.modules() if isinstance(m, nn.Linear)]


def foldable(model: nn.Module) -> bool:
    """Whether the code is the linear output of the encoder's last Linear layer and the input
    of the decoder's first own one (not a tied decoder's borrowed transpose)."""
    encoder, decoder = _linears(model.encoder), _linears(model.decoder)
    return (bool(encoder and decoder) and code_activation(model.config) == "none"
            and encoder[-1].out_features == model.code_size and encoder[-1].bias is not None
            and decoder[0].in_features == model.code_size and decoder[0].bias is not None)


@torch.no_grad()
def fold_affine(model: nn.Module, shift_from: torch.Tensor, matrix: torch.Tensor,
                shift_to: torch.Tensor) -> None:
    """Codes become matrix @ (code - shift_from) + shift_to; the decoder undoes it first.
    Computed in float64 on the CPU; `copy_` brings each result back to its layer's device and
    dtype."""
    last, first = _linears(model.encoder)[-1], _linears(model.decoder)[0]
    w_last, b_last, w_first, b_first = (t.detach().cpu().double() for t in (
        last.weight, last.bias, first.weight, first.bias))
    inverse = torch.linalg.inv(matrix)
    last.weight.copy_(matrix @ w_last)
    last.bias.copy_(matrix @ (b_last - shift_from) + shift_to)
    first.weight.copy_(w_first @ inverse)
    first.bias.copy_(b_first + w_first @ (shift_from - inverse @ shift_to))


@torch.no_grad()
def calibrate_codes(model: nn.Module, batches: Iterable[torch.Tensor]) -> None:
    """Fold the map that gives the codes of `batches` the prior's mean and covariance."""
    was_training = model.training
    model.eval()
    try:
        mean, cov = code_moments(model.encode, batches)
    finally:
        model.train(was_training)
    draws = model.adversary.sample_prior(_PRIOR_DRAWS, torch.Generator().manual_seed(0))
    prior_mean, prior_cov = moments(draws.double())
    fold_affine(model, mean, transport_map(cov, prior_cov), prior_mean)
