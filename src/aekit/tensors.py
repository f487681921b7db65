"""Safetensors files (weights, checkpoints) read and written without pickle, beside `io.py`.

Every reader checks first that the path is a regular file with a plausible header, so a FIFO, a
folder or a crafted header fails in one line before anything is allocated; the run directory,
training and inference all read through here.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from aekit.errors import AekitError, one_line
from aekit.io import atomic_write

MAX_HEADER_BYTES = 100 * 1024 * 1024


def save_tensors(path: str | Path, tensors: dict[str, torch.Tensor],
                 metadata: dict[str, str] | None = None) -> Path:
    cpu = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    return atomic_write(path, lambda tmp: save_file(cpu, str(tmp), metadata=metadata))


def _regular(path: Path) -> os.stat_result:
    """A regular file's status: a FIFO would block the reader forever."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise AekitError(f"{path}: file not found") from None
    except OSError as exc:
        raise AekitError(f"{path}: cannot read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise AekitError(f"{path}: not a regular file (a folder, FIFO or device)")
    return info


def _readable(path: Path) -> None:
    """A regular file with a plausible safetensors header."""
    info = _regular(path)
    with path.open("rb") as handle:
        head = handle.read(8)
    size = int.from_bytes(head, "little") if len(head) == 8 else 0
    if size > MAX_HEADER_BYTES or size > info.st_size:
        raise AekitError(f"{path}: safetensors header of {size} bytes is implausibly large; "
                         "the file is corrupt or crafted")


def header_shapes(path: str | Path) -> dict[str, list[int]]:
    """Tensor names and shapes from a safetensors header alone: nothing is allocated."""
    path = Path(path)
    _readable(path)
    try:
        with path.open("rb") as handle:
            size = int.from_bytes(handle.read(8), "little")
            header = json.loads(handle.read(size))
        return {k: [int(d) for d in v["shape"]] for k, v in header.items()
                if k != "__metadata__"}
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise AekitError(f"{path}: not a valid safetensors file (header: "
                         f"{type(exc).__name__})") from None


def load_tensors(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Tensors and metadata of a safetensors file, or an error naming the file."""
    path = Path(path)
    _readable(path)
    try:
        with safe_open(str(path), framework="pt") as handle:
            tensors = {k: handle.get_tensor(k) for k in handle.keys()}  # noqa: SIM118
            metadata = handle.metadata() or {}
    except (SafetensorError, OSError, ValueError, RuntimeError, TypeError) as exc:
        raise AekitError(f"{path}: not a valid safetensors file ({one_line(exc, 160)})"
                         ) from None
    return tensors, metadata


def sha256_file(path: str | Path) -> str:
    _regular(Path(path))
    hasher = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def json_metadata(payload: dict[str, Any]) -> dict[str, str]:
    return {"aekit": json.dumps(payload)}


def read_json_metadata(metadata: dict[str, str], path: Path) -> dict[str, Any]:
    try:
        return json.loads(metadata["aekit"])
    except (KeyError, ValueError, RecursionError) as exc:
        raise AekitError(f"{path}: checkpoint metadata missing or malformed "
                         f"({type(exc).__name__})") from None
