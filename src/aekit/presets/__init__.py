"""Presets: one TOML per seed system, shipped in the package and read into the config sections.

A preset has `description`, `seed`, `data`, and `[model]`, `[train]` tables whose keys are
config fields (a part's options among them, e.g. a conv's `kernel`); command-line options
override them. Its `[reproduce.NAME]` tables are the seed
systems built on it (what `aekit reproduce NAME` runs, the figures the seed drew, the number
it reports): the one home of each, read by the gallery and the examples.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import aekit.parts  # noqa: F401  (registers every part, with its options and defaults)
from aekit import registry
from aekit.config import DataConfig, ModelConfig, TrainConfig, from_dict
from aekit.errors import AekitError


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    seed: str
    data: str
    model: dict[str, Any]
    train: dict[str, Any]
    reproduce: dict[str, dict[str, Any]]


def _files() -> dict[str, Any]:
    return {f.name[:-5]: f for f in resources.files(__package__).iterdir()
            if f.name.endswith(".toml")}


def preset_names() -> list[str]:
    return sorted(_files())


def load_preset(name: str) -> Preset:
    """Read and validate one preset; an unknown name lists the known ones."""
    files = _files()
    if name not in files:
        close = difflib.get_close_matches(name, files, n=1)
        raise AekitError(f"--preset: unknown preset {name!r}; known: {', '.join(sorted(files))}"
                         + (f"; did you mean {close[0]!r}?" if close else ""))
    try:
        raw = tomllib.loads(files[name].read_text())
    except tomllib.TOMLDecodeError as exc:
        raise AekitError(f"preset {name}: invalid TOML ({exc})") from None
    unknown = set(raw) - {"description", "seed", "data", "model", "train", "reproduce"}
    if unknown:
        raise AekitError(f"preset {name}: unknown key {sorted(unknown)[0]!r}")
    preset = Preset(name, raw.get("description", ""), str(raw.get("seed", "")),
                    raw.get("data", "digits"), raw.get("model", {}), raw.get("train", {}),
                    raw.get("reproduce", {}))
    from_dict(ModelConfig, preset.model, f"preset {name}: model")
    from_dict(TrainConfig, preset.train, f"preset {name}: train")
    return preset


@dataclass(frozen=True)
class Recipe:
    """An architecture's default model and train options, under a preset's and the CLI's."""

    model: dict[str, Any]
    train: dict[str, Any]


def arch_defaults(arch: str) -> Recipe:
    """What `aekit train --model ARCH` uses for options not given: the defaults the
    architecture registered with (the sequence models have some), else nothing."""
    entry = registry.entry("arch", arch)
    return Recipe(entry.model_defaults, entry.train_defaults)


def resolve(preset: str | None, model: dict[str, Any], train: dict[str, Any],
            data: dict[str, Any], train_base: dict[str, Any] | None = None
            ) -> tuple[ModelConfig, TrainConfig, DataConfig]:
    """The configs of a run, layered as everywhere (`aekit train`, the estimators): the
    architecture's defaults when no preset is named, then the preset, then `model`, `train` and
    `data` (what the user gave); `train_base` goes under all of them."""
    found = load_preset(preset) if preset else None
    arch = model.get("arch") or (found.model.get("arch") if found else None) or "stacked"
    recipe = arch_defaults(arch) if found is None else Recipe({}, {})
    model = {"arch": "stacked", "output": "auto", **recipe.model,
             **(found.model if found else {}), **model}
    train = {**(train_base or {}), **recipe.train, **(found.train if found else {}), **train}
    data = {"source": found.data if found else "digits", **data}
    if data.get("data_dir"):
        data["data_dir"] = str(Path(data["data_dir"]).resolve())
    return (from_dict(ModelConfig, model, "model"), from_dict(TrainConfig, train, "train"),
            from_dict(DataConfig, data, "data"))


def describe() -> str:
    """One line per preset: its name, seed document, data and description."""
    lines = []
    for name in preset_names():
        preset = load_preset(name)
        lines.append(f"{name:<15} seed {preset.seed}, {preset.data}: {preset.description}")
    return "\n".join(lines)
