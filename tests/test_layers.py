"""The import layering of DESIGN.md, read from the source: no import circles (function-level
imports included, so none can hide one), and no layer importing one above it.

Only the package root and the CLI import lazily, for start-up time: their function-level imports
are not edges, as nothing below them imports them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "src" / "aekit"
LAZY_LOADERS = {"aekit", "aekit.cli.main"}
CORE = {"aekit.config", "aekit.config_check", "aekit.registry", "aekit.errors", "aekit.io"}
FORBIDDEN = {  # importer package -> top-level names it must not reach
    "aekit.parts": {"train", "runs", "scores", "detect", "tasks", "report", "cli", "gallery",
                    "estimators"},
    "aekit.train": {"runs", "detect", "tasks", "report", "cli", "gallery", "estimators"},
    "aekit.scores": {"train", "runs", "detect", "tasks", "report", "cli", "gallery"},
    "aekit.runs": {"detect", "tasks", "cli", "gallery", "estimators"},
    "aekit.report": {"train", "tasks", "detect", "cli", "gallery"},
    "aekit.detect": {"tasks", "cli", "gallery"},
    "aekit.tasks": {"cli", "gallery"},
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _owner(name: str) -> str:
    while name not in MODULES:
        name = name.rsplit(".", 1)[0]
    return name


def _imports(name: str) -> set[str]:
    """aekit modules `name` imports (with the packages that importing them runs)."""
    tree = ast.parse(MODULES[name].read_text())
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    nodes = tree.body if name in LAZY_LOADERS else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aekit"):
            found |= {_owner(f"{node.module}.{alias.name}") for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {_owner(a.name) for a in node.names if a.name.startswith("aekit")}
    for target in list(found):
        while target.count(".") > 1:
            target = target.rsplit(".", 1)[0]
            found.add(target)
    return {t for t in found if t != "aekit" and not name.startswith(t + ".") and t != name}


GRAPH = {name: _imports(name) for name in MODULES}


def _reach(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in GRAPH[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_no_import_circles() -> None:
    circles = sorted(name for name in MODULES if name in _reach(name))
    assert not circles, f"modules on an import circle: {circles}"


def test_core_imports_only_core() -> None:
    for name in CORE:
        assert GRAPH[name] <= CORE, f"{name} imports {sorted(GRAPH[name] - CORE)}"


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_layers_never_reach_higher_ones(package: str) -> None:
    """Transitively: report/ reaching train/ through runs/run.py counts too."""
    for name in (n for n in MODULES if n == package or n.startswith(package + ".")):
        reached = {target.split(".")[1] for target in _reach(name)}
        assert not reached & FORBIDDEN[package], \
            f"{name} reaches {sorted(reached & FORBIDDEN[package])}"


def test_the_check_sees_real_edges() -> None:
    """The graph is read from the code: a few known imports are in it."""
    assert "aekit.model" in GRAPH["aekit.runs.fit"]
    assert "aekit.parts.blocks" in GRAPH["aekit.parts.dense"]
    assert "aekit.train.trainer" in _reach("aekit.runs.fit")
