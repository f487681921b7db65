"""Convolutional architectures: `conv` for images (C, H, W) and `conv1d` for series (T, C).

Two ways down and up, chosen by `conv_mode`: `pool` is the Keras blog's same-padded conv + 2x2
max-pool, mirrored by conv + 2x upsampling (seed 004); `stride` is stride-2 convs mirrored by
stride-2 transposed convs (seed 001). The spatial sizes of every encoder step are planned once
from the input shape, and the decoder crops or output-pads back to exactly those sizes, so odd
sizes (28 -> 14 -> 7 -> 4) round-trip. Optional dense layers (`hidden`) then give a small code;
without them the code is the flattened last feature map (Keras blog: 8x4x4 = 128).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from aekit.config import ModelConfig, PartOptions, opt, positive
from aekit.config_check import fail
from aekit.errors import AekitError
from aekit.parts.blocks import activation, code_layer, init_weights, mlp
from aekit.parts.linear_path import (
    SERIES_MODEL_DEFAULTS,
    SERIES_TRAIN_DEFAULTS,
    FillPadding,
    LinearDecoder,
    LinearEncoder,
    LinearPathOptions,
    zero_last,
)
from aekit.registry import register

Sizes = tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class ConvOptions(PartOptions):
    """How a conv model goes down and up: its mode, channels per step and kernel size."""

    conv_mode: str = opt("pool", "pool (conv + max-pool, upsampling; Keras blog) or stride "
                         "(stride-2 convs, transposed convs)", choices=("pool", "stride"))
    channels: tuple[int, ...] = opt((16, 8, 8), "channels per step, e.g. 16,8,8")
    kernel: int = opt(3, "kernel size (default: 3)")

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.channels or any(c <= 0 for c in self.channels):
            fail("model", "channels", f"expected sizes > 0 like 16,8,8, got "
                 f"{list(self.channels)}")
        positive("model", "kernel", self.kernel)


@dataclass(frozen=True, kw_only=True)
class SeriesConvOptions(ConvOptions, LinearPathOptions):
    """conv1d: a conv's options and the sequence models' linear path."""


class MaxPool2x2(nn.MaxPool2d):
    """2x2 max-pool in ceil mode. Without autograd, on the CPU, it is the max of row pairs then
    of column pairs of strided views: the same values without the int64 indices torch's CPU
    pool always writes, which were half of keras-conv's bf16 `encode` time (`python -m
    benchmarks`: 97k -> 133k/s). With autograd, or when compiled or exported: torch's pool."""

    def __init__(self) -> None:
        super().__init__(2, ceil_mode=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.device.type != "cpu" or torch.is_grad_enabled() or torch.compiler.is_compiling():
            return super().forward(x)
        height, width = x.shape[-2:]
        if height % 2 or width % 2:  # ceil mode: an odd edge pools with nothing
            x = F.pad(x, (0, width % 2, 0, height % 2), value=float("-inf"))
        rows = torch.maximum(x[..., 0::2, :], x[..., 1::2, :])
        return torch.maximum(rows[..., 0::2], rows[..., 1::2])


_LAYERS = {1: (nn.Conv1d, nn.ConvTranspose1d, lambda: nn.MaxPool1d(2, ceil_mode=True)),
           2: (nn.Conv2d, nn.ConvTranspose2d, MaxPool2x2)}


def _layout(config: ModelConfig) -> tuple[int, Sizes]:
    """(input channels, spatial sizes) of one sample, checked against the arch."""
    shape, arch = config.input_shape, config.arch
    if arch == "conv" and len(shape) == 3:
        return shape[0], shape[1:]
    if arch == "conv1d" and len(shape) == 2:
        return shape[1], shape[:1]
    wanted = "images (C, H, W)" if arch == "conv" else "series (T, C): a .ts file, --kind series"
    raise AekitError(f"--model {arch}: needs {wanted}; got samples shaped {list(shape)}")


def step_fits(size: Sizes, kernel: int) -> bool:
    """A step needs a map of at least 2 (something to halve) and at least as wide as the kernel
    (a wider kernel sees mostly padding)."""
    return min(size) >= max(2, kernel)


def next_size(size: Sizes, kernel: int, mode: str) -> Sizes:
    """Spatial size after one encoder step: a ceil-mode 2x2 pool, or a stride-2 conv."""
    if mode == "pool":
        return tuple(math.ceil(s / 2) for s in size)
    return tuple((s + 2 * ((kernel - 1) // 2) - kernel) // 2 + 1 for s in size)


def plan(config: ModelConfig) -> list[Sizes]:
    """Spatial sizes before each encoder step and after the last, refusing steps that do not fit.

    A step that does not fit (`step_fits`) gets an error naming --kernel and --channels, the
    options that set the width and the depth.
    """
    _, spatial = _layout(config)
    options: ConvOptions = config.part_options("arch")
    k, channels, sizes = options.kernel, options.channels, [spatial]
    if k > min(spatial):
        raise AekitError(f"--kernel {k}: larger than the input {'x'.join(map(str, spatial))}")
    for step in range(len(channels)):
        current = sizes[-1]
        if not step_fits(current, k):
            raise AekitError(
                f"--kernel {k} / --channels {','.join(map(str, channels))}: step "
                f"{step + 1} of {len(channels)} gets a {'x'.join(map(str, current))} map "
                f"(input {'x'.join(map(str, spatial))}); use a smaller --kernel or fewer channels")
        sizes.append(next_size(current, k, options.conv_mode))
    return sizes


def feature_size(config: ModelConfig) -> int:
    """Elements of the last feature map: the code size when there are no dense layers."""
    return config.part_options("arch").channels[-1] * math.prod(plan(config)[-1])


class Crop(nn.Module):
    """Cut the trailing spatial dims to `sizes` (undoes the ceil of an odd halving)."""

    def __init__(self, sizes: Sizes):
        super().__init__()
        self.sizes = sizes

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[(..., *(slice(0, s) for s in self.sizes))]


class Channels(nn.Module):
    """Series (N, T, C) <-> (N, C, T) for conv1d; images pass, as channels_last on the CPU
    (measured faster there: `python -m benchmarks --models keras-conv`)."""

    def __init__(self, series: bool):
        super().__init__()
        self.series = series

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.series:
            return x.transpose(1, 2)
        if x.device.type == "cpu":
            return x.contiguous(memory_format=torch.channels_last)
        return x


def _encoder_body(config: ModelConfig, dims: int, in_channels: int) -> list[nn.Module]:
    conv, _, pool = _LAYERS[dims]
    options: ConvOptions = config.part_options("arch")
    k, layers, prev = options.kernel, [], in_channels
    for out in options.channels:
        if options.conv_mode == "pool":
            # pool before the activation: every activation aekit offers is monotone, so
            # act(max(x)) == max(act(x)), gradients included, on a quarter of the elements
            layers += [init_weights(conv(prev, out, k, padding="same"), config.init),
                       pool(),
                       activation(config.activation)]
        else:
            layers += [init_weights(conv(prev, out, k, stride=2, padding=(k - 1) // 2),
                                    config.init), activation(config.activation)]
        prev = out
    return layers


def _decoder_body(config: ModelConfig, dims: int, out_channels: int, sizes: list[Sizes]
                  ) -> list[nn.Module]:
    conv, deconv, _ = _LAYERS[dims]
    options: ConvOptions = config.part_options("arch")
    k, layers, prev = options.kernel, [], options.channels[-1]
    targets = sizes[-2::-1]
    if options.conv_mode == "pool":
        for out, target in zip(options.channels[::-1], targets, strict=True):
            layers += [init_weights(conv(prev, out, k, padding="same"), config.init),
                       activation(config.activation),
                       nn.Upsample(scale_factor=2, mode="nearest"), Crop(target)]
            prev = out
        return [*layers, init_weights(conv(prev, out_channels, k, padding="same"), config.init)]
    outs = [*options.channels[-2::-1], out_channels]
    pad = (k - 1) // 2
    for i, (out, source, target) in enumerate(zip(outs, sizes[:0:-1], targets, strict=True)):
        natural = [(s - 1) * 2 - 2 * pad + k for s in source]
        extra = tuple(max(t - n, 0) for t, n in zip(target, natural, strict=True))
        layers += [init_weights(deconv(prev, out, k, stride=2, padding=pad,
                                       output_padding=extra), config.init), Crop(target)]
        if i < len(outs) - 1:
            layers.append(activation(config.activation))
        prev = out
    return layers


def _conv_pair(config: ModelConfig, dims: int) -> tuple[nn.Module, nn.Module]:
    in_channels, _ = _layout(config)
    sizes = plan(config)
    last_map = (config.part_options("arch").channels[-1], *sizes[-1])
    features = math.prod(last_map)
    dense = [features, *config.hidden]
    series = dims == 1
    encoder = nn.Sequential(*([FillPadding()] if series else []), Channels(series),
                            *_encoder_body(config, dims, in_channels),
                            nn.Flatten(),
                            *(mlp(dense, config.activation, config.init, last_act=False)
                              if config.hidden else []),
                            code_layer(config) if config.hidden else nn.Identity())
    decoder = nn.Sequential(
        *(mlp(dense[::-1], config.activation, config.init) if config.hidden else []),
        nn.Unflatten(1, last_map), Channels(False) if not series else nn.Identity(),
        *_decoder_body(config, dims, in_channels, sizes),
        Channels(True) if series else nn.Identity())
    return encoder, decoder


@register("arch", "conv", options=ConvOptions)
def conv(config: ModelConfig) -> tuple[nn.Module, nn.Module]:
    """Conv encoder/decoder for images: pool+upsample (seed 004) or strided (seed 001)."""
    encoder, decoder = _conv_pair(config, 2)
    # kernels channels_last too, so the CPU conv kernels need no per-step layout conversions
    return (encoder.to(memory_format=torch.channels_last),
            decoder.to(memory_format=torch.channels_last))


@register("arch", "conv1d", options=SeriesConvOptions, model_defaults=SERIES_MODEL_DEFAULTS,
          train_defaults=SERIES_TRAIN_DEFAULTS)
def conv1d(config: ModelConfig) -> tuple[nn.Module, nn.Module]:
    """1-D conv encoder/decoder for series (T, C), with an optional dense code."""
    encoder, decoder = _conv_pair(config, 1)
    if not config.part_options("arch").linear_path:
        return encoder, decoder
    code = config.hidden[-1] if config.hidden else feature_size(config)
    shape = tuple(config.input_shape)
    return (LinearEncoder(zero_last(encoder), shape, code),
            LinearDecoder(zero_last(decoder), shape, code))
