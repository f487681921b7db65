"""The docs site builds without a warning, and the callback hooks' documented keyword arguments
are exactly what the Trainer passes."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import aekit
from aekit.train.callbacks import Callback

ROOT = Path(__file__).resolve().parents[1]
HOOKS = [name for name in vars(Callback) if name.startswith("on_")]


@pytest.mark.subprocess
def test_docs_site_builds_strict_without_a_warning(tmp_path: Path) -> None:
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # Material's banner, not a build warning
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(site)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    assert "WARNING" not in log, log[-3000:]
    # the API reference is made from the docstrings: the hooks' arguments are on it
    reference = (site / "reference" / "train" / "index.html").read_text()
    assert all(hook in reference for hook in HOOKS)
    assert "n_batches" in reference


def documented_keywords(hook: str) -> set[str]:
    """The names under the hook docstring's "Keyword arguments:" section."""
    doc = inspect.getdoc(getattr(Callback, hook)) or ""
    section = doc.split("Keyword arguments:\n", 1)[1] if "Keyword arguments:" in doc else ""
    return set(re.findall(r"^    (\w+) \(", section, re.M))


class Recorder(Callback):
    """Keeps the keyword names each hook was called with."""

    def __init__(self) -> None:
        self.seen: dict[str, set[str]] = {}

    def __getattribute__(self, name: str) -> Any:
        if name in HOOKS:
            return lambda **kwargs: self.seen.setdefault(name, set()).update(kwargs)
        return super().__getattribute__(name)


def test_every_hook_documents_exactly_the_keywords_the_trainer_passes() -> None:
    digits = aekit.load_source("digits", limit=400)
    x = aekit.fit_scaling(digits).apply(digits.x)
    model = aekit.create_model("stacked", input_shape=(1, 8, 8), hidden=(16, 4))
    recorder = Recorder()
    aekit.Trainer(model, aekit.TrainConfig(epochs=1, batch_size=64),
                  callbacks=[recorder]).fit(x[:300], x[300:])
    assert sorted(recorder.seen) == sorted(HOOKS)  # every hook was called
    documented = {hook: documented_keywords(hook) for hook in HOOKS}
    assert all(documented.values())  # each hook has its list
    assert recorder.seen == documented


def test_readme_is_a_front_page_whose_test_command_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 200  # the manual lives in docs/
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    install = [line for line in ci if line.startswith("python3 -m venv")]
    as_in_readme = install[0].replace("pip install -q ", "pip install ")  # CI's pip is quiet
    assert len(install) == 1 and f"\n{as_in_readme}\n" in readme
