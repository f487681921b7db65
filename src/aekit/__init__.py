"""aekit: autoencoders of the classic literature, built from parts, trained by one loop.

    >>> import aekit
    >>> data = aekit.load_source("digits")
    >>> model = aekit.create_model("stacked", input_shape=(1, 8, 8), hidden=(32, 8))

The public names are imported on first use (PEP 562), so `import aekit` and `aekit --help`
do not pay for importing torch (seconds) until a name that needs it is asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_PUBLIC = {
    "DataConfig": "aekit.config", "TrainConfig": "aekit.config",
    "ModelConfig": "aekit.model",  # with the parts registered: their options are its keys
    "Dataset": "aekit.data", "Scaling": "aekit.data", "fit_scaling": "aekit.data",
    "load_source": "aekit.data", "read_idx": "aekit.data",
    "AekitError": "aekit.errors",
    "AEOutput": "aekit.model", "Autoencoder": "aekit.model", "create_model": "aekit.model",
    "load_preset": "aekit.presets", "preset_names": "aekit.presets",
    "names": "aekit.registry",
    "Run": "aekit.runs.run", "load": "aekit.runs.run", "load_run": "aekit.runs.run",
    "save_run": "aekit.runs.finish",
    "Callback": "aekit.train", "Trainer": "aekit.train",
    "fit_run": "aekit.runs.fit", "resume_run": "aekit.runs.fit",
}

__all__ = [
    "AEOutput",
    "AekitError",
    "Autoencoder",
    "Callback",
    "DataConfig",
    "Dataset",
    "ModelConfig",
    "Run",
    "Scaling",
    "TrainConfig",
    "Trainer",
    "__version__",
    "create_model",
    "fit_run",
    "fit_scaling",
    "load",
    "load_preset",
    "load_run",
    "load_source",
    "names",
    "preset_names",
    "read_idx",
    "resume_run",
    "save_run",
]

if TYPE_CHECKING:
    from aekit.config import DataConfig, ModelConfig, TrainConfig
    from aekit.data import Dataset, Scaling, fit_scaling, load_source, read_idx
    from aekit.errors import AekitError
    from aekit.model import AEOutput, Autoencoder, create_model
    from aekit.presets import load_preset, preset_names
    from aekit.registry import names
    from aekit.runs.finish import save_run
    from aekit.runs.fit import fit_run, resume_run
    from aekit.runs.run import Run, load, load_run
    from aekit.train import Callback, Trainer


_SUBMODULES = ("metrics", "estimators", "detect", "tasks", "sampling", "export", "gallery")
"""Modules the README reaches as attributes (`aekit.metrics.encode`)."""


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"aekit.{name}")
    if name not in _PUBLIC:
        raise AttributeError(f"module 'aekit' has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
