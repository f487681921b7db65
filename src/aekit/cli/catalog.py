"""Registered names by kind and the parts' flags, as the help texts show them, read from
`catalog.json` beside this module: `aekit COMMAND --help` then imports neither torch nor the
parts. The file is made from the live registry by `aekit.cli.catalog_build`, and a default-suite
test keeps the two equal."""

from __future__ import annotations

import functools
import json
import string
from pathlib import Path
from typing import Any

CATALOG = Path(__file__).with_name("catalog.json")


@functools.cache
def _catalog() -> dict[str, Any]:
    return json.loads(CATALOG.read_text())


def wanted(texts: list[str]) -> set[str]:
    """The kinds named as `{kind}` in help texts."""
    return {name for text in texts for _, name, _, _ in string.Formatter().parse(text) if name}


def registered(kinds: set[str]) -> dict[str, str]:
    """Kind -> its names, comma-separated (what `{kind}` in a help text becomes)."""
    names = _catalog()["names"]
    return {kind: ", ".join(names.get(kind, [])) for kind in kinds}


def part_flags() -> list[dict[str, Any]]:
    """The parts' flags as the help lists them: group title, option strings, dest, metavar,
    help, choices, and whether the flag takes a value."""
    return _catalog()["part_flags"]
