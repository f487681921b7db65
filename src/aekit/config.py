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

from aekit import registry
from aekit.config_check import coerce
from aekit.config_check import fail as _fail
from aekit.errors import AekitError, option_name

T = TypeVar("T")


def from_dict(cls: type[T], data: dict[str, Any], section: str) -> T:
    """Build `cls` from a mapping, rejecting unknown keys and ill-typed values by name. A
    section with a `FLAT` field (the model: its parts' options) takes the other keys there and
    checks them itself."""
    if not isinstance(data, dict):
        raise AekitError(f"{section}: expected a table/object, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    flat = getattr(cls, "FLAT", None)
    if flat is None and (unknown := sorted(set(data) - known)):
        _fail_unknown(section, unknown[0], sorted(known))
    values = {k: coerce(section, k, v, hints[k]) if k in known - {flat} else v
              for k, v in data.items()}
    return cls(**values)


def _fail_unknown(section: str, key: str, known: list[str]) -> typing.NoReturn:
    raise AekitError(f"{section}: unknown key {key!r}; known keys: {', '.join(known)}")


def to_dict(config: Any) -> dict[str, Any]:
    """JSON-native dict of a config dataclass (tuples become lists), its `FLAT` field's keys
    beside the others."""
    flat = getattr(config, "FLAT", None)
    found: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        found.update(value if f.name == flat else {f.name: value})
    return {k: list(v) if isinstance(v, tuple) else v for k, v in found.items()}


def replace(config: T, **changes: Any) -> T:
    """A copy with `changes` applied through the same checks as `from_dict`."""
    merged = {**to_dict(config), **changes}
    return from_dict(type(config), merged, _SECTIONS[type(config)])


def positive(section: str, name: str, value: float | None, strict: bool = True) -> None:
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


PART_KINDS = {"arch": "architecture", "latent": "latent", "prior": "prior"}
"""The kinds of part a model config chooses (`ModelConfig.parts`), each with its noun."""


@dataclass(frozen=True, init=False)
class ModelConfig(_Section):
    """Everything needed to rebuild an Autoencoder's modules (not its weights): the fields
    every model has, and in `options` the chosen parts' own options."""

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
    latent: str | None = opt(
        None, "code part: {latent}; gaussian makes a VAE of any architecture (mean and "
        "log-variance heads), gaussian-sigma is seed 000's sigma head; --model vae implies "
        "gaussian")
    prior: str | None = opt(None, "adversarial AE prior for the codes: {prior} (--model aae: "
                            "gaussian); mixture: 10 Gaussians on a circle")
    options: dict[str, Any] = dataclasses.field(default_factory=dict, metadata={
        "help": "the chosen parts' own options by name (a conv's kernel, a VAE's beta), each "
                "checked against its part's options dataclass", "flag": None})

    FLAT: typing.ClassVar[str] = "options"
    """The field whose keys are read and written beside the others: config.json, presets and
    keyword arguments spell a part's option as a plain key (`"kernel": 3`)."""

    def __init__(self, **values: Any) -> None:
        """Fields by name; any other name is a part's option (`kernel=5`), kept in `options`,
        so a flat table (a preset's `[model]`, a run's config.json) is keyword arguments."""
        names = {f.name for f in dataclasses.fields(self)}
        options = {**values.pop(self.FLAT, {}),
                   **{k: values.pop(k) for k in set(values) - names}}
        for f in dataclasses.fields(self):
            value = (options if f.name == self.FLAT else values[f.name] if f.name in values
                     else f.default if f.default is not dataclasses.MISSING
                     else f.default_factory())  # type: ignore[misc]
            object.__setattr__(self, f.name, value)
        self.__post_init__()

    def __post_init__(self) -> None:
        if any(d <= 0 for d in self.input_shape):
            _fail("model", "input_shape", f"sizes must be > 0, got {list(self.input_shape)}")
        if any(h <= 0 for h in self.hidden):
            _fail("model", "hidden", f"expected sizes > 0 like 300,150, got {list(self.hidden)}")
        self._check_choices("model")
        positive("model", "k_sparse", self.k_sparse)
        for name in ("l2", "contractive"):
            positive("model", name, getattr(self, name), strict=False)
        if self.loss == "bce" and self.output not in ("sigmoid", "auto"):
            _fail("model", "loss", f"bce needs output 'sigmoid', got output {self.output!r}")
        for weight in self.penalties.values():
            positive("model", "penalties", weight, strict=False)
        if self.k_sparse_lifetime is not None and not 0 < self.k_sparse_lifetime <= 1:
            _fail("model", "k_sparse_lifetime", f"must be a fraction in (0, 1], got "
                  f"{self.k_sparse_lifetime}")
        object.__setattr__(self, "options", self._chosen_options())

    def parts(self) -> dict[str, str | None]:
        """Kind -> name of each chosen part: the architecture, and the latent and prior given
        or implied by it (`vae`: gaussian, `aae`: a gaussian prior; none: identity, no prior)."""
        implied = registry.defaults("arch", self.arch)
        return {"arch": self.arch, "latent": self.latent or implied.get("latent", "identity"),
                "prior": self.prior or implied.get("prior")}

    def part_options(self, kind: str) -> Any:
        """The typed options of the chosen part of `kind` (e.g. a conv's `ConvOptions`)."""
        name = str(self.parts()[kind])
        cls = registry.options(kind, name)
        if cls is None:
            raise AekitError(f"the {name} {PART_KINDS.get(kind, kind)} has no options")
        return cls(**{f.name: self.options[f.name] for f in dataclasses.fields(cls)
                      if f.name in self.options})

    def _chosen_options(self) -> dict[str, Any]:
        """Every option of the chosen parts, given or default, each checked by its part's
        dataclass. A given option no chosen part takes is refused, naming the part and the
        parts that take it, unless it holds that option's default: runs written before options
        moved to their parts stored every option, used or not."""
        chosen = {kind: name for kind, name in self.parts().items() if name}
        classes = [cls for kind, name in chosen.items()
                   if (cls := registry.options(kind, name)) is not None]
        taken = {f.name for cls in classes for f in dataclasses.fields(cls)}
        for key in sorted(set(self.options) - taken):
            _check_untaken(key, self.options[key], chosen)
        found: dict[str, Any] = {}
        for cls in classes:
            hints = typing.get_type_hints(cls)
            given = {f.name: coerce("model", f.name, self.options[f.name], hints[f.name])
                     for f in dataclasses.fields(cls) if f.name in self.options}
            typed = cls(**given)
            found.update({f.name: getattr(typed, f.name) for f in dataclasses.fields(cls)})
        return found


def _check_untaken(key: str, value: Any, chosen: dict[str, str]) -> None:
    """Refuse option `key`, which no chosen part takes, unless it holds its default."""
    takers = registry.option_takers().get(key)
    if not takers:
        _fail_unknown("model", key, model_keys())
    defaults = set()
    for kind, name in takers:
        cls = registry.options(kind, name)
        field = next(f for f in dataclasses.fields(cls) if f.name == key)  # type: ignore[arg-type]
        hint = typing.get_type_hints(cls)[key]
        if coerce("model", key, value, hint) == field.default:
            defaults.add((kind, name))
    if defaults == set(takers):
        return
    kind = takers[0][0]
    names = ", ".join(name for k, name in takers if k == kind)
    noun, flag = PART_KINDS.get(kind, kind), option_name(key)
    if kind in chosen:
        registry.lookup(kind, chosen[kind], "--model" if kind == "arch" else option_name(kind))
        _fail("model", key, f"the {chosen[kind]} {noun} takes no {flag} (an option of {names})")
    _fail("model", key, f"no {noun} is chosen, so nothing takes {flag} (an option of the "
          f"{names} {noun}s: --{kind})")


def model_keys() -> list[str]:
    """Every key a model section may hold: the shared fields and every registered part's
    options."""
    shared = [f.name for f in dataclasses.fields(ModelConfig) if f.name != ModelConfig.FLAT]
    return sorted({*shared, *registry.option_takers()})


class PartOptions(_Section):
    """Base of a part's options dataclass: its fields are `opt`s (flag, help, choices) and
    `__post_init__` checks them, errors naming the model field (`model.kernel (--kernel)`)."""

    def __post_init__(self) -> None:
        self._check_choices("model")


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
    threads: int | None = opt(None, "torch threads (default: one per 50 MFLOP of a training "
                              "step, at most the cores other processes leave free; "
                              "OMP_NUM_THREADS if set)")
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
            positive("train", name, getattr(self, name))
        for name in ("fine_tune_epochs", "kl_warmup", "seed"):
            positive("train", name, getattr(self, name), strict=False)
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
    columns: tuple[str, ...] | None = opt(
        None, "the table columns to use as features, by name (default: all but the label, "
        "time and index columns); a run keeps them and matches later data by name",
        metavar="A,B")
    drop_columns: tuple[str, ...] | None = opt(None, "table columns to leave out of the "
                                               "features", metavar="A,B")
    encoding: dict[str, dict[str, Any]] | None = dataclasses.field(default=None, metadata={
        "help": "how a table's text columns became numbers (aekit.data.encoding)", "flag": None})

    def __post_init__(self) -> None:
        self._check_choices("data")
        for name in ("limit", "image_size", "max_memory", "window", "stride"):
            positive("data", name, getattr(self, name))
        positive("data", "workers", self.workers, strict=False)
        if self.stride is not None and self.window is None:
            _fail("data", "stride", "needs --window (the length of each window)")


_SECTIONS: dict[type, str] = {ModelConfig: "model", TrainConfig: "train", DataConfig: "data"}
