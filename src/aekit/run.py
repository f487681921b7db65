"""The run directory, the unit users keep: config.json, model.safetensors, metrics.json, figures/.

`load(run_dir)` rebuilds the model from these files alone; the weights' SHA-256 and shapes are
recorded in config.json and checked on load, so an edited or swapped file fails clearly.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

import aekit
from aekit.config import DataConfig, ModelConfig, TrainConfig, from_dict, to_dict
from aekit.data.scaling import Scaling
from aekit.errors import AekitError
from aekit.io import atomic_write_json
from aekit.model import Autoencoder
from aekit.train.checkpoint import load_tensors, save_tensors, sha256_file

FORMAT = "aekit-run/1"
CLASSIFIER_FORMAT = "aekit-classifier/1"  # an encoder fine-tuned under a softmax head
RUN_FILES = ("config.json", "model.safetensors", "metrics.json", "figures", "checkpoints",
             "report.html", "tensorboard", "detector.safetensors")


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

    def __repr__(self) -> str:
        """One line: where, what model on what data, how far it trained."""
        cfg, history = self.model_config, self.metrics.get("history") or []
        sizes = "-".join(map(str, cfg.hidden)) or f"code {cfg.code_size}"
        last = history[-1] if history else {}
        loss = last.get("val_loss") if last.get("val_loss") is not None else last.get(
            "train_loss")
        trained = f", {len(history)} epochs" + (f", loss {loss:.5g}" if loss is not None
                                                 else "")
        return (f"Run('{self.path}': {cfg.arch} {sizes} on {self.data_config.source}"
                f"{trained if history else ''})")


def prepare(out: str | Path, overwrite: bool) -> Path:
    """Make `out` ready for a new run, refusing to touch an existing one without `overwrite`."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise AekitError(f"--out: {out} exists and is not a directory")
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise AekitError(f"--out: {out} already exists and is not empty; "
                             "pass --overwrite to replace it, or --resume to continue it")
        for name in RUN_FILES:
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_config(out: Path, model: ModelConfig, train: TrainConfig, data: DataConfig,
                 scaling: Scaling, preset: str | None, weights: dict[str, Any] | None = None,
                 **extra: Any) -> None:
    """config.json; `extra` (e.g. a classifier's classes) marks a classifier run."""
    atomic_write_json(out / "config.json", {
        "format": CLASSIFIER_FORMAT if extra else FORMAT,
        **extra,
        "aekit_version": aekit.__version__,
        "torch_version": torch.__version__,
        "preset": preset,
        "model": to_dict(model),
        "train": to_dict(train),
        "data": to_dict(data),
        "scaling": scaling.to_dict(),
        "weights": weights,
    })


def save_weights(out: Path, model: torch.nn.Module) -> dict[str, Any]:
    """Write model.safetensors; returns the record (sha256, shapes) for config.json."""
    state = model.state_dict()
    path = save_tensors(out / "model.safetensors", state)
    return {"sha256": sha256_file(path), "shapes": {k: list(v.shape) for k, v in state.items()}}


def read_config(run_dir: str | Path) -> dict[str, Any]:
    path = Path(run_dir) / "config.json"
    if not Path(run_dir).is_dir():
        raise AekitError(f"{run_dir}: not a run directory (no such folder)")
    try:
        config = json.loads(path.read_text())
    except FileNotFoundError:
        raise AekitError(f"{run_dir}: not a run directory (no config.json)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AekitError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(config, dict) or config.get("format") not in (FORMAT, CLASSIFIER_FORMAT):
        raise AekitError(f"{path}: not an aekit run config (expected format {FORMAT!r})")
    return config


def load_run(run_dir: str | Path, device: str | torch.device = "cpu") -> Run:
    """Rebuild a run's model and metadata, checking the weights against config.json."""
    run_dir = Path(run_dir)
    config = read_config(run_dir)
    model_config = from_dict(ModelConfig, config.get("model", {}), "model")
    weights = config.get("weights")
    if not weights:
        raise AekitError(f"{run_dir}: the run has no saved model yet (training did not finish); "
                         "resume it with aekit train --resume")
    path = run_dir / "model.safetensors"
    if not path.exists():
        raise AekitError(f"{path}: file not found")
    if sha256_file(path) != weights.get("sha256"):
        raise AekitError(f"{path}: SHA-256 does not match config.json; the file was changed "
                         "or swapped")
    tensors, _ = load_tensors(path)
    if weights.get("shapes") != {k: list(v.shape) for k, v in tensors.items()}:
        raise AekitError(f"{path}: tensor shapes do not match those recorded in config.json")
    if config["format"] == CLASSIFIER_FORMAT:  # the fine-tuned autoencoder under the head
        tensors = {k[3:]: v for k, v in tensors.items() if k.startswith("ae.")}
    model = Autoencoder(model_config)
    expected = {k: list(v.shape) for k, v in model.state_dict().items()}
    if expected != {k: list(v.shape) for k, v in tensors.items()}:
        raise AekitError(f"{path}: tensor names or shapes do not match the model in config.json")
    model.load_state_dict(tensors)
    model.to(device).eval()
    metrics_path = run_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
    return Run(run_dir, model, model_config,
               from_dict(TrainConfig, config.get("train", {}), "train"),
               from_dict(DataConfig, config.get("data", {}), "data"),
               Scaling.from_dict(config.get("scaling", {})), metrics, config.get("preset"))


def save_run(out: str | Path, model: Autoencoder, *, scaling: Scaling | None = None,
             data: DataConfig | str = "", train_config: TrainConfig | None = None,
             history: list[dict[str, Any]] | None = None, overwrite: bool = False) -> Run:
    """Save a model trained in Python as a run directory that every CLI command reads.

    `scaling` is what turned raw data into the model's inputs (`aekit.fit_scaling(data)`;
    default: none, the data are used as they are); `data` is the source later commands read
    when given no --data (a name, a path or a DataConfig); `history` is `Trainer.fit`'s.
    """
    if scaling is None:
        scaling = Scaling(np.zeros((), np.float32), np.ones((), np.float32))
    data_config = data if isinstance(data, DataConfig) else DataConfig(source=data)
    out = prepare(out, overwrite)
    weights = save_weights(out, model)
    write_config(out, model.config, train_config or TrainConfig(), data_config, scaling, None,
                 weights)
    atomic_write_json(out / "metrics.json", {"history": list(history or []), "final": {}})
    return load_run(out)


def load(run_dir: str | Path, device: str | torch.device = "cpu") -> Autoencoder:
    """The trained Autoencoder of a run directory, in eval mode."""
    return load_run(run_dir, device).model
