"""Weights and training state in safetensors (+ JSON metadata): no pickle anywhere.

A checkpoint is one file: model tensors under `model.`, optimizer tensors under `optim.`, the
torch RNG under `rng.`, and the rest (epoch, history, optimizer hyper-parameters) as JSON in the
safetensors header, so it is written and renamed in one atomic step.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from aekit.errors import AekitError
from aekit.io import atomic_write

MAX_HEADER_BYTES = 100 * 1024 * 1024


def save_tensors(path: str | Path, tensors: dict[str, torch.Tensor],
                 metadata: dict[str, str] | None = None) -> Path:
    cpu = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    return atomic_write(path, lambda tmp: save_file(cpu, str(tmp), metadata=metadata))


def load_tensors(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Tensors and metadata of a safetensors file, or an error naming the file."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
        if len(head) == 8 and int.from_bytes(head, "little") > MAX_HEADER_BYTES:
            raise AekitError(f"{path}: safetensors header of {int.from_bytes(head, 'little')} "
                             "bytes is implausibly large; the file is corrupt or crafted")
        with safe_open(str(path), framework="pt") as handle:
            tensors = {k: handle.get_tensor(k) for k in handle.keys()}  # noqa: SIM118
            metadata = handle.metadata() or {}
    except FileNotFoundError:
        raise AekitError(f"{path}: file not found") from None
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise AekitError(f"{path}: not a valid safetensors file ({exc})") from None
    return tensors, metadata


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def optimizer_to_flat(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    """Split an optimizer state_dict into tensors and JSON-native values."""
    state = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for index, slots in state["state"].items():
        for name, value in slots.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optim.{index}.{name}"] = value
            else:
                scalars.setdefault(str(index), {})[name] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def optimizer_from_flat(optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor],
                        info: dict[str, Any]) -> None:
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        _, index, name = key.split(".", 2)
        state.setdefault(int(index), {})[name] = value
    for index, slots in info["scalars"].items():
        state.setdefault(int(index), {}).update(slots)
    groups = [{**g, "betas": tuple(g["betas"])} if "betas" in g else g
              for g in info["param_groups"]]
    optimizer.load_state_dict({"state": state, "param_groups": groups})


def json_metadata(payload: dict[str, Any]) -> dict[str, str]:
    return {"aekit": json.dumps(payload)}


def read_json_metadata(metadata: dict[str, str], path: Path) -> dict[str, Any]:
    try:
        return json.loads(metadata["aekit"])
    except (KeyError, json.JSONDecodeError) as exc:
        raise AekitError(f"{path}: checkpoint metadata missing or malformed ({exc})") from None
