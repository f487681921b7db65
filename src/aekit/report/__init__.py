"""Figures and reports; matplotlib is imported only when a figure is drawn."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from aekit.errors import AekitWarning


def best_effort(what: str, draw: Callable[[], Any]) -> bool:
    """Run a figure or report step whose failure must not lose a finished training run: the
    weights and metrics are already written, so a failure becomes one warning line."""
    try:
        draw()
    except Exception as exc:  # any drawing failure; the run itself is complete
        first = str(exc).splitlines()[0] if str(exc) else ""
        warnings.warn(f"{what} not written ({type(exc).__name__}: {first}); the trained run "
                      "is complete", AekitWarning, stacklevel=2)
        return False
    return True
