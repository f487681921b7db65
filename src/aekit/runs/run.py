"""The run directory, the unit users keep: config.json, model.safetensors, metrics.json, figures/.

`load(run_dir)` rebuilds the model from these files alone; the weights' SHA-256 and shapes are
recorded in config.json and checked on load, so an edited or swapped file fails clearly. A run
directory is untrusted input: every file is checked for type and size before it is parsed, and
the model's shapes are compared with the weights' header before any memory is allocated.
"""

from __future__ import annotations

import json
import stat
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

import aekit
from aekit.config import DataConfig, ModelConfig, TrainConfig, from_dict, to_dict
from aekit.data.scaling import Scaling
from aekit.errors import AekitError, one_line
from aekit.io import atomic_write_json
from aekit.model import Autoencoder
from aekit.model_size import skeleton
from aekit.runs import lock
from aekit.runs.kinds import CLASSIFIER_FORMAT, FORMAT, FORMATS, RunKind, kind_of
from aekit.tensors import header_shapes, load_tensors, save_tensors, sha256_file

MAX_JSON_BYTES = 64 * 2**20


@dataclass(frozen=True)
class RunConfig:
    """What config.json records of how a run was made, whatever its kind: the model, training
    and data options, the scaling fitted on the training split, and the preset named; and the
    run's identity, drawn once for a new run and written into its checkpoints too, so that a
    resume knows a checkpoint copied in from another run (None: a run made before runs had
    one)."""

    model: ModelConfig
    train: TrainConfig
    data: DataConfig
    scaling: Scaling
    preset: str | None = None
    run_id: str | None = field(default_factory=lambda: uuid.uuid4().hex, compare=False)


@dataclass(repr=False)
class Run:
    """A loaded run: the model, its configs, the data scaling, and its metrics."""

    path: Path
    model: Autoencoder
    model_config: ModelConfig
    train_config: TrainConfig
    data_config: DataConfig
    scaling: Scaling
    metrics: dict[str, Any]
    preset: str | None

    @property
    def setup(self) -> RunConfig:
        """How the run was made, as its config.json records it."""
        return RunConfig(self.model_config, self.train_config, self.data_config, self.scaling,
                         self.preset)

    def __repr__(self) -> str:
        """One line: where, what model on what data, how far it trained."""
        cfg, history = self.model_config, self.metrics.get("history") or []
        sizes = "-".join(map(str, cfg.hidden)) or f"code {self.model.code_size}"
        last = history[-1] if history else {}
        loss = last.get("val_loss") if last.get("val_loss") is not None else last.get(
            "train_loss")
        trained = f", {len(history)} epochs" + (f", loss {loss:.5g}" if loss is not None
                                                 else "")
        return (f"Run('{self.path}': {cfg.arch} {sizes} on {self.data_config.source}"
                f"{trained if history else ''})")


def write_config(out: Path, kind: RunKind, setup: RunConfig,
                 weights: dict[str, Any] | None = None, **details: Any) -> None:
    """config.json: the run's kind, `details` of that kind (a classifier's classes), `setup`,
    and the weights' record (None until training has finished). One that `read_config` would
    refuse as too large is not written: a new run then stops before training."""
    atomic_write_json(out / "config.json", {
        "format": kind.format,
        "kind": kind.name,
        **details,
        "aekit_version": aekit.__version__,
        "torch_version": torch.__version__,
        "preset": setup.preset,
        "run_id": setup.run_id,
        "model": to_dict(setup.model),
        "train": to_dict(setup.train),
        "data": to_dict(setup.data),
        "scaling": setup.scaling.to_dict(),
        "weights": weights,
    }, max_bytes=MAX_JSON_BYTES)


def save_weights(out: Path, model: torch.nn.Module) -> dict[str, Any]:
    """Write model.safetensors; returns the record (sha256, shapes) for config.json."""
    state = model.state_dict()
    path = save_tensors(out / "model.safetensors", state)
    return {"sha256": sha256_file(path), "shapes": {k: list(v.shape) for k, v in state.items()}}


def read_config(run_dir: str | Path) -> dict[str, Any]:
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise AekitError(f"{run_dir}: not a run directory (no such folder)")
    lock.check_links(run_dir)
    path = run_dir / "config.json"
    if not path.exists():
        raise AekitError(f"{run_dir}: not a run directory (no config.json)")
    config = read_json(path, MAX_JSON_BYTES)
    if not isinstance(config, dict) or config.get("format") not in FORMATS:
        raise AekitError(f"{path}: not an aekit run config (expected format {FORMAT!r})")
    for key in ("model", "train", "data", "scaling"):
        if not isinstance(config.get(key, {}), dict):
            raise AekitError(f"{path}: {key!r} must be an object, got "
                             f"{type(config[key]).__name__}")
    weights = config.get("weights")
    if weights is not None and not (isinstance(weights, dict) and isinstance(
            weights.get("sha256"), str) and isinstance(weights.get("shapes"), dict)):
        raise AekitError(f"{path}: 'weights' must be null or an object with 'sha256' and "
                         "'shapes', as aekit writes it")
    if "classes" in config and config["format"] != CLASSIFIER_FORMAT:
        raise AekitError(f"{path}: 'classes' belongs to a classifier run (format "
                         f"{CLASSIFIER_FORMAT!r}), not to {config['format']!r}")
    kind_of(config, path)
    return config


def recorded(config: dict[str, Any], run_dir: Path, key: str, kind: type) -> Any:
    """A run kind's own entry of its config.json (`key`; dots reach into objects, as in
    `semisup.labels`), checked to be a `kind` as aekit writes it, else a one-line error."""
    value: Any = config
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise AekitError(f"{run_dir / 'config.json'}: {key!r} must be {kind.__name__}, as aekit "
                         "writes it (a run written before it kept this cannot be resumed)")
    return value


def read_json(path: Path, max_bytes: int) -> Any:
    """A run's JSON file, or a one-line error: missing, not a regular file, too big, binary,
    invalid or nested too deeply."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise AekitError(f"{path}: not a regular file")
        if info.st_size > max_bytes:
            raise AekitError(f"{path}: {info.st_size} bytes, more than the {max_bytes} a run's "
                             "JSON file may have")
        return json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise AekitError(f"{path}: file not found") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise AekitError(f"{path}: not valid JSON ({one_line(exc, 120)})") from None
    except RecursionError:
        raise AekitError(f"{path}: not valid JSON (nested too deeply)") from None


def read_metrics(run_dir: Path) -> dict[str, Any]:
    """metrics.json ({} when training has not finished), checked to be an object."""
    path = run_dir / "metrics.json"
    if not path.exists() and not path.is_symlink():
        return {}
    metrics = read_json(path, MAX_JSON_BYTES)
    history = metrics.get("history", []) if isinstance(metrics, dict) else None
    if not isinstance(history, list) or not all(isinstance(r, dict) for r in history) \
            or not isinstance(metrics.get("final", {}), dict | None):
        raise AekitError(f"{path}: expected an object with a 'history' list of epoch records "
                         "and a 'final' object")
    return metrics


def _weights_record(config: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    """The weights' record (checked by `read_config`), or an error for an unfinished run."""
    if not config.get("weights"):
        raise AekitError(f"{run_dir}: the run has no saved model yet (training did not finish); "
                         "resume it with aekit train --resume")
    return config["weights"]


def run_config(config: dict[str, Any], run_dir: Path) -> RunConfig:
    """How a run was made, read from its config.json (`config`), errors naming the file."""
    try:
        model, train, data = (from_dict(ModelConfig, config.get("model", {}), "model"),
                              from_dict(TrainConfig, config.get("train", {}), "train"),
                              from_dict(DataConfig, config.get("data", {}), "data"))
    except AekitError as exc:
        raise AekitError(f"{run_dir / 'config.json'}: {exc}") from None
    return RunConfig(model, train, data, scaling_of(config, run_dir), _preset(config, run_dir),
                     _named(config, run_dir, "run_id"))


def load_run(run_dir: str | Path, device: str | torch.device = "cpu") -> Run:
    """Rebuild a run's model and metadata, checking the weights against config.json."""
    run_dir = Path(run_dir)
    config = read_config(run_dir)
    setup = run_config(config, run_dir)
    prefix = kind_of(config, run_dir / "config.json").autoencoder_prefix
    weights = _weights_record(config, run_dir)
    path = run_dir / "model.safetensors"
    if not path.exists():
        raise AekitError(f"{path}: file not found")
    if sha256_file(path) != weights["sha256"]:
        raise AekitError(f"{path}: SHA-256 does not match config.json; the file was changed "
                         "or swapped")
    stored = header_shapes(path)
    if weights["shapes"] != stored:
        raise AekitError(f"{path}: tensor shapes do not match those recorded in config.json")
    if prefix:  # the autoencoder under a classifier's head
        stored = {k[len(prefix):]: v for k, v in stored.items() if k.startswith(prefix)}
    if skeleton(setup.model, f"{run_dir / 'config.json'}: model") != stored:
        raise AekitError(f"{path}: tensor names or shapes do not match the model in config.json")
    tensors, _ = load_tensors(path)
    if prefix:
        tensors = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
    if not all(torch.isfinite(t).all() for t in tensors.values() if t.is_floating_point()):
        raise AekitError(f"{path}: the weights contain NaN or infinite values; the run diverged "
                         "or the file was edited")
    model = Autoencoder(setup.model)
    model.load_state_dict(tensors)
    model.to(device).eval()
    return Run(run_dir, model, setup.model, setup.train, setup.data, setup.scaling,
               read_metrics(run_dir), setup.preset)


def scaling_of(config: dict[str, Any], run_dir: Path) -> Scaling:
    try:
        return Scaling.from_dict(config.get("scaling", {}))
    except AekitError as exc:
        raise AekitError(f"{run_dir / 'config.json'}: {exc}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise AekitError(f"{run_dir / 'config.json'}: 'scaling' is malformed "
                         f"({one_line(exc, 120)})") from None


def _preset(config: dict[str, Any], run_dir: Path) -> str | None:
    return _named(config, run_dir, "preset")


def _named(config: dict[str, Any], run_dir: Path, key: str) -> str | None:
    """A string entry of config.json that may be null or absent."""
    value = config.get(key)
    if value is not None and not isinstance(value, str):
        raise AekitError(f"{run_dir / 'config.json'}: {key!r} must be a name or null")
    return value


def load(run_dir: str | Path, device: str | torch.device = "cpu") -> Autoencoder:
    """The trained Autoencoder of a run directory, in eval mode."""
    return load_run(run_dir, device).model


def run_kind(run_dir: str | Path) -> RunKind:
    """The kind of the run in `run_dir` (checked as `read_config` checks it)."""
    return kind_of(read_config(run_dir), Path(run_dir) / "config.json")
