"""The scikit-learn contract shared by every aekit estimator, and the estimator around one
aekit Autoencoder.

`Estimator` validates inputs: 2-D for scikit-learn (`n_features_in_` features), with a sample
layout (`input_shape_`) for conv and sequence models. `AutoencoderEstimator.__init__` only stores
parameters; `_fit_autoencoder` turns them into the same `ModelConfig`/`TrainConfig` that
`aekit train` builds (preset, then options, then the named parameters), fits the scaling and
trains with the one `Trainer`. Each class pickles the modules it owns as config and weights
(`module_state`), never as modules.
"""

from __future__ import annotations

import math
from dataclasses import fields
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from aekit.config import SCALINGS, ModelConfig, TrainConfig, from_dict, model_keys, to_dict
from aekit.data.encoding import output_names
from aekit.data.formats import read_frame
from aekit.data.images import image_full_scale
from aekit.data.prepare import prepare_data
from aekit.data.scaling import Scaling
from aekit.data.sources import Dataset
from aekit.data.ts import gaps
from aekit.errors import AekitError
from aekit.model import Autoencoder
from aekit.model_size import check_model_size
from aekit.presets import resolve
from aekit.threads import from_n_jobs
from aekit.train.trainer import Trainer

_KINDS = {1: "tabular", 2: "series", 3: "image"}  # sample rank -> how aekit scales the data
_MODEL_FIELDS = set(model_keys()) - {"arch", "input_shape"}  # the parts' options among them
_TRAIN_FIELDS = {f.name for f in fields(TrainConfig)} - {"seed"}
_PARAMETERS = ("model", "hidden", "epochs", "lr", "batch_size", "options")  # choose a model


class Estimator(BaseEstimator):
    """Base of the aekit estimators: inputs validated as scikit-learn expects, samples laid out
    as the model reads them."""

    def _set_input_shape(self, sample: tuple[int, ...]) -> None:
        """The layout of one sample, and the features scikit-learn counts (its values)."""
        self.input_shape_ = tuple(sample)
        self.n_features_in_ = math.prod(self.input_shape_)

    def _validate(self, X: Any, reset: bool, input_shape: tuple[int, ...] | None = None
                  ) -> np.ndarray:
        """X as float (N, *input_shape_); N-D arrays are flattened for scikit-learn's checks.
        On reset the layout is `input_shape`, else the N-D array's sample shape, else a row."""
        if _is_frame(X):
            X = self._frame_features(X, reset)
        nd = getattr(X, "ndim", 2) > 2  # an image or series array; sparse matrices are 2-D
        sample_shape = tuple(X.shape[1:]) if nd else None
        X = validate_data(self, np.reshape(np.asarray(X), (len(X), -1)) if nd else X,
                          reset=reset, dtype=(np.float64, np.float32),
                          ensure_all_finite="allow-nan" if _padded_series(X) else True)
        if reset:
            sample = tuple(input_shape or sample_shape or (X.shape[1],))
            if math.prod(sample) != X.shape[1]:
                raise AekitError(f"input_shape: {list(sample)} holds {math.prod(sample)} "
                                 f"values, the data has {X.shape[1]} features")
            self._set_input_shape(sample)
        return X.reshape(len(X), *self.input_shape_)

    def _frame_features(self, X: Any, reset: bool) -> Any:
        """A DataFrame read as the CLI reads a table (`formats.read_frame`): on fit, its
        features and the encoding of its text columns become `columns_` and `encoding_`;
        later frames are matched to them by name (any column order) and encoded the same. The
        result is a frame of the encoded columns (`band=low` for a one-hot value), so
        scikit-learn's `feature_names_in_` names what the model sees."""
        fitted = None if reset else getattr(self, "columns_", None)
        x, names, encoding = read_frame(X, fitted and tuple(fitted),
                                        None if reset else getattr(self, "encoding_", {}))
        if reset:
            self.columns_, self.encoding_ = names, encoding
        elif not hasattr(self, "feature_names_in_"):  # fitted on an array, or taken from a run
            return x
        return type(X)(x, columns=output_names(names, encoding), index=X.index)


def _is_frame(X: Any) -> bool:
    """A pandas DataFrame (duck-typed: pandas is optional)."""
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "index")


def _padded_series(X: Any) -> bool:
    """Whether X is (N, T, C) series whose only NaN are the padding of unequal lengths (the
    mask no model, loss or score reads), not missing values."""
    return getattr(X, "ndim", 0) == 3 and np.issubdtype(X.dtype, np.floating) \
        and bool(np.isnan(X).any()) and not gaps(X).any()


class AutoencoderEstimator(Estimator):
    """One aekit autoencoder trained from parameters: a trained `model_` and `scaling_` out.

    Parameters
    ----------
    model : str or None
        Registered architecture (`aekit models`); None: the preset's, else "stacked".
    preset : str or None
        A preset's model and training settings (`aekit presets`), overridden by the rest.
    hidden : tuple of int or None
        Encoder layer sizes, the last is the code size.
    epochs, lr, batch_size : training options (None: the preset's or aekit's default).
    options : dict or None
        Any other `ModelConfig` or `TrainConfig` field by name, e.g. {"loss": "bce",
        "noise": "gaussian:0.3", "val_split": 0.1, "patience": 5}.
    input_shape : tuple of int or None
        Layout of one row, e.g. (1, 28, 28) for conv on flattened MNIST; None: (n_features,)
        or the sample shape of an N-D array given to `fit`.
    scaling : {"auto", "unit", "symmetric", "standard"}
        Scaling fitted on the training data (auto: tables and series standardised, images
        kept in [0, 1]).
    random_state : int
        Seed of the weights, the batch order and any training noise.
    device : str
        "cpu", "cuda" or "auto".
    n_jobs : int or None
        torch threads for training: None the rule of `aekit.threads` (the model's size and the
        cores free), -1 all cores, N that many. Fitted: `threads_`, what training used.
    """

    def __init__(self, model: str | None = None, *, preset: str | None = None,
                 hidden: tuple[int, ...] | None = None, epochs: int | None = None,
                 lr: float | None = None, batch_size: int | None = None,
                 options: dict[str, Any] | None = None, input_shape: tuple[int, ...] | None = None,
                 scaling: str = "auto", random_state: int = 0, device: str = "cpu",
                 n_jobs: int | None = None):
        self.model = model
        self.preset = preset
        self.hidden = hidden
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.options = options
        self.input_shape = input_shape
        self.scaling = scaling
        self.random_state = random_state
        self.device = device
        self.n_jobs = n_jobs

    def _chooses_model(self) -> bool:
        """Whether any model or training parameter (or a preset) was set."""
        return self.preset is not None or any(getattr(self, name) is not None
                                              for name in _PARAMETERS)

    def _configs(self) -> tuple[ModelConfig, TrainConfig]:
        """Preset, then `options`, then the named parameters, as `aekit train` layers them."""
        chosen = {name: getattr(self, name) for name in _PARAMETERS}
        model: dict[str, Any] = {}
        train: dict[str, Any] = {}
        for key, value in (chosen["options"] or {}).items():
            if key in _MODEL_FIELDS:
                model[key] = value
            elif key in _TRAIN_FIELDS:
                train[key] = value
            else:
                raise AekitError(f"options: unknown key {key!r}; known: "
                                 + ", ".join(sorted(_MODEL_FIELDS | _TRAIN_FIELDS)))
        named = {"arch": chosen["model"], "hidden": chosen["hidden"]}
        model.update({k: list(v) if k == "hidden" else v for k, v in named.items()
                      if v is not None})
        train.update({k: chosen[k] for k in ("epochs", "lr", "batch_size")
                      if chosen[k] is not None})
        train["seed"] = int(self.random_state)
        if self.n_jobs is not None:
            train["threads"] = from_n_jobs(self.n_jobs)
        model_config, train_config, _ = resolve(self.preset, model, train, {},
                                                train_base={"val_split": 0.0})
        return model_config, train_config

    def _validate(self, X: Any, reset: bool, input_shape: tuple[int, ...] | None = None
                  ) -> np.ndarray:
        return super()._validate(X, reset, input_shape or self.input_shape)

    def _fit_autoencoder(self, x: np.ndarray) -> np.ndarray:
        """Train `model_` on the validated samples `x`; returns them scaled, for calibrations
        on them."""
        model_config, train_config = self._configs()
        if self.scaling not in SCALINGS:
            raise AekitError(f"scaling: expected one of {', '.join(SCALINGS)}, got "
                             f"{self.scaling!r}")
        kind = _KINDS.get(x.ndim - 1, "image")
        full_scale = image_full_scale(x) if kind == "image" else 1.0  # 255 for 8-bit
        data = Dataset(x.astype(np.float32), None, "X", kind, full_scale)
        prepared = prepare_data(data, model_config, train_config, self.scaling)
        check_model_size(prepared.model_config, "hidden")  # before a byte is allocated
        with torch.random.fork_rng(devices=[]):  # seeded without touching the caller's RNG
            torch.manual_seed(train_config.seed)
            model = Autoencoder(prepared.model_config)
            trainer = Trainer(model, train_config, device=self.device)
            trainer.fit(prepared.train, prepared.val)
        self.threads_ = trainer.threads
        # float64 inference: float32 results shift by ~1e-6 with the batch's composition, and
        # scikit-learn expects a row's output not to depend on the rows beside it
        self._set_model(model.double().eval(), prepared.scaling)
        return self.scaling_.apply(x)

    def _set_model(self, model: Autoencoder, scaling: Scaling) -> None:
        """The trained autoencoder and the scaling of its inputs."""
        self.model_ = model
        self.scaling_ = scaling

    def _scaled(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self.scaling_.apply(self._validate(X, reset=False)).astype(np.float64)

    def __getstate__(self) -> dict[str, Any]:
        """`model_` as config and CPU weights (its parts may hold closures)."""
        state = dict(super().__getstate__())  # a copy: object.__getstate__ gives __dict__
        if "model_" in state:
            state["model_"] = module_state(state["model_"])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "model_" in state:
            state = {**state, "model_": module_from_state(state["model_"])}
        super().__setstate__(state)


def module_state(model: Autoencoder) -> dict[str, Any]:
    """What pickling keeps of an Autoencoder: its config and CPU weights."""
    return {"config": to_dict(model.config),
            "weights": {k: v.cpu() for k, v in model.state_dict().items()}}


def module_from_state(saved: dict[str, Any]) -> Autoencoder:
    """The Autoencoder `module_state` kept, in eval mode and its weights' dtype."""
    model = Autoencoder(from_dict(ModelConfig, saved["config"], "model"))
    model.to(next(iter(saved["weights"].values())).dtype).load_state_dict(saved["weights"])
    return model.eval()
