"""The only place layers are built: activations, weight init, dense stacks."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
from torch import nn

from aekit.config import ModelConfig
from aekit.errors import AekitError
from aekit.registry import defaults, lookup, register

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "elu": nn.ELU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "leaky_relu": nn.LeakyReLU,
    "none": nn.Identity,
}


def latent_name(config: ModelConfig) -> str:
    """`--latent`, else what the architecture implies (`vae`: gaussian), else identity."""
    return str(config.parts()["latent"])


def prior_name(config: ModelConfig) -> str | None:
    """The adversarial prior: `--prior`, else what the architecture implies (`aae`)."""
    return config.parts()["prior"]


def is_generative(config: ModelConfig) -> bool:
    """Whether the code is a Gaussian posterior or is pushed to a prior."""
    return latent_name(config).startswith("gaussian") or prior_name(config) is not None


def code_layer(config: ModelConfig) -> nn.Module:
    """The code layer's activation module, an unknown name blamed on the option that gave it."""
    given = ("--activation" if config.code_activation is None
             else "model.code_activation (--code-activation)")
    return activation(code_activation(config), given)


def code_activation(config: ModelConfig) -> str:
    """The code layer's activation: `--code-activation`, else linear under a prior (which
    spans all reals), else the hidden activation."""
    implied = defaults("arch", config.arch).get("code_activation")  # linear: part of its maths
    if implied is not None or config.code_activation is not None:
        return implied or config.code_activation
    return "none" if prior_name(config) is not None else config.activation


def activation(name: str, option: str = "--activation") -> nn.Module:
    if name not in ACTIVATIONS:
        raise AekitError(f"{option}: expected one of {', '.join(ACTIVATIONS)}, got {name!r}")
    return ACTIVATIONS[name]()


for _name, _module in ACTIVATIONS.items():
    register("activation", _name)(_module)


@register("init", "he")
def he(weight: torch.Tensor) -> None:
    """He normal (TF1's variance_scaling_initializer, seed 000)."""
    nn.init.kaiming_normal_(weight, nonlinearity="relu")


@register("init", "xavier")
def xavier(weight: torch.Tensor) -> None:
    """Xavier uniform (Keras' glorot_uniform, seed 004)."""
    nn.init.xavier_uniform_(weight)


@register("init", "normal")
def normal(weight: torch.Tensor) -> None:
    """Truncated normal of std 0.02 (seed 001's TF1 convs)."""
    nn.init.trunc_normal_(weight, std=0.02, a=-0.04, b=0.04)


@register("init", "default")
def default(weight: torch.Tensor) -> None:
    """torch's own initialisation, biases included."""


def init_weights(layer: nn.Module, scheme: str) -> nn.Module:
    """The registered init `scheme` on the layer's weight, biases zero (`default` keeps
    torch's). For dense and conv layers alike: torch takes a kernel's fans from its receptive
    field, as Keras does (torch's own conv default is a third of He's variance, which starved the
    5-conv denoising AE of signal until it output zeros)."""
    lookup("init", scheme, "--init")(layer.weight)
    if scheme != "default" and layer.bias is not None:
        nn.init.zeros_(layer.bias)
    return layer


def mlp(sizes: Sequence[int], act: str, init: str, last_act: bool = True) -> nn.Sequential:
    """Dense stack sizes[0] -> ... -> sizes[-1], `act` after every layer (the last optional)."""
    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(init_weights(nn.Linear(fan_in, fan_out), init))
        if last_act or i < len(sizes) - 2:
            layers.append(activation(act))
    return nn.Sequential(*layers)
