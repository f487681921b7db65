"""Dense architectures: `linear` (= PCA), `stacked`, and `tied` (decoder reuses W transposed).

Each builder returns (encoder, decoder): the encoder maps (N, *input_shape) to (N, code), the
decoder maps codes back to (N, *input_shape) *pre-activation* outputs (logits), so that BCE can be
computed from logits and the output activation lives in one place, the Autoencoder.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from aekit.config import ModelConfig
from aekit.errors import AekitError
from aekit.parts.blocks import activation, code_layer, is_generative, mlp
from aekit.registry import register


def _input_size(config: ModelConfig) -> int:
    if not config.hidden:
        raise AekitError(f"model.hidden (--hidden): a {config.arch} model needs dense layers, "
                         "e.g. 300,150")
    if not config.input_shape:
        raise AekitError("model.input_shape: unknown; give the data or input_shape=(...)")
    return math.prod(config.input_shape)


def _dense_pair(config: ModelConfig, act: str, init: str) -> tuple[nn.Module, nn.Module]:
    n_in = _input_size(config)
    sizes = [n_in, *config.hidden]
    encoder = nn.Sequential(nn.Flatten(), *mlp(sizes, act, init, last_act=False),
                            code_layer(config))
    decoder = nn.Sequential(
        *mlp(sizes[::-1], act, init, last_act=False), nn.Unflatten(1, config.input_shape)
    )
    return encoder, decoder


@register("arch", "linear", code_activation="none")
def linear(config: ModelConfig) -> tuple[nn.Module, nn.Module]:
    """Linear encoder and decoder, no activation: spans the PCA subspace (seed 000)."""
    return _dense_pair(config, "none", config.init)


@register("arch", "stacked")
def stacked(config: ModelConfig) -> tuple[nn.Module, nn.Module]:
    """Dense stack, mirrored decoder (seed 000: 784-300-150-300-784, He init, ELU)."""
    return _dense_pair(config, config.activation, config.init)


class TiedDecoder(nn.Module):
    """Mirror of a dense encoder that reuses its weight matrices transposed, with its own biases.

    The encoder's Linear layers are held in a plain tuple, not registered as submodules, so each
    weight appears once in `state_dict()` and in the optimizer.
    """

    def __init__(self, encoder_linears: list[nn.Linear], act: str, output_shape: tuple[int, ...]):
        super().__init__()
        self._sources = tuple(reversed(encoder_linears))
        self.biases = nn.ParameterList(
            nn.Parameter(torch.zeros(layer.in_features)) for layer in self._sources
        )
        self.act = activation(act)
        self.unflatten = nn.Unflatten(1, output_shape)

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        h = code
        last = len(self._sources) - 1
        for i, (layer, bias) in enumerate(zip(self._sources, self.biases, strict=True)):
            h = F.linear(h, layer.weight.t(), bias)
            if i < last:
                h = self.act(h)
        return self.unflatten(h)


@register("arch", "tied")
def tied(config: ModelConfig) -> tuple[nn.Module, nn.Module]:
    """Stacked encoder; the decoder reuses its weights transposed (seed 000): half the weights."""
    n_in = _input_size(config)
    encoder = nn.Sequential(nn.Flatten(), *mlp([n_in, *config.hidden], config.activation,
                                               config.init, last_act=False),
                            code_layer(config))
    if is_generative(config):
        raise AekitError("model.arch (--model): generative codes need their own code layer; "
                         "tied weights cannot share it, use --model vae or stacked")
    linears = [m for m in encoder if isinstance(m, nn.Linear)]
    return encoder, TiedDecoder(linears, config.activation, config.input_shape)


# --- generative autoencoders: dense stacks whose latent or prior makes them generative ---------


@register("arch", "vae", latent="gaussian")
def vae(config: ModelConfig) -> tuple[nn.Module, nn.Module]:
    """Variational AE: dense stack with a Gaussian latent (seed 000: 784-500-500-20, ELU, He)."""
    return _dense_pair(config, config.activation, config.init)


@register("arch", "aae", prior="gaussian")
def aae(config: ModelConfig) -> tuple[nn.Module, nn.Module]:
    """Adversarial AE: dense stack, linear code pushed to a prior by a discriminator."""
    return _dense_pair(config, config.activation, config.init)
