"""Weights and training state in safetensors (+ JSON metadata): no pickle anywhere.

A checkpoint is one file: model tensors under `model.`, optimizer tensors under `optim.`, the
torch RNG under `rng.`, and the rest (epoch, history, optimizer hyper-parameters) as JSON in the
safetensors header, so it is written and renamed in one atomic step. The header also carries
the SHA-256 of all of it, checked before a resume trusts a byte.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import torch

from aekit.errors import AekitError
from aekit.tensors import load_tensors, read_json_metadata, save_tensors


def digest(tensors: dict[str, torch.Tensor], payload: str) -> str:
    """SHA-256 of a checkpoint's content (names, dtypes, shapes, bytes and its JSON payload),
    stored inside it so a corrupted file is refused on resume."""
    hasher = hashlib.sha256(payload.encode())
    for name in sorted(tensors):
        value = tensors[name].detach().to("cpu").contiguous()
        hasher.update(f"{name}|{value.dtype}|{list(value.shape)}".encode())
        hasher.update(value.reshape(-1).view(torch.uint8).numpy().tobytes())
    return hasher.hexdigest()


def save_checkpoint_file(path: str | Path, tensors: dict[str, torch.Tensor],
                         payload: dict[str, Any]) -> Path:
    text = json.dumps(payload)
    return save_tensors(path, tensors, {"aekit": text, "sha256": digest(tensors, text)})


def load_checkpoint_file(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """A checkpoint's tensors and payload, refused when its SHA-256 does not match."""
    path = Path(path)
    tensors, metadata = load_tensors(path)
    if metadata.get("sha256") != digest(tensors, metadata.get("aekit", "")):
        raise AekitError(f"{path}: checkpoint SHA-256 does not match its content; the file is "
                         "corrupted (resume from an earlier copy, or start again)")
    return tensors, check_payload(read_json_metadata(metadata, path), path)


def read_checkpoint_meta(path: str | Path) -> dict[str, Any]:
    """The payload of a checkpoint, checked (for deciding what a resume does)."""
    return load_checkpoint_file(path)[1]


def check_payload(meta: Any, path: Path) -> dict[str, Any]:
    """The checkpoint's JSON payload with the types the loop relies on, or a one-line error."""
    def bad(field: str, expected: str) -> AekitError:
        return AekitError(f"{path}: checkpoint field {field!r} must be {expected}")

    if not isinstance(meta, dict):
        raise bad("payload", "an object")
    for field in ("epoch", "step"):
        if isinstance(meta.get(field), bool) or not isinstance(meta.get(field), int) \
                or meta[field] < 0:
            raise bad(field, "an integer >= 0")
    if isinstance(meta.get("partial_loss"), bool) or not isinstance(
            meta.get("partial_loss"), int | float):
        raise bad("partial_loss", "a number")
    history = meta.get("history")
    if not isinstance(history, list) or not all(isinstance(r, dict) for r in history):
        raise bad("history", "a list of epoch records")
    optimizer = meta.get("optimizer")
    if not isinstance(optimizer, dict) or not isinstance(optimizer.get("param_groups"), list) \
            or not isinstance(optimizer.get("scalars"), dict):
        raise bad("optimizer", "an object with 'param_groups' and 'scalars'")
    if not isinstance(meta.get("extra_optimizers", {}), dict):
        raise bad("extra_optimizers", "an object")
    if not isinstance(meta.get("owner"), str | None):
        raise bad("owner", "a run id or null")
    meta.setdefault("stopped", False)
    if not isinstance(meta["stopped"], bool):
        raise bad("stopped", "true or false")
    return meta


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
    own = optimizer.state_dict()["param_groups"]
    if len(own) != len(groups) or any(set(mine) - set(theirs)  # torch loads them; a step fails
                                      for mine, theirs in zip(own, groups, strict=False)):
        raise ValueError(f"its optimizer state lacks options of {type(optimizer).__name__} "
                         "(another optimizer wrote it)")
    optimizer.load_state_dict({"state": state, "param_groups": groups})
