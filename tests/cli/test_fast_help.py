"""`aekit COMMAND --help` answers without importing torch: the registered names and the parts'
flags it shows come from a catalog kept in the package, which must match the live registry."""

from __future__ import annotations

import json
import subprocess
import sys

from aekit.cli import catalog
from aekit.cli.catalog_build import live_catalog
from aekit.cli.parser import build_parser

PROBE = """
import sys
from aekit.cli.main import main
for command in sys.argv[1:]:
    try:
        main([command, "--help"])
    except SystemExit:
        pass
print("HEAVY", sorted(m for m in ("torch", "sklearn", "aekit.parts") if m in sys.modules),
      file=sys.stderr)
"""


def _commands() -> list[str]:
    return list(build_parser()._subparsers._group_actions[0].choices)


def test_help_of_every_command_imports_no_torch() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, *_commands()], capture_output=True,
                          text=True, check=True)
    assert "HEAVY []" in done.stderr, done.stderr[-500:]
    assert "--beta" in done.stdout and "--channels" in done.stdout  # the parts' flags
    assert "adam, adamw" in done.stdout  # registered names filled in


def test_the_kept_catalog_matches_the_registry() -> None:
    """Regenerate with `python -m aekit.cli.catalog_build` after adding a part or a flag."""
    assert json.loads(catalog.CATALOG.read_text()) == live_catalog()


def test_train_help_is_the_same_from_the_catalog_and_the_parts() -> None:
    fast = build_parser()._subparsers._group_actions[0].choices["train"]
    fast.complete(for_help=True)
    parsed = build_parser()._subparsers._group_actions[0].choices["train"]
    parsed.complete()
    assert fast.format_help() == parsed.format_help()
