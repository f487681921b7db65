"""A run's training scores per score name, kept beside the model in `detector.safetensors`.

They are the training split as the model saw it (windows for a series run), tied to the weights'
SHA-256, so `aekit detect` turns any `--contamination` into a threshold without reading the
training data again. `mse` is stored when training ends; another score is computed from the
run's training data on first use and added.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from aekit.data.prepare import prepare_data, read_data
from aekit.errors import AekitError
from aekit.runs.lock import locked
from aekit.runs.run import Run, read_config
from aekit.scores import anomaly_scores, fit_score
from aekit.tensors import json_metadata, load_tensors, read_json_metadata, save_tensors

TRAIN_SCORES = "detector.safetensors"
FORMAT = "aekit-detector/1"


def store_train_scores(run_dir: str | Path, model: torch.nn.Module, x_train: np.ndarray,
                       weights_sha256: str, score: str = "mse"
                       ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Fit and compute `score` on the (scaled) training data; keep both in the detector file."""
    state = fit_score(model, x_train, score)
    scores = anomaly_scores(model, x_train, score, state)
    path = Path(run_dir) / TRAIN_SCORES
    with locked(run_dir):
        tensors = _stored(path, weights_sha256)
        tensors[score] = torch.as_tensor(scores)
        tensors.update({f"{score}.state.{k}": torch.as_tensor(np.asarray(v))
                        for k, v in state.items()})
        save_tensors(path, tensors, json_metadata({"format": FORMAT,
                                                   "weights_sha256": weights_sha256}))
    return scores, state


def _stored(path: Path, weights_sha256: str) -> dict[str, torch.Tensor]:
    """The scores kept in `path`, or none if they belong to other weights (a retrained run)."""
    if not path.exists():
        return {}
    tensors, metadata = load_tensors(path)
    meta = read_json_metadata(metadata, path)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT \
            or meta.get("weights_sha256") != weights_sha256:
        return {}
    for name, value in tensors.items():
        scores = "." not in name
        if not value.is_floating_point() or (scores and (value.ndim != 1 or not len(value))) \
                or not torch.isfinite(value).all():
            raise AekitError(f"{path}: {name!r} must be finite "
                             f"{'training scores, one per sample' if scores else 'numbers'}; "
                             "delete the file and aekit detect computes it again")
    return tensors


def train_scores(loaded: Run, score: str = "mse") -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The run's training scores and fitted score state, from its detector file or computed
    from its training data and kept."""
    sha = read_config(loaded.path)["weights"]["sha256"]
    stored = _stored(loaded.path / TRAIN_SCORES, sha)
    if score in stored:
        prefix = f"{score}.state."
        state = {k[len(prefix):]: v.numpy() for k, v in stored.items() if k.startswith(prefix)}
        probe = np.zeros((2, *loaded.model_config.input_shape), np.float32)
        expected = {k: _state_shape(k, np.shape(v))
                    for k, v in fit_score(loaded.model, probe, score).items()}
        if {k: _state_shape(k, v.shape) for k, v in state.items()} != expected:
            raise AekitError(f"{loaded.path / TRAIN_SCORES}: the {score!r} score state does not "
                             "fit this model; delete the file and aekit detect computes it again")
        return stored[score].numpy(), state
    prepared = prepare_data(read_data(loaded.data_config), loaded.model_config,
                            loaded.train_config, loaded.data_config.scaling)
    return store_train_scores(loaded.path, loaded.model, prepared.train, sha, score)


def _state_shape(name: str, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The part of a state array's shape fixed by the model: a `rows_` array holds one row per
    reference sample, however many the training data gave."""
    return tuple(shape[1:]) if name.startswith("rows_") else tuple(shape)
