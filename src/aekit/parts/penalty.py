"""Penalties: extra loss terms built from the config; each returns None when switched off."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from aekit.config import ModelConfig
from aekit.errors import AekitError
from aekit.parts.blocks import code_activation
from aekit.registry import lookup, names, register

Penalty = Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor]


@register("penalty", "l2")
def l2(config: ModelConfig) -> Penalty | None:
    """L2 on weight matrices (not biases): l2 * sum(W**2) / 2, TF1's l2_regularizer (seed 000)."""
    if config.l2 == 0:
        return None
    weight = config.l2

    def term(model: nn.Module, x: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        # sum(W**2) as a dot product: one BLAS reduction, no temporary W**2 (was ~6% of a step)
        return weight * 0.5 * sum(w.reshape(-1).dot(w.reshape(-1))
                                  for w in model.weight_matrices())

    return term


def build_penalties(config: ModelConfig) -> dict[str, Penalty]:
    """Every registered penalty that the config switches on, by name: by its own option (l2,
    sparsity, contractive) or by a weight in `penalties`."""
    for name in config.penalties:
        lookup("penalty", name, "--penalty")
    built = {name: lookup("penalty", name)(config) for name in names("penalty")}
    return {name: fn for name, fn in built.items() if fn is not None}


# --- regularised autoencoders: sparsity and contractive penalties -------------------

_KL_EPS = 1e-6


def parse_sparsity(spec: str) -> tuple[str, tuple[float, ...]]:
    """`kl:TARGET:WEIGHT` -> ("kl", (target, weight)); `l1:WEIGHT` -> ("l1", (weight,))."""
    kind, *fields = spec.split(":")
    arity = {"kl": 2, "l1": 1}
    if kind not in arity or len(fields) != arity[kind]:
        raise AekitError(f"--sparsity: expected kl:TARGET:WEIGHT or l1:WEIGHT, got {spec!r}")
    try:
        values = tuple(float(f) for f in fields)
    except ValueError:
        raise AekitError(f"--sparsity: expected numbers in {spec!r}") from None
    if kind == "kl" and not 0 < values[0] < 1:
        raise AekitError(f"--sparsity: KL target must be in (0, 1), got {values[0]}")
    if not values[-1] >= 0:
        raise AekitError(f"--sparsity: weight must be >= 0, got {values[-1]}")
    return kind, values


def kl_sparsity(code: torch.Tensor, target: float) -> torch.Tensor:
    """sum_j KL(target || mean activation of unit j over the batch), as seed 000 (Géron)."""
    q = code.mean(dim=0).clamp(_KL_EPS, 1 - _KL_EPS)
    p = target
    return (p * torch.log(p / q) + (1 - p) * torch.log((1 - p) / (1 - q))).sum()


def l1_activity(code: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of sum_j |code_j|: tf.keras' activity_regularizer=l1, which divides the
    summed penalty by the batch size (Keras 2.0 of seed 004 summed over the batch instead, so the
    same weight there was batch_size times stronger)."""
    return code.abs().flatten(1).sum(dim=1).mean()


@register("penalty", "sparsity")
def sparsity(config: ModelConfig) -> Penalty | None:
    """`--sparsity`: KL to a target mean activation, or L1 on the code's activity."""
    if config.sparsity is None:
        return None
    kind, values = parse_sparsity(config.sparsity)
    weight = values[-1]
    if kind == "kl" and config.hidden and (code_act := code_activation(config)) != "sigmoid":
        raise AekitError(f"model.sparsity (--sparsity): KL sparsity needs codes in (0, 1), but "
                         f"the {config.arch} code activation is {code_act!r}; use --activation "
                         "sigmoid")

    def term(model: nn.Module, x: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        raw = kl_sparsity(code, values[0]) if kind == "kl" else l1_activity(code)
        return weight * raw

    return term


def sigmoid_dense_frobenius_sq(linear: nn.Linear, h: torch.Tensor) -> torch.Tensor:
    """Per-sample ||dh/dx||_F^2 for h = sigmoid(W x + b): sum_j (h_j(1-h_j))^2 sum_i W_ji^2
    (Rifai et al. 2011), O(N*code) instead of materialising the (code x input) Jacobian."""
    return ((h * (1 - h)) ** 2) @ linear.weight.pow(2).sum(dim=1)


def jacobian_frobenius_sq(encoder: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Per-sample ||d encoder(x) / dx||_F^2 by exact autograd (jacrev + vmap); differentiable
    w.r.t. the encoder's parameters, so it works as a penalty for any encoder."""
    def one(sample: torch.Tensor) -> torch.Tensor:
        return encoder(sample.unsqueeze(0)).squeeze(0)

    jac = torch.func.vmap(torch.func.jacrev(one))(x)
    return jac.pow(2).flatten(1).sum(dim=1)


def single_sigmoid_dense(encoder: nn.Module) -> nn.Linear | None:
    """The Linear layer when the encoder is exactly [Flatten,] Linear, Sigmoid; else None."""
    layers = [m for m in encoder.modules()
              if not isinstance(m, nn.Sequential | nn.Flatten)]
    if (len(layers) == 2 and isinstance(layers[0], nn.Linear)
            and isinstance(layers[1], nn.Sigmoid)):
        return layers[0]
    return None


@register("penalty", "contractive")
def contractive(config: ModelConfig) -> Penalty | None:
    """`--contractive W`: W * batch mean of the encoder Jacobian's squared Frobenius norm, at the
    clean input; closed form for one sigmoid dense layer, exact autograd otherwise."""
    if config.contractive == 0:
        return None
    weight = config.contractive

    def term(model: nn.Module, x: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        linear = single_sigmoid_dense(model.encoder)
        if linear is not None:
            norms = sigmoid_dense_frobenius_sq(linear, model.encoder(x))
        else:
            norms = jacobian_frobenius_sq(model.encoder, x)
        return weight * norms.mean()

    return term
