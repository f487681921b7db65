"""A model's size, found before a byte of it is allocated: its parameter shapes on the meta
device, and the memory its training needs against this machine's. The CLI's `train` and the
Python estimators refuse an oversized model by this one check."""

from __future__ import annotations

import math

import torch

from aekit.config import ModelConfig
from aekit.data.sources import ram_gib
from aekit.errors import AekitError, one_line
from aekit.model import Autoencoder

BYTES_PER_PARAMETER = 16  # float32 weights, gradients and two Adam moments


def skeleton(model_config: ModelConfig, where: str) -> dict[str, list[int]]:
    """The parameter shapes `model_config` builds, found on the meta device (no memory), so a
    crafted or mistyped size fails before anything is allocated."""
    try:
        with torch.device("meta"):
            model = Autoencoder(model_config)
    except AekitError as exc:
        raise AekitError(f"{where}: {exc}") from None
    except (RuntimeError, ValueError, OverflowError, TypeError, MemoryError) as exc:
        raise AekitError(f"{where}: the model cannot be built from these sizes "
                         f"({one_line(exc, 160)})") from None
    return {k: list(v.shape) for k, v in model.state_dict().items()}


def check_model_memory(shapes: dict[str, list[int]], option: str) -> None:
    """Refuse a model whose weights, gradients and optimizer state exceed 80% of the RAM,
    found from its shapes before a byte is allocated."""
    params = sum(math.prod(shape) for shape in shapes.values())
    needed, limit = params * BYTES_PER_PARAMETER / 2**30, 0.8 * ram_gib()
    if needed > limit:
        raise AekitError(f"{option}: the model has {params:,} parameters, {needed:.2f} GiB with "
                         f"gradients and optimizer state, more than the {limit:.2f} GiB (80% of "
                         "this machine's memory) it may use; choose smaller sizes")


def check_model_size(model_config: ModelConfig, option: str) -> None:
    """Both checks, the error naming `option` (`--hidden`, `hidden`, a run's config.json)."""
    check_model_memory(skeleton(model_config, option), option)
