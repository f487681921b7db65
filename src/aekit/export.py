"""ONNX export of a trained model's encoder, decoder or whole encode-decode path.

Each part is exported as what the model's public methods compute in eval mode: `encode` (for a
VAE, the mean code), `decode`, or `decode(encode(x))`. So any part that makes `encode`/`decode`
right exports right, with no per-architecture code here.

torch's `torch.export`-based exporter (`dynamo=True`) is used: the TorchScript one is deprecated
since torch 2.9, and on stacked, conv and LSTM models both give the same graphs to within 1e-6.
Every export is run through onnxruntime at batch sizes 1 and N before the file lands, so a file
that exists is one that loads, has a free batch dimension and agrees with PyTorch.
"""

from __future__ import annotations

import contextlib
import copy
import io
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from aekit.errors import AekitError
from aekit.io import atomic_write
from aekit.model import Autoencoder

PARTS = ("encoder", "decoder", "full")
FORMATS = ("onnx",)
OPSET = 18
TOLERANCE = 1e-4
"""Largest max-abs difference from PyTorch accepted, relative to max(1, max |output|)."""


class _Part(nn.Module):
    """One of the model's public inference paths as a module with a single tensor input."""

    def __init__(self, model: Autoencoder, part: str):
        super().__init__()
        self.model, self.part = model, part

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.part == "encoder":
            return self.model.encode(x)
        if self.part == "decoder":
            return self.model.decode(x)
        return self.model.decode(self.model.encode(x))


def check_choices(part: str, fmt: str = "onnx") -> None:
    """Refuse an unknown --part or --format before any work is done."""
    if fmt not in FORMATS:
        raise AekitError(f"--format: expected {' or '.join(FORMATS)}, got {fmt!r}")
    if part not in PARTS:
        raise AekitError(f"--part: expected encoder, decoder or full, got {part!r}")


def _require_onnx() -> Any:
    try:
        import onnx  # noqa: F401
        import onnxruntime
        import onnxscript  # noqa: F401
    except ImportError as exc:
        raise AekitError(f"export: ONNX export needs onnx, onnxscript and onnxruntime "
                         f"({exc.name} is missing); install them with "
                         "pip install 'aekit[onnx]'") from None
    return onnxruntime


def part_inputs(model: Autoencoder, part: str, x: np.ndarray) -> np.ndarray:
    """What the part takes for model inputs `x`: `x` itself, or its codes for the decoder."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    if part != "decoder":
        return x
    with torch.inference_mode():
        return model.eval().encode(torch.as_tensor(x)).numpy()


def export_onnx(model: Autoencoder, path: str | Path, x: np.ndarray, part: str = "full"
                ) -> float:
    """Write `part` of `model` as ONNX to `path`, checked on model inputs `x` (N >= 2 samples,
    scaled as in training); returns the max abs difference from PyTorch over batch 1 and N.

    The batch dimension is dynamic. The file is written atomically, and only when onnxruntime
    agrees with PyTorch within TOLERANCE.
    """
    check_choices(part)
    ort = _require_onnx()
    if len(x) < 2:
        raise AekitError(f"export: needs at least 2 check samples, got {len(x)}")
    if next(model.parameters()).device.type != "cpu":  # checked on onnxruntime's CPU provider
        model = copy.deepcopy(model).cpu()
    model.eval()
    inputs = part_inputs(model, part, x)
    module = _Part(model, part).eval()
    example = torch.as_tensor(inputs[:2])
    try:
        with _quiet():
            program = torch.onnx.export(
                module, (example,), input_names=["x"], output_names=["y"],
                opset_version=OPSET, dynamic_shapes={"x": {0: torch.export.Dim("batch")}},
                dynamo=True, external_data=False, verbose=False)
    except Exception as exc:  # the exporter's many error types; say which part failed
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise AekitError(f"export: torch.onnx could not export the {part} of this "
                         f"{model.config.arch} model ({first})") from exc
    data = program.model_proto.SerializeToString()
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    diff, scale = 0.0, 1.0
    for batch in (inputs[:1], inputs):
        with torch.inference_mode():
            expected = module(torch.as_tensor(batch)).numpy()
        (got,) = session.run(None, {"x": batch})
        if got.shape != expected.shape:
            raise AekitError(f"export: onnxruntime gave shape {got.shape} for a batch of "
                             f"{len(batch)}, PyTorch {expected.shape}")
        diff = max(diff, float(np.abs(got - expected).max()))
        scale = max(scale, float(np.abs(expected).max()))
    if not diff <= TOLERANCE * scale:
        raise AekitError(f"export: onnxruntime differs from PyTorch by {diff:.3g} (more than "
                         f"{TOLERANCE * scale:.3g}); {path} was not written")
    atomic_write(path, lambda tmp: tmp.write_bytes(data))
    return diff


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The exporter prints progress and logs/warns about unrelated ops (torchvision's); a
    user asked for one file and one line, and real failures still raise."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
