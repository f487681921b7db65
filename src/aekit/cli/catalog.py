"""Registered names by kind, for the help texts. Each kind is registered by importing the
module that defines it; only the kinds a help text names are imported (torch, not sklearn,
for `train --help`)."""

from __future__ import annotations

import importlib
import string

from aekit import registry

HOMES = {"score": "aekit.scores", "optimizer": "aekit.train.optim",
         "device": "aekit.device"}
"""Where each kind outside `aekit.parts` is registered."""


def wanted(texts: list[str]) -> set[str]:
    """The kinds named as `{kind}` in help texts."""
    return {name for text in texts for _, name, _, _ in string.Formatter().parse(text) if name}


def import_parts() -> None:
    """Register every model part, with its options (what `train`'s part flags are made of)."""
    importlib.import_module("aekit.parts")


def registered(kinds: set[str]) -> dict[str, str]:
    """Kind -> its names, comma-separated (what `{kind}` in a help text becomes)."""
    for kind in kinds:
        importlib.import_module(HOMES.get(kind, "aekit.parts"))
    return {kind: ", ".join(registry.names(kind)) for kind in kinds}
