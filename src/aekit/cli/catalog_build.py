"""Make `catalog.json` from the live registry (imports torch and every part):

    python -m aekit.cli.catalog_build

after adding a part, a registered name or a part option; a test compares the two."""

from __future__ import annotations

import argparse
import importlib
import json
from typing import Any

from aekit import registry
from aekit.cli.catalog import CATALOG
from aekit.cli.options import add_part_flags

HOMES = ("aekit.parts", "aekit.scores", "aekit.train.optim", "aekit.device")
"""The modules whose import registers every kind."""


def live_catalog() -> dict[str, Any]:
    """Every registered name by kind, and each part flag's help entry."""
    for home in HOMES:
        importlib.import_module(home)
    parser = argparse.ArgumentParser(add_help=False)
    groups: dict[str, Any] = {}
    add_part_flags(lambda title: groups.setdefault(title, parser.add_argument_group(title)))
    flags = [{"group": title, "flags": action.option_strings, "dest": action.dest,
              "metavar": action.metavar, "help": action.help,
              "choices": list(action.choices) if action.choices else None,
              "takes_value": action.nargs != 0}
             for title, group in groups.items() for action in group._group_actions]
    return {"names": {kind: registry.names(kind) for kind in registry.kinds()},
            "part_flags": flags}


def main() -> None:
    CATALOG.write_text(json.dumps(live_catalog(), indent=1) + "\n")
    print(f"wrote {CATALOG}")


if __name__ == "__main__":
    main()
