"""Devices by name (`--device`) and precision (`--precision`): what training and inference share,
so that inference never imports the training package."""

from __future__ import annotations

import torch

from aekit.config import PRECISIONS
from aekit.errors import AekitError
from aekit.registry import lookup, register


@register("device", "auto")
def auto() -> torch.device:
    """The CUDA GPU when present, then Apple's MPS, else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


@register("device", "cpu")
def cpu() -> torch.device:
    """The CPU."""
    return torch.device("cpu")


@register("device", "cuda")
def cuda(index: str = "") -> torch.device:
    """An NVIDIA GPU (`cuda:1` picks one)."""
    if not torch.cuda.is_available():
        raise AekitError("--device: cuda requested but no CUDA GPU is available")
    return torch.device(f"cuda:{index}" if index else "cuda")


@register("device", "mps")
def mps() -> torch.device:
    """Apple silicon's GPU (Metal Performance Shaders)."""
    if not torch.backends.mps.is_available():
        raise AekitError("--device: mps requested but this machine or torch build has no MPS "
                         "(Apple silicon with macOS 12.3+)")
    return torch.device("mps")


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """`auto`, `cpu`, `cuda`, `cuda:N` or `mps` as a torch device (a torch device as it is)."""
    if isinstance(device, torch.device):
        return device
    name, _, index = device.partition(":")
    make = lookup("device", name, "--device")
    if index:
        if name != "cuda" or not index.isdigit():
            raise AekitError(f"--device: expected auto, cpu, cuda, cuda:N or mps, got {device!r}")
        return make(index)
    return make()


def autocast(device_type: str, precision: str) -> torch.autocast:
    """The context a pass runs in at `precision` (one of config.PRECISIONS): fp32 as is, bf16
    under autocast. Training's forward and inference (`metrics.infer`) both use it."""
    if precision not in PRECISIONS:
        raise AekitError(f"--precision: expected {' or '.join(PRECISIONS)}, got {precision!r}")
    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    return torch.autocast(device_type, dtype=dtype, enabled=precision != "fp32")
