"""Typed, frozen configuration: what a run needs to be rebuilt, as JSON-native fields.

Each section is a keyword-only frozen dataclass. `from_dict` is the only way JSON, TOML or CLI
values enter, and it names the field of any unknown key, wrong type or out-of-range value, so a
hand-edited config.json or a preset typo fails in one readable line.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass
from typing import Any, TypeVar

from aekit.errors import AekitError, option_name

T = TypeVar("T")


def _fail(section: str, name: str, message: str) -> typing.NoReturn:
    raise AekitError(f"{section}.{name} ({option_name(name)}): {message}")


def _coerce(section: str, name: str, value: Any, tp: Any) -> Any:
    """Check `value` against the annotation `tp`, converting JSON lists to tuples."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(tp)
        if value is None and type(None) in options:
            return None
        inner = [t for t in options if t is not type(None)]
        return _coerce(section, name, value, inner[0])
    if origin is tuple:
        if not isinstance(value, list | tuple):
            _fail(section, name, f"expected a list, got {value!r}")
        (item,) = {t for t in typing.get_args(tp) if t is not Ellipsis}
        return tuple(_coerce(section, name, v, item) for v in value)
    if origin is dict:
        if not isinstance(value, dict):
            _fail(section, name, f"expected a table/object, got {value!r}")
        return dict(value)
    if tp is bool:
        if not isinstance(value, bool):
            _fail(section, name, f"expected true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            _fail(section, name, f"expected an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            _fail(section, name, f"expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            _fail(section, name, f"expected a string, got {value!r}")
        return value
    raise TypeError(f"unsupported config annotation {tp!r} for {section}.{name}")


def from_dict(cls: type[T], data: dict[str, Any], section: str) -> T:
    """Build `cls` from a mapping, rejecting unknown keys and ill-typed values by name."""
    if not isinstance(data, dict):
        raise AekitError(f"{section}: expected a table/object, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - known)
    if unknown:
        raise AekitError(
            f"{section}: unknown key {unknown[0]!r}; known keys: {', '.join(sorted(known))}"
        )
    values = {k: _coerce(section, k, v, hints[k]) for k, v in data.items()}
    return cls(**values)


def to_dict(config: Any) -> dict[str, Any]:
    """JSON-native dict of a config dataclass (tuples become lists)."""
    return {
        f.name: list(v) if isinstance(v := getattr(config, f.name), tuple) else v
        for f in dataclasses.fields(config)
    }


def replace(config: T, **changes: Any) -> T:
    """A copy with `changes` applied through the same checks as `from_dict`."""
    merged = {**to_dict(config), **changes}
    return from_dict(type(config), merged, _SECTIONS[type(config)])


def _positive(section: str, name: str, value: float | None, strict: bool = True) -> None:
    if value is not None and not math.isfinite(value):
        _fail(section, name, f"must be a finite number, got {value}")
    if value is not None and (value <= 0 if strict else value < 0):
        _fail(section, name, f"must be {'> 0' if strict else '>= 0'}, got {value}")


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """Everything needed to rebuild an Autoencoder's modules (not its weights)."""

    arch: str = "stacked"
    input_shape: tuple[int, ...] = ()
    hidden: tuple[int, ...] = (300, 150)
    activation: str = "elu"
    code_activation: str | None = None  # None: as `activation`; "none": a linear code (seed 003)
    init: str = "he"
    output: str = "sigmoid"
    loss: str = "mse"
    l2: float = 0.0
    # regularised autoencoders (issue 4)
    noise: str | None = None
    sparsity: str | None = None
    contractive: float = 0.0
    k_sparse: int | None = None
    k_sparse_lifetime: float | None = None
    # --- convolutional models (issue 7): conv / conv1d archs; hidden may then be empty ---
    conv_mode: str = "pool"
    channels: tuple[int, ...] = (16, 8, 8)
    kernel: int = 3
    # --- sequence models: lstm / conv1d ---
    patch: int | None = None  # lstm: steps per LSTM step; None: ceil(T / 64)
    linear_path: bool = False  # lstm/conv1d: PCA of the training data plus the network
    # --- generative autoencoders (issue 6) ---
    latent: str | None = None  # None: gaussian for arch vae, identity otherwise
    beta: float = 1.0
    prior: str | None = None  # the AAE's prior: gaussian or mixture; None: gaussian for arch aae
    adversary_weight: float = 0.1  # the AAE encoder's fool-the-discriminator term, per sample
    mmd_weight: float = 1.0  # the AAE's MMD between codes and prior draws
    iw_train: int = 1  # K > 1: train a gaussian latent on the importance-weighted bound (IWAE)

    def __post_init__(self) -> None:
        if any(d <= 0 for d in self.input_shape):
            _fail("model", "input_shape", f"sizes must be > 0, got {list(self.input_shape)}")
        if any(h <= 0 for h in self.hidden):
            _fail("model", "hidden", f"expected sizes > 0 like 300,150, got {list(self.hidden)}")
        self._check_conv()
        _check_generative(self)
        _positive("model", "l2", self.l2, strict=False)
        if self.loss == "bce" and self.output not in ("sigmoid", "auto"):
            _fail("model", "loss", f"bce needs output 'sigmoid', got output {self.output!r}")
        _positive("model", "contractive", self.contractive, strict=False)
        if self.k_sparse_lifetime is not None and not 0 < self.k_sparse_lifetime <= 1:
            _fail("model", "k_sparse_lifetime", f"must be a fraction in (0, 1], got "
                  f"{self.k_sparse_lifetime}")
        _positive("model", "k_sparse", self.k_sparse)

    def _check_conv(self) -> None:
        if self.conv_mode not in ("pool", "stride"):
            _fail("model", "conv_mode", f"expected pool or stride, got {self.conv_mode!r}")
        if not self.channels or any(c <= 0 for c in self.channels):
            _fail("model", "channels", f"expected sizes > 0 like 16,8,8, got "
                  f"{list(self.channels)}")
        _positive("model", "kernel", self.kernel)
        _positive("model", "patch", self.patch)


def _check_generative(config: ModelConfig) -> None:
    """Ranges of the generative options; the latent and the prior check how they combine
    with the rest when they are built (parts/latent.py, parts/adversarial.py)."""
    _positive("model", "beta", config.beta, strict=False)
    _positive("model", "iw_train", config.iw_train)
    _positive("model", "adversary_weight", config.adversary_weight, strict=False)
    _positive("model", "mmd_weight", config.mmd_weight, strict=False)


PRECISIONS = ("fp32", "bf16")

_DEFAULT_LR = {"adam": 1e-3, "adamw": 1e-3, "sgd": 1e-2, "adadelta": 1.0, "rmsprop": 1e-3}
"""Each registered optimizer's default learning rate (train/optim.py holds the builders)."""


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """How the one training loop runs; lr None means the optimizer's Keras-2 default."""

    optimizer: str = "adam"
    lr: float | None = None
    batch_size: int = 128
    epochs: int = 10
    seed: int = 0
    val_split: float = 0.1
    patience: int | None = None
    clip_grad: float | None = None
    detect_anomaly: bool = False
    greedy: str | None = None
    greedy_epochs: int | None = None
    fine_tune_epochs: int = 0
    tensorboard: bool = False  # log each epoch to RUN/tensorboard/ (the optional extra)
    # --- speed (issue 9; measured in benchmarks/suite.py) ---
    precision: str = "fp32"  # bf16: autocast (CPUs with AMX/AVX512-BF16, GPUs)
    compile: bool = False  # torch.compile: tens of seconds up front, pays on long runs only
    threads: int | None = None  # torch intra-op threads; None: torch's default (all cores)
    kl_warmup: int = 0  # epochs over which a gaussian latent's KL weight rises linearly to beta
    # --- training recipe (sequence models' defaults, presets/arch/) ---
    schedule: str = "constant"  # cosine: lr warm-up over 5% of the steps, then cosine to 0
    restore_best: bool = False  # end with the weights of the epoch with the lowest val loss

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            _fail("train", "precision", f"expected one of {', '.join(PRECISIONS)}, got "
                  f"{self.precision!r}")
        _positive("train", "threads", self.threads)
        _positive("train", "clip_grad", self.clip_grad)
        _positive("train", "greedy_epochs", self.greedy_epochs)
        _positive("train", "fine_tune_epochs", self.fine_tune_epochs, strict=False)
        _positive("train", "kl_warmup", self.kl_warmup, strict=False)
        if self.schedule not in ("constant", "cosine"):
            _fail("train", "schedule", f"expected constant or cosine, got {self.schedule!r}")
        if self.greedy not in (None, "separate", "phases", "cached"):
            _fail("train", "greedy", f"expected separate, phases or cached, got {self.greedy!r}")
        if self.optimizer not in _DEFAULT_LR:
            _fail("train", "optimizer", f"expected one of {', '.join(_DEFAULT_LR)}, "
                  f"got {self.optimizer!r}")
        _positive("train", "lr", self.lr)
        _positive("train", "batch_size", self.batch_size)
        _positive("train", "epochs", self.epochs)
        _positive("train", "seed", self.seed, strict=False)
        _positive("train", "patience", self.patience)
        if not 0 <= self.val_split < 1:
            _fail("train", "val_split", f"must be in [0, 1), got {self.val_split}")

    @property
    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else _DEFAULT_LR[self.optimizer]


@dataclass(frozen=True, kw_only=True)
class DataConfig:
    """Where the training data came from and how it was read, so `resume` can read it again."""

    source: str = "digits"
    data_dir: str | None = None
    limit: int | None = None
    array: str | None = None
    label_column: str | None = None
    time_column: str | None = None
    nan_policy: str = "error"
    max_memory: float | None = None
    # --- series and image inputs (issue 7) ---
    kind: str | None = None
    window: int | None = None
    stride: int | None = None
    scaling: str = "auto"
    image_size: int | None = None
    pad: str = "mask"  # unequal-length .ts series: mask (NaN padding no loss counts) or resample
    # --- out-of-core data (issue 13) ---
    stream: bool = False  # stream from disk even when the data fit under max_memory
    workers: int = 2  # DataLoader worker processes when streaming
    # --- anomaly detection (issue 8): drop samples labelled 1 (anomaly) before training ---
    train_normal_only: bool = False
    binarize: str | None = None  # images in [0, 1] -> {0, 1}: threshold, static or dynamic
    columns: tuple[str, ...] | None = None  # a CSV's feature names, matched by name later

    def __post_init__(self) -> None:
        _positive("data", "limit", self.limit)
        _positive("data", "image_size", self.image_size)
        _positive("data", "max_memory", self.max_memory)
        if self.nan_policy not in ("error", "drop", "zero"):
            _fail("data", "nan_policy", f"expected error, drop or zero, got {self.nan_policy!r}")
        if self.kind not in (None, "image", "series", "tabular"):
            _fail("data", "kind", f"expected image, series or tabular, got {self.kind!r}")
        _positive("data", "window", self.window)
        _positive("data", "stride", self.stride)
        _positive("data", "workers", self.workers, strict=False)
        if self.binarize not in BINARIZE:
            _fail("data", "binarize", f"expected one of {', '.join(map(str, BINARIZE[1:]))}, "
                  f"got {self.binarize!r}")
        if self.stride is not None and self.window is None:
            _fail("data", "stride", "needs --window (the length of each window)")
        if self.pad not in ("mask", "resample"):
            _fail("data", "pad", f"expected mask or resample, got {self.pad!r}")
        if self.scaling not in SCALINGS:
            _fail("data", "scaling", f"expected one of {', '.join(SCALINGS)}, got "
                  f"{self.scaling!r}")


BINARIZE = (None, "threshold", "static", "dynamic")
"""threshold: x >= 0.5; static: one seeded Bernoulli draw; dynamic: a fresh draw every batch."""

SCALINGS = ("auto", "unit", "symmetric", "standard")
"""auto: images to [0, 1] ([-1, 1] for a tanh output), series and tables standardised."""


_SECTIONS: dict[type, str] = {ModelConfig: "model", TrainConfig: "train", DataConfig: "data"}
