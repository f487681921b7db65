"""Devices by name (`--device`), each a registry entry that says clearly when it is absent."""

from __future__ import annotations

import torch

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


def resolve_device(device: str = "auto") -> torch.device:
    """`auto`, `cpu`, `cuda`, `cuda:N` or `mps` as a torch device."""
    name, _, index = device.partition(":")
    make = lookup("device", name, "--device")
    if index:
        if name != "cuda" or not index.isdigit():
            raise AekitError(f"--device: expected auto, cpu, cuda, cuda:N or mps, got {device!r}")
        return make(index)
    return make()
