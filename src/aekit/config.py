"""Typed, frozen configuration: what a run needs to be rebuilt, as JSON-native fields.

Each section is a keyword-only frozen dataclass. `from_dict` is the only way JSON, TOML or CLI
values enter, and it names the field of any unknown key, wrong type or out-of-range value, so a
hand-edited config.json or a preset typo fails in one readable line.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass
from typing import Any, TypeVar

from aekit.config_check import coerce
from aekit.config_check import fail as _fail
from aekit.errors import AekitError

T = TypeVar("T")


def from_dict(cls: type[T], data: dict[str, Any], section: str) -> T:
    """Build `cls` from a mapping, rejecting unknown keys and ill-typed values by name."""
    if not isinstance(data, dict):
        raise AekitError(f"{section}: expected a table/object, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    if unknown := sorted(set(data) - known):
        raise AekitError(f"{section}: unknown key {unknown[0]!r}; known keys: "
                         f"{', '.join(sorted(known))}")
    values = {k: coerce(section, k, v, hints[k]) for k, v in data.items()}
    return cls(**values)


def to_dict(config: Any) -> dict[str, Any]:
    """JSON-native dict of a config dataclass (tuples become lists)."""
    return {f.name: list(v) if isinstance(v := getattr(config, f.name), tuple) else v
            for f in dataclasses.fields(config)}


def replace(config: T, **changes: Any) -> T:
    """A copy with `changes` applied through the same checks as `from_dict`."""
    merged = {**to_dict(config), **changes}
    return from_dict(type(config), merged, _SECTIONS[type(config)])


def _positive(section: str, name: str, value: float | None, strict: bool = True) -> None:
    if value is not None and not math.isfinite(value):
        _fail(section, name, f"must be a finite number, got {value}")
    if value is not None and (value <= 0 if strict else value < 0):
        _fail(section, name, f"must be {'> 0' if strict else '>= 0'}, got {value}")


def opt(default: Any, help: str, **cli: Any) -> Any:
    """A field with its command-line help and, in `cli`, its flag's `choices`, `metavar`, `flag`
    name or help `group`: the one place an option is written. `{kind}` in the help lists the
    names registered under that kind when the help is shown."""
    return dataclasses.field(default=default, metadata={"help": help, **cli})


class _Section:
    """Checks every field with `choices` in its metadata."""

    def _check_choices(self, section: str) -> None:
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            value, choices = getattr(self, field.name), field.metadata.get("choices")
            if choices and value is not None and value not in choices:
                _fail(section, field.name, f"expected one of {', '.join(choices)}, got {value!r}")


@dataclass(frozen=True, kw_only=True)
class ModelConfig(_Section):
    """Everything needed to rebuild an Autoencoder's modules (not its weights)."""

    arch: str = opt("stacked", "architecture: {arch} (see `aekit models`)", flag="--model")
    input_shape: tuple[int, ...] = opt((), "the shape of one sample (from the data)", flag=None)
    hidden: tuple[int, ...] = opt(
        (300, 150), "encoder layer sizes, the last is the code size, e.g. 300,150; for "
        "conv/conv1d: dense layers after the convs, or none")
    activation: str = opt("elu", "hidden activation: {activation}")
    code_activation: str | None = opt(
        None, "activation of the code layer (default: as --activation; none gives a linear "
        "code)")
    init: str = opt("he", "weight init: {init}")
    output: str = opt("sigmoid", "output activation: sigmoid, tanh or none (default: sigmoid "
                      "for images, none for tabular data)")
    loss: str = opt("mse", "reconstruction loss: {loss}; bce is computed from logits, "
                    "trimmed-mse leaves out each batch's worst 10%% of rows (contaminated data)")
    l2: float = opt(0.0, "L2 weight penalty: l2 * sum(W^2) / 2")
    penalties: dict[str, float] = dataclasses.field(default_factory=dict, metadata={
        "help": "more penalty terms, by name and weight: NAME=WEIGHT, e.g. orthogonal=0.01 "
                "(repeatable; registered: {penalty})", "metavar": "NAME=WEIGHT",
        "group": "regularisers"})
    noise: str | None = opt(None, "corrupt inputs in training: KIND:LEVEL[+clip] with KIND one "
                            "of {noise}, e.g. gaussian:1.0", group="regularisers")
    sparsity: str | None = opt(None, "code sparsity penalty: kl:TARGET:WEIGHT (sigmoid codes) "
                               "or l1:WEIGHT", group="regularisers")
    contractive: float = opt(0.0, "weight of the encoder Jacobian's squared Frobenius norm",
                             group="regularisers")
    k_sparse: int | None = opt(None, "keep the K largest code units per sample", metavar="K",
                               group="regularisers")
    k_sparse_lifetime: float | None = opt(
        None, "in training, each code unit keeps its top fraction P of the batch", metavar="P",
        group="regularisers")
    conv_mode: str = opt("pool", "conv/conv1d: pool (conv + max-pool, upsampling; Keras blog) "
                         "or stride (stride-2 convs, transposed convs)", choices=("pool", "stride"))
    channels: tuple[int, ...] = opt((16, 8, 8), "conv/conv1d channels per step, e.g. 16,8,8")
    kernel: int = opt(3, "conv/conv1d kernel size (default: 3)")
    patch: int | None = opt(None, "lstm: series steps read per LSTM step (default: "
                            "ceil(steps / 64))")
    linear_path: bool = opt(False, "lstm/conv1d: the model is PCA of the training data plus "
                            "the network, which learns what PCA misses (default for lstm and "
                            "conv1d: on)", negatable=True)
    latent: str | None = opt(
        None, "code part: {latent}; gaussian makes a VAE of any architecture (mean and "
        "log-variance heads), gaussian-sigma is seed 000's sigma head; --model vae implies "
        "gaussian")
    beta: float = opt(1.0, "weight of a gaussian latent's KL term (default 1)")
    prior: str | None = opt(None, "adversarial AE prior for the codes: {prior} (--model aae: "
                            "gaussian); mixture: 10 Gaussians on a circle")
    adversary_weight: float = opt(0.1, "AAE: weight of the encoder's fool-the-discriminator "
                                  "term, per sample (default 0.1)")
    mmd_weight: float = opt(1.0, "AAE: weight of the MMD between codes and prior draws "
                            "(default 1)")
    code_calibration: bool = opt(True, "AAE: after training, move the codes by the affine map "
                                 "that gives them the prior's mean and covariance (the decoder "
                                 "takes its inverse)", negatable=True)
    iw_train: int = opt(1, "train a gaussian latent on the importance-weighted bound with K "
                        "draws per sample (IWAE, Burda et al. 2016); default 1: the ELBO",
                        metavar="K")

    def __post_init__(self) -> None:
        if any(d <= 0 for d in self.input_shape):
            _fail("model", "input_shape", f"sizes must be > 0, got {list(self.input_shape)}")
        if any(h <= 0 for h in self.hidden):
            _fail("model", "hidden", f"expected sizes > 0 like 300,150, got {list(self.hidden)}")
        if not self.channels or any(c <= 0 for c in self.channels):
            _fail("model", "channels", f"expected sizes > 0 like 16,8,8, got "
                  f"{list(self.channels)}")
        self._check_choices("model")
        for name in ("kernel", "patch", "iw_train", "k_sparse"):
            _positive("model", name, getattr(self, name))
        for name in ("l2", "contractive", "beta", "adversary_weight", "mmd_weight"):
            _positive("model", name, getattr(self, name), strict=False)
        if self.loss == "bce" and self.output not in ("sigmoid", "auto"):
            _fail("model", "loss", f"bce needs output 'sigmoid', got output {self.output!r}")
        for weight in self.penalties.values():
            _positive("model", "penalties", weight, strict=False)
        if self.k_sparse_lifetime is not None and not 0 < self.k_sparse_lifetime <= 1:
            _fail("model", "k_sparse_lifetime", f"must be a fraction in (0, 1], got "
                  f"{self.k_sparse_lifetime}")


PRECISIONS = ("fp32", "bf16")


@dataclass(frozen=True, kw_only=True)
class TrainConfig(_Section):
    """How the one training loop runs; lr None means the optimizer's Keras-2 default."""

    optimizer: str = opt("adam", "{optimizer} (Keras-2 defaults)")
    lr: float | None = opt(None, "learning rate (default: the optimizer's)")
    batch_size: int = opt(128, "mini-batch size (default: 128)")
    epochs: int = opt(10, "epochs (default: 10); with --resume, the new total")
    seed: int = opt(0, "seed for init, split and shuffling (default: 0)")
    val_split: float = opt(0.1, "held-out fraction (default: 0.1)")
    patience: int | None = opt(None, "stop after this many epochs without a better validation "
                               "loss")
    clip_grad: float | None = opt(None, "clip the gradient norm to this value")
    detect_anomaly: bool = opt(False, "find the operation that made a NaN (slow; for debugging)")
    greedy: str | None = opt(None, "greedy layer-wise training: separate AEs, phases with "
                             "frozen layers, or phases with the frozen layers' outputs cached",
                             choices=("separate", "phases", "cached"))
    greedy_epochs: int | None = opt(None, "epochs per greedy phase (default: --epochs)")
    fine_tune_epochs: int = opt(0, "after greedy phases, epochs of training the whole stack "
                                "(default: 0)")
    tensorboard: bool = opt(False, "log losses, learning rate, reconstructions and code "
                            "histograms each epoch to RUN/tensorboard/ (needs pip install "
                            "'aekit[tensorboard]')", group="output")
    precision: str = opt("fp32", "fp32 (default) or bf16: autocast the forward pass (fast on "
                         "GPUs and CPUs with AMX/AVX512-BF16)", choices=PRECISIONS)
    compile: bool = opt(False, "torch.compile the training step (compiling takes tens of "
                        "seconds; pays on long runs only)")
    threads: int | None = opt(None, "torch threads for training (default: torch's, all cores)")
    kl_warmup: int = opt(0, "raise the KL weight linearly from 0 over this many epochs",
                         metavar="EPOCHS")
    schedule: str = opt("constant", "learning rate: constant, or cosine (warm-up over 5%% of "
                        "the steps, then cosine to 0; default for lstm and conv1d)",
                        choices=("constant", "cosine"))
    restore_best: bool = opt(False, "end with the weights of the epoch with the lowest "
                             "validation loss; with --linear-path also the start (PCA) and each "
                             "epoch's network shrunk toward it (default for lstm and conv1d: "
                             "on)", negatable=True)

    def __post_init__(self) -> None:
        self._check_choices("train")
        for name in ("threads", "clip_grad", "greedy_epochs", "lr", "batch_size", "epochs",
                     "patience"):
            _positive("train", name, getattr(self, name))
        for name in ("fine_tune_epochs", "kl_warmup", "seed"):
            _positive("train", name, getattr(self, name), strict=False)
        if not 0 <= self.val_split < 1:
            _fail("train", "val_split", f"must be in [0, 1), got {self.val_split}")


BINARIZE = ("threshold", "static", "dynamic")
"""threshold: x >= 0.5; static: one seeded Bernoulli draw; dynamic: a fresh draw every batch."""

SCALINGS = ("auto", "unit", "symmetric", "standard")
"""auto: images to [0, 1] ([-1, 1] for a tanh output), series and tables standardised."""


@dataclass(frozen=True, kw_only=True)
class DataConfig(_Section):
    """Where the training data came from and how it was read, so `resume` can read it again."""

    source: str = opt("digits", "a named source (digits, mnist, mnist:test, fashion-mnist"
                      "[:test], synthetic-3d[:test]) or a .npy/.npz/.csv/.ts/IDX file",
                      flag="--data")
    data_dir: str | None = opt(None, "folder with the named data sets (then $AEKIT_DATA, then "
                               "the user cache, where missing sets are downloaded)")
    limit: int | None = opt(None, "use only the first N samples")
    array: str | None = opt(None, "array name inside an .npz (default: x; labels: y)")
    label_column: str | None = opt(None, "CSV column holding labels (not a feature)")
    time_column: str | None = opt(None, "CSV column holding time stamps (not a feature)")
    nan_policy: str = opt("error", "samples with NaN/inf: refuse (default), drop them, or set "
                          "them to 0", choices=("error", "drop", "zero"))
    max_memory: float | None = opt(None, "refuse in-memory data larger than this (default: "
                                   "80%% of RAM)", metavar="GIB")
    kind: str | None = opt(None, "how a .npy/.npz array is meant: image (N,H,W[,C]) or "
                           "(N,C,H,W), series (N,T[,C]), tabular (N,F); default: guessed from "
                           "the shape", choices=("image", "series", "tabular"))
    window: int | None = opt(None, "cut one long series (CSV or .npy) into windows of this "
                             "many steps")
    stride: int | None = opt(None, "steps between window starts (default: 1)")
    image_size: int | None = opt(None, "resize the images of a folder source to N x N",
                                 metavar="N")
    pad: str = opt("mask", "unequal-length .ts series: pad with a mask that no loss or score "
                   "counts (default), or resample every series to the longest length",
                   choices=("mask", "resample"))
    scaling: str = opt("auto", "input scaling stored in the run: unit [0,1], symmetric [-1,1], "
                       "standard (mean 0, std 1); auto: images unit ([-1,1] for --output "
                       "tanh), others standard", choices=SCALINGS)
    stream: bool = opt(False, "stream batches from disk through DataLoader workers even when "
                       "the data would fit under --max-memory (larger data streams anyway)")
    workers: int = opt(2, "DataLoader worker processes when streaming (default: 2)")
    train_normal_only: bool = opt(False, "drop samples labelled 1 (anomaly; y in an .npz, "
                                  "--label-column in a CSV; windows holding one) before "
                                  "training")
    binarize: str | None = opt(None, "make [0, 1] images binary: threshold at 0.5, static (one "
                               "seeded Bernoulli draw) or dynamic (a fresh draw every training "
                               "batch)", choices=BINARIZE)
    columns: tuple[str, ...] | None = opt(None, "a CSV's feature names, matched by name later",
                                          flag=None)

    def __post_init__(self) -> None:
        self._check_choices("data")
        for name in ("limit", "image_size", "max_memory", "window", "stride"):
            _positive("data", name, getattr(self, name))
        _positive("data", "workers", self.workers, strict=False)
        if self.stride is not None and self.window is None:
            _fail("data", "stride", "needs --window (the length of each window)")


_SECTIONS: dict[type, str] = {ModelConfig: "model", TrainConfig: "train", DataConfig: "data"}
