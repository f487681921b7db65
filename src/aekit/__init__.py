"""aekit: autoencoders of the classic literature, built from parts, trained by one loop.

    >>> import aekit
    >>> data = aekit.load_source("digits")
    >>> model = aekit.create_model("stacked", input_shape=(1, 8, 8), hidden=(32, 8))
"""

__version__ = "0.1.0"

from aekit.config import DataConfig, ModelConfig, TrainConfig
from aekit.data import Dataset, Scaling, fit_scaling, load_source, read_idx
from aekit.errors import AekitError
from aekit.model import AEOutput, Autoencoder, create_model
from aekit.presets import load_preset, preset_names
from aekit.registry import names
from aekit.run import Run, load, load_run
from aekit.train import Callback, Trainer
from aekit.train.pipeline import fit_run, resume_run

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
]
