"""Command-line flags made from the config fields: each field's flag, type, help, choices and
help group come from its `config.opt` declaration, so an option is written once.

Only the standard library and `aekit.config` are imported: `aekit --help` stays fast. Registry
names (`{arch}` in a help text) are filled in when a sub-command's help is shown. The parts'
own options come from the options dataclasses they register (`part_flags`), so their flags
exist once the parts are imported.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from collections.abc import Callable
from typing import Any

from aekit import registry
from aekit.cli.arguments import names, sizes
from aekit.config import PART_KINDS, DataConfig, ModelConfig, TrainConfig
from aekit.errors import option_name

SECTIONS: dict[type, str] = {ModelConfig: "model", TrainConfig: "training", DataConfig: "data"}
"""Each config section and the help group its flags are listed under (unless a field names
its own group)."""

READ_FIELDS = ("source", "data_dir", "limit", "array", "label_column", "time_column",
               "nan_policy", "max_memory", "kind", "window", "stride", "image_size", "columns",
               "drop_columns", "pad")
"""How a source is read: the data flags of every command that reads data with a run."""


def flag(field: dataclasses.Field) -> str | None:
    """The field's flag (`--model` for `arch`), or None for a field set from the data."""
    return field.metadata.get("flag", option_name(field.name))


def dest(field: dataclasses.Field) -> str:
    return str(flag(field))[2:].replace("-", "_")


def flagged(cls: type, names: tuple[str, ...] | None = None) -> list[dataclasses.Field]:
    """The fields of a config section that have a flag, in declaration order (or `names`')."""
    fields = {f.name: f for f in dataclasses.fields(cls) if flag(f) is not None}
    return [fields[n] for n in names] if names is not None else list(fields.values())


def part_fields() -> dict[str, tuple[type, dataclasses.Field]]:
    """Every registered part option, once: name -> (an options dataclass declaring it, its
    field), in the order the parts were registered (none before the parts are imported)."""
    found: dict[str, tuple[type, dataclasses.Field]] = {}
    for option, ((kind, name), *_) in registry.option_takers().items():
        cls = registry.options(kind, name)
        found[option] = (cls, next(f for f in dataclasses.fields(cls) if f.name == option))
    return found


def add_flags(parser: argparse.ArgumentParser | Any, cls: type,
              names: tuple[str, ...] | None = None,
              groups: dict[str, Any] | None = None, **help_suffix: str) -> None:
    """Add a flag for each field of `cls` (or those in `names`), into its help group when
    `groups` is given; `help_suffix` adds text to a field's help (`source="; default: ..."`)."""
    hints = typing.get_type_hints(cls)
    for field in flagged(cls, names):
        where = parser if groups is None else groups[field.metadata.get("group", SECTIONS[cls])]
        _add_flag(where, field, hints[field.name], help_suffix.get(field.name, ""))


def add_part_flags(group: Callable[[str], Any]) -> None:
    """Add a flag for each registered part option, into the help group `group(title)` of the
    parts that take it (`conv, conv1d architectures`)."""
    takers = registry.option_takers()
    kinds = list(PART_KINDS)
    for option, (cls, field) in sorted(part_fields().items(),
                                       key=lambda item: kinds.index(takers[item[0]][0][0])):
        kind = takers[option][0][0]
        names = [name for k, name in takers[option] if k == kind]
        noun = PART_KINDS[kind] + ("s" if len(names) > 1 else "")
        _add_flag(group(f"{', '.join(names)} {noun}"), field,
                  typing.get_type_hints(cls)[option], "")


def add_listed_flags(group: Callable[[str], Any], listed: list[dict[str, Any]]) -> None:
    """The part flags as `catalog.json` lists them, for a help page: they show as the parts'
    own flags do, without the parts (and torch) imported; parsing adds the real ones."""
    for entry in listed:
        options: dict[str, Any] = {"dest": entry["dest"], "help": entry["help"]}
        if entry["takes_value"]:
            options.update(metavar=entry["metavar"], choices=entry["choices"])
        else:
            options["action"] = "store_true"
        group(entry["group"]).add_argument(*entry["flags"], **options)


def _add_flag(where: Any, field: dataclasses.Field, kind: Any, suffix: str) -> None:
    """The field's flag: its type, help, choices and metavar from the field."""
    meta = field.metadata
    options: dict[str, Any] = {"help": meta["help"] + suffix, "dest": dest(field),
                               "default": None}
    if kind is bool:
        options["action"] = (argparse.BooleanOptionalAction if meta.get("negatable")
                             else "store_true")
    elif typing.get_origin(kind) is dict:  # NAME=VALUE, repeatable
        options.update(action="append", type=weighted, metavar=meta.get("metavar"))
    else:
        if typing.get_origin(kind) in (typing.Union, types.UnionType):  # X | None: X
            kind = next(t for t in typing.get_args(kind) if t is not type(None))
        if typing.get_origin(kind) is tuple:
            kind = names if typing.get_args(kind)[0] is str else sizes
        options["type"] = kind
        options.update({k: meta[k] for k in ("choices", "metavar") if k in meta})
    where.add_argument(flag(field), **options)


def weighted(text: str) -> tuple[str, float]:
    """An argparse type: `NAME=WEIGHT`."""
    name, sep, weight = text.partition("=")
    try:
        if not (sep and name.strip()):
            raise ValueError(text)
        return name.strip(), float(weight)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected NAME=WEIGHT like orthogonal=0.01, got "
                                         f"{text!r}") from None


def _section_fields(cls: type, names: tuple[str, ...] | None = None
                    ) -> list[dataclasses.Field]:
    """The flagged fields of a section; the model's include its parts' options."""
    parts = [field for _, field in part_fields().values()] if cls is ModelConfig else []
    return [*flagged(cls, names), *parts]


def values(args: argparse.Namespace, cls: type, names: tuple[str, ...] | None = None
           ) -> dict[str, Any]:
    """The fields of `cls` given on the command line, by field name (repeated NAME=VALUE
    flags as one table); for the model, its parts' options too."""
    given = {f.name: getattr(args, dest(f)) for f in _section_fields(cls, names)
             if getattr(args, dest(f), None) is not None}
    return {name: dict(value) if isinstance(value, list) and value and
            isinstance(value[0], tuple) else value for name, value in given.items()}


def given_flags(args: argparse.Namespace) -> dict[str, Any]:
    """Every config flag given on the command line, by its flag's name (`model`, `data`)."""
    return {dest(f): getattr(args, dest(f)) for cls in SECTIONS for f in _section_fields(cls)
            if getattr(args, dest(f), None) is not None}
