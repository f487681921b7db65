"""Data for a trained run: read with the run's own reading options (overridden by those the
user gives), checked against the shape the model was trained on, and scaled as in training."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from aekit.config import DataConfig
from aekit.data.scaling import check_shape
from aekit.data.sources import Dataset, known_sources, load_source
from aekit.errors import AekitError
from aekit.io import atomic_write
from aekit.runs.run import Run

READING = ("data_dir", "array", "label_column", "time_column", "nan_policy", "max_memory",
           "kind", "window", "stride", "image_size", "columns", "drop_columns", "encoding",
           "pad")
"""The run's data options that say how a source is read."""


def read_options(loaded: Run, given: dict[str, Any]) -> DataConfig:
    """How the run reads data: its own reading options, overridden by those `given`; only a
    given --limit (not the training one) keeps fewer samples. The features are the run's, by
    name: --columns and --drop-columns may only say the same."""
    trained = loaded.data_config.columns
    if trained is None and (option := next((o for o in ("columns", "drop_columns")
                                            if given.get(o)), None)):
        raise AekitError(f"--{option.replace('_', '-')}: the run was trained on a source without "
                         "column names (an array), so its features cannot be chosen by name")
    chosen = {name: given[name] for name in READING
              if name in given and name not in ("columns", "drop_columns")}
    if trained is not None and tuple(given.get("columns") or trained) != tuple(trained):
        raise AekitError(f"--columns: the run was trained on columns {', '.join(trained)} "
                         "(matched by name in later data)")
    if trained is not None and (kept := set(given.get("drop_columns") or ()) & set(trained)):
        raise AekitError(f"--drop-columns: the run was trained on {sorted(kept)[0]!r}; its "
                         f"features are {', '.join(trained)}")
    return dataclasses.replace(loaded.data_config, limit=given.get("limit"), **chosen)


def model_length(loaded: Run) -> int | None:
    """The series length the model was trained on, which unequal-length series are made."""
    shape = loaded.model_config.input_shape
    return shape[0] if len(shape) == 2 and loaded.data_config.window is None else None


def load_for_run(loaded: Run, spec: str | None, given: dict[str, Any], option: str = "--data",
                 **overrides: Any) -> Dataset:
    """`spec` (default: the run's training source) read as the run reads data, then with
    `overrides`, and checked against the shape the model was trained on."""
    spec = spec or loaded.data_config.source
    data = load_source(spec, read_options(loaded, given), length=model_length(loaded),
                       **overrides)
    trained_on = loaded.data_config.columns
    if trained_on is not None and data.features is None:
        raise AekitError(f"{option}: {data.name} has no column names; the model was trained on "
                         f"the table columns {', '.join(trained_on)}, matched by name (give a "
                         "table with those columns)")
    check_shape(loaded.scaling, data.x, data.name)
    expected = loaded.model_config.input_shape
    if tuple(data.x.shape[1:]) != expected:
        raise AekitError(f"{option}: samples of {data.name} have shape {data.x.shape[1:]}, "
                         f"the model expects {expected}")
    return data


def scaled(loaded: Run, spec: str | None, given: dict[str, Any]
           ) -> tuple[Dataset, np.ndarray]:
    """The data and its samples scaled as at training time."""
    data = load_for_run(loaded, spec, given)
    return data, loaded.scaling.apply(data.x)


def labelled(loaded: Run, spec: str | None, given: dict[str, Any], option: str,
             limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Labelled data for a classifier (default: the training source's test split), scaled; its
    first `limit` samples (a --limit in `given` is the training data's, not this one's)."""
    spec = spec or test_split(loaded.data_config.source)
    data = load_for_run(loaded, spec, {**given, "limit": limit}, option)
    if data.y is None:
        raise AekitError(f"{option}: {data.name} has no labels")
    return loaded.scaling.apply(data.x), data.y


def test_split(spec: str) -> str:
    """The named set's test split, for a run trained on its training split."""
    name = spec.partition(":")[0]
    if name in known_sources() and f"{name}:test" in known_sources():
        return f"{name}:test"
    raise AekitError(f"--test-data: needed, {spec!r} has no known test split")


def save_npy(path: str | Path, array: np.ndarray) -> None:
    """An .npy written atomically, never a pickle."""
    def write(tmp: Path) -> None:
        with tmp.open("wb") as handle:
            np.save(handle, array, allow_pickle=False)

    atomic_write(path, write)
