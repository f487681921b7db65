"""Presets: one TOML per seed system, shipped in the package and read into the config sections.

A preset has `description`, `seed`, `data`, and `[model]`, `[train]` tables whose keys are
config fields; command-line options override them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from aekit.config import ModelConfig, TrainConfig, from_dict
from aekit.errors import AekitError


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    seed: str
    data: str
    model: dict[str, Any]
    train: dict[str, Any]


def _files() -> dict[str, Any]:
    return {f.name[:-5]: f for f in resources.files(__package__).iterdir()
            if f.name.endswith(".toml")}


def preset_names() -> list[str]:
    return sorted(_files())


def load_preset(name: str) -> Preset:
    """Read and validate one preset; an unknown name lists the known ones."""
    files = _files()
    if name not in files:
        import difflib

        close = difflib.get_close_matches(name, files, n=1)
        raise AekitError(f"--preset: unknown preset {name!r}; known: {', '.join(sorted(files))}"
                         + (f"; did you mean {close[0]!r}?" if close else ""))
    try:
        raw = tomllib.loads(files[name].read_text())
    except tomllib.TOMLDecodeError as exc:
        raise AekitError(f"preset {name}: invalid TOML ({exc})") from None
    unknown = set(raw) - {"description", "seed", "data", "model", "train"}
    if unknown:
        raise AekitError(f"preset {name}: unknown key {sorted(unknown)[0]!r}")
    preset = Preset(name, raw.get("description", ""), str(raw.get("seed", "")),
                    raw.get("data", "digits"), raw.get("model", {}), raw.get("train", {}))
    from_dict(ModelConfig, preset.model, f"preset {name}: model")
    from_dict(TrainConfig, preset.train, f"preset {name}: train")
    return preset


@dataclass(frozen=True)
class Recipe:
    """An architecture's default model and train options, under a preset's and the CLI's."""

    model: dict[str, Any]
    train: dict[str, Any]


def arch_defaults(arch: str) -> Recipe:
    """`presets/arch/ARCH.toml` when the architecture has one (the sequence models do), else
    nothing: what `aekit train --model ARCH` uses for options not given."""
    path = resources.files(__package__) / "arch" / f"{arch}.toml"
    if not path.is_file():
        return Recipe({}, {})
    raw = tomllib.loads(path.read_text())
    recipe = Recipe(raw.get("model", {}), raw.get("train", {}))
    from_dict(ModelConfig, {"arch": arch, **recipe.model}, f"presets/arch/{arch}.toml: model")
    from_dict(TrainConfig, recipe.train, f"presets/arch/{arch}.toml: train")
    return recipe
