"""The seed gallery: every seed system, reproduced end to end through its preset.

One table (`SYSTEMS`) says, per system, which preset and data it uses, what it changes, which
figures the seed drew, the number the seed reports (if any) and how `--quick` shrinks it.
`reproduce` trains it with `fit_run`, evaluates it on the seed's test split, draws the figures
and writes `reproduce.json` with aekit's number next to the seed's. Adding a system is adding a
row, not a function.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from aekit import metrics
from aekit.config import DataConfig, ModelConfig, TrainConfig, from_dict
from aekit.data.idx_sets import IDX_SETS, locate
from aekit.data.sources import Dataset, load_source
from aekit.errors import AekitError
from aekit.io import atomic_write_json
from aekit.model import Autoencoder
from aekit.presets import load_preset
from aekit.report import features, plots
from aekit.run import Run
from aekit.tasks.denoise import denoise
from aekit.workflow import fit_run

KERAS = "seed 004's Keras 2 log (batch 128, Adadelta lr 1.0, validation = MNIST test set)"
QUICK_TRAIN = {"epochs": 3}  # what --quick changes unless a row says more
QUICK_LIMIT = 2000  # training samples in --quick
QUICK_TEST = 500  # test samples in --quick


@dataclass(frozen=True)
class Reference:
    """A number the seed reports: `metric` (a key of reproduce.json's metrics) at `epochs`."""

    metric: str
    value: float
    epochs: int
    source: str


@dataclass(frozen=True)
class System:
    """One seed system: a preset plus the changes the seed makes, its data and its figures."""

    name: str
    seed: str
    preset: str
    title: str
    figures: tuple[str, ...]
    data: tuple[str, ...] = ("mnist",)  # candidates: the first one present is used
    test: tuple[str, ...] = ("mnist:test",)
    model: dict[str, Any] = field(default_factory=dict)
    train: dict[str, Any] = field(default_factory=dict)
    quick: dict[str, Any] = field(default_factory=dict)
    reference: Reference | None = None
    note: str = ""


SEED004 = {"val_split": 0.0}  # the seed trains on all 60,000 and validates on the test set
SEED000_GREEDY = {"lr": 0.01, "greedy_epochs": 4, "fine_tune_epochs": 0}
GREEDY_QUICK = {"greedy_epochs": 1, "epochs": 1}

SYSTEMS: tuple[System, ...] = (
    System("linear-3d", "000", "pca-3d", "linear AE on 3-D data: 2-D projection",
           ("projection",), ("synthetic-3d",), ("synthetic-3d:test",),
           quick={"epochs": 60, "batch_size": 10},
           note="a linear AE with MSE spans PCA's plane: its MSE should equal PCA-2's"),
    System("stacked", "000", "stacked-mnist", "stacked 784-300-150 AE: reconstructions",
           ("reconstructions",)),
    System("tied", "000", "tied-mnist", "tied weights 784-300-150: reconstructions",
           ("reconstructions",)),
    System("greedy-separate", "000", "stacked-mnist",
           "greedy layer-wise, one shallow AE per layer", ("reconstructions",),
           model={"l2": 0.0005}, train={"greedy": "separate", **SEED000_GREEDY},
           quick=GREEDY_QUICK),
    System("greedy-phases", "000", "stacked-mnist",
           "greedy layer-wise, phases of one graph", ("reconstructions",),
           model={"l2": 0.0005}, train={"greedy": "phases", **SEED000_GREEDY},
           quick=GREEDY_QUICK),
    System("greedy-cached", "000", "stacked-mnist",
           "greedy layer-wise, frozen layers cached", ("reconstructions",),
           model={"l2": 0.0005}, train={"greedy": "cached", **SEED000_GREEDY},
           quick=GREEDY_QUICK),
    System("features", "000", "stacked-mnist", "feature visualisation: first-layer weights",
           ("features",)),
    System("pretrain", "000", "pretrain-mnist",
           "few-label classification on a pretrained encoder (100 labels)", ("confusion",),
           note="accuracy: fine-tuned pretrained encoder; scratch_accuracy: same net, random init"),
    System("vae", "000", "vae-mnist-sigma",
           "variational AE as the seed lists it (sigma head): generated digits",
           ("samples", "reconstructions"), quick={"epochs": 3}),
    System("vae-logvar", "000", "vae-mnist", "variational AE, log-variance head: generated digits",
           ("samples", "reconstructions"), quick={"epochs": 3}),
    System("aae-mnist", "000", "aae-mnist", "adversarial AE, 8-D code: generated digits",
           ("samples", "reconstructions"), quick={"epochs": 3}),
    System("denoise-gaussian", "000", "denoise-gaussian", "denoising AE, Gaussian noise 1.0",
           ("denoise",)),
    System("denoise-dropout", "000", "denoise-dropout", "denoising AE, input dropout 0.3",
           ("denoise",)),
    System("sparse-kl", "000", "sparse-kl", "sparse AE, KL to 0.1: reconstructions",
           ("reconstructions",), quick={"epochs": 4, "batch_size": 250}),
    System("conv-strided", "001", "conv-strided", "strided conv AE 16-32-64-128: reconstructions",
           ("reconstructions",), quick={"epochs": 1}),
    System("conv-denoise-fashion", "002", "conv-denoise",
           "conv denoising AE, Fashion-MNIST (MNIST when absent): noisy / cleaned rows",
           ("denoise",), ("fashion-mnist", "mnist"), ("fashion-mnist:test", "mnist:test"),
           train={"optimizer": "adam", "lr": 0.001}, quick={"epochs": 1},
           note="the seed's Adam 1e-3 with BCE, not its MSE: sigmoid + MSE collapsed to an "
                "all-black output on MNIST (3 seeds here, 2 in a plain PyTorch loop; the seed "
                "trained on the brighter Fashion-MNIST)"),
    System("mnist-256-128", "003", "mnist-256-128", "sigmoid 784-256-128 AE: reconstructions",
           ("reconstructions",)),
    System("code-map-2d", "003", "mnist-2d", "784-128-64-10-2 AE: 2-D code cluster map",
           ("map",), quick={"epochs": 3}),
    System("keras-simple", "004", "keras-simple", "Keras simple 784-32: reconstructions",
           ("reconstructions",), train=SEED004,
           reference=Reference("test_bce", 0.1020, 25, KERAS),
           note="the weights' seed moves it by about 1%: seed 0 (the run here) 0.1033, seeds "
                "1, 2, 3 gave 0.1024, 0.1022, 0.1026 (Keras 3 here: 0.1022)"),
    System("keras-sparse-l1", "004", "keras-sparse-l1", "Keras sparse 784-32, L1 activity 1e-4",
           ("reconstructions",), train=SEED004,
           note="the seed's 0.2603 @100 includes the L1 penalty; test_bce is the BCE alone"),
    System("keras-deep", "004", "keras-deep", "Keras deep 784-128-64-32: reconstructions",
           ("reconstructions",), train=SEED004,
           reference=Reference("test_bce", 0.0925, 100, KERAS)),
    System("keras-conv", "004", "keras-conv", "Keras conv 16-8-8: reconstructions",
           ("reconstructions",), train=SEED004, quick={"epochs": 1},
           reference=Reference("test_bce", 0.0984, 50, KERAS),
           note="one run, seed 0; keras-simple's seeds 0-3 spread over about 1%"),
    System("keras-conv-denoise", "004", "conv-denoise", "Keras conv denoising 32-32",
           ("denoise",), train=SEED004, quick={"epochs": 4},
           reference=Reference("cleaned_bce", 0.0941, 100, KERAS),
           note="cleaned_bce: BCE of the cleaned noisy test images against the clean ones, as "
                "the seed's val_loss"),
    System("keras-vae-2d", "004", "keras-vae-2d", "Keras VAE 784-256-2: 2-D digit manifold",
           ("manifold", "map"), quick={"epochs": 3}),
    System("keras-lstm", "004", "keras-lstm", "Keras LSTM sequence AE on GunPoint series",
           ("series",), ("timeseries/GunPoint_TRAIN.ts",), ("timeseries/GunPoint_TEST.ts",),
           quick={"epochs": 20},
           note="the seed shows the architecture, no number; with the sequence models' recipe "
                "(PCA path, clock, cosine schedule, best validation epoch) training starts at "
                "PCA-8 and leaves no plateau: seed 0 ends at 0.0075 with 1 torch thread and "
                "0.0076 with 2 (PCA-8 0.0083); seeds 1 and 2 with 1 thread: 0.0073, 0.0094"),
)


def names() -> list[str]:
    return [s.name for s in SYSTEMS]


def get(name: str) -> System:
    for system in SYSTEMS:
        if system.name == name:
            return system
    raise AekitError(f"reproduce: unknown system {name!r}; known: {', '.join(names())}")


def describe() -> str:
    """`aekit reproduce --list`: one line per system."""
    rows = []
    for s in SYSTEMS:
        ref = f"; seed: {s.reference.metric} {s.reference.value} @{s.reference.epochs}" \
            if s.reference else ""
        rows.append(f"{s.name:<21} seed {s.seed}, preset {s.preset}: {s.title}{ref}")
    return "\n".join(rows)


def settings(system: System, quick: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The model and training fields: the preset's, then the seed's changes, then --quick's."""
    preset = load_preset(system.preset)
    train = {**preset.train, **system.train}
    if quick:
        train.update({**QUICK_TRAIN, **system.quick})
    return {**preset.model, **system.model}, train


def pick_source(candidates: tuple[str, ...], data_dir: str | None) -> tuple[str, int]:
    """The first candidate whose files are present (a named IDX set, or a file under
    data_dir), with its index; the last one when none is (it may still be downloaded)."""
    for i, spec in enumerate(candidates):
        name, _, split = spec.partition(":")
        if name in IDX_SETS:
            if locate(name, split or "train", data_dir) is not None:
                return spec, i
        elif _resolve(spec, data_dir).exists() or name == "synthetic-3d":
            return str(_resolve(spec, data_dir)) if name != "synthetic-3d" else spec, i
    last = candidates[-1]
    return (last if last.partition(":")[0] in IDX_SETS or last.startswith("synthetic")
            else str(_resolve(last, data_dir))), len(candidates) - 1


def _resolve(spec: str, data_dir: str | None) -> Path:
    return Path(data_dir) / spec if data_dir else Path(spec)


@dataclass
class Context:
    """What the figure makers need: the run, the test data (raw and scaled) and a train sample."""

    run: Run
    test: Dataset
    x_test: np.ndarray
    x_train: np.ndarray
    y_train: np.ndarray | None
    quick: bool

    def to_unit(self, x: np.ndarray) -> np.ndarray:
        return self.run.scaling.undo(x) / self.test.full_scale


def _reconstructions(ctx: Context, path: Path) -> dict[str, Any]:
    sample = ctx.x_test[:10]
    recon = metrics.reconstruct(ctx.run.model, sample)
    plots.image_rows([ctx.to_unit(sample), ctx.to_unit(recon)], ["original", "reconstruction"],
                     path, f"{ctx.run.preset} on {ctx.test.name}")
    return {}


def _projection(ctx: Context, path: Path) -> dict[str, Any]:
    plots.projection(metrics.encode(ctx.run.model, ctx.x_test), path,
                     f"2-D codes of {ctx.test.name}")
    return {}


def _code_map(ctx: Context, path: Path) -> dict[str, Any]:
    codes = metrics.encode(ctx.run.model, ctx.x_test)
    plots.code_map(codes, ctx.test.y, path, f"2-D codes of {ctx.test.name}")
    return {"nn1_accuracy": metrics.nn1_accuracy(
        metrics.encode(ctx.run.model, ctx.x_train[:5000]), ctx.y_train[:5000], codes,
        ctx.test.y)}


def _denoise(ctx: Context, path: Path) -> dict[str, Any]:
    noisy, cleaned = denoise(ctx.run.model, ctx.x_test, ctx.run.model_config.noise)
    plots.image_rows([ctx.to_unit(noisy[:10]), ctx.to_unit(cleaned[:10]),
                      ctx.to_unit(ctx.x_test[:10])], ["noisy", "cleaned", "original"], path,
                     f"{ctx.run.model_config.noise} on {ctx.test.name}")
    errors = metrics.recon_errors(ctx.x_test, cleaned)
    return {"noisy_mse": metrics.recon_errors(ctx.x_test, noisy)["mse"],
            "cleaned_mse": errors["mse"], "cleaned_bce": errors["bce"]}


def _features(ctx: Context, path: Path) -> dict[str, Any]:
    features.weight_grid(ctx.run.model, path)
    return {}


def _confusion(ctx: Context, path: Path) -> dict[str, Any]:
    from sklearn.metrics import confusion_matrix

    from aekit.tasks.classify import PretrainedClassifier, few_labels

    idx = few_labels(ctx.y_train, 100, 0)
    options = {"epochs": 20 if ctx.quick else 200, "seed": 0}
    tuned = PretrainedClassifier(ctx.run.model, **options).fit(ctx.x_train[idx], ctx.y_train[idx])
    scratch = PretrainedClassifier(ctx.run.model, from_scratch=True, **options).fit(
        ctx.x_train[idx], ctx.y_train[idx])
    matrix = confusion_matrix(ctx.test.y, tuned.predict(ctx.x_test), labels=tuned.classes_)
    plots.confusion(matrix, [str(c) for c in tuned.classes_], path)
    return {"labels": 100, "accuracy": float(tuned.score(ctx.x_test, ctx.test.y)),
            "scratch_accuracy": float(scratch.score(ctx.x_test, ctx.test.y))}


def _series(ctx: Context, path: Path) -> dict[str, Any]:
    sample = ctx.x_test[:4]
    plots.series_pairs(sample, metrics.reconstruct(ctx.run.model, sample), path,
                       f"{Path(ctx.test.name).name}: series (standardised), reconstructions")
    return {}


def _samples(ctx: Context, path: Path) -> dict[str, Any]:
    from aekit.tasks.generate import sample

    plots.image_grid(ctx.to_unit(sample(ctx.run.model, 60)), 10, path,
                     "60 digits decoded from prior draws")
    return {}


def _manifold(ctx: Context, path: Path) -> dict[str, Any]:
    from aekit.tasks.generate import latent_grid

    plots.image_grid(ctx.to_unit(latent_grid(ctx.run.model, 15)), 15, path,
                     "decoded 2-D codes, quantiles 5%..95% of N(0, 1)")
    return {}


FIGURES: dict[str, Callable[[Context, Path], dict[str, Any]]] = {
    "reconstructions": _reconstructions, "projection": _projection, "map": _code_map,
    "denoise": _denoise, "features": _features, "confusion": _confusion, "series": _series,
    "samples": _samples, "manifold": _manifold,
}


def machine() -> str:
    """CPU model (or GPU name), cores and torch threads: the 'stated machine' of a timing."""
    if torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}"
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, {torch.get_num_threads()} torch threads, "
            f"torch {torch.__version__}")


def reproduce(name: str, out: str | Path, *, data_dir: str | None = None, quick: bool = False,
              device: str = "auto", overwrite: bool = False, seed: int | None = None,
              threads: int | None = None) -> dict[str, Any]:
    """Train one system into `out`/run, draw its figures in `out`, write `out`/reproduce.json
    (aekit's numbers beside the seed's) and return that record. `seed` and `threads` replace
    the preset's, to show how much a result depends on them."""
    system, out = get(name), Path(out)
    model, train = settings(system, quick)
    train.update({k: v for k, v in (("seed", seed), ("threads", threads)) if v is not None})
    source, which = pick_source(system.data, data_dir)
    test_spec, _ = pick_source(system.test[which:which + 1], data_dir)
    data_config = DataConfig(source=source, data_dir=data_dir,
                             limit=QUICK_LIMIT if quick else None)
    started = time.perf_counter()
    run = fit_run(from_dict(ModelConfig, model, "model"), from_dict(TrainConfig, train, "train"),
                  data_config, out / "run", preset=system.preset, overwrite=overwrite,
                  device=device)
    train_seconds = time.perf_counter() - started
    ctx = _context(run, source, test_spec, data_dir, quick)
    found = _test_metrics(ctx)
    figures = []
    for kind in system.figures:
        found.update(FIGURES[kind](ctx, out / f"{kind}.png"))
        figures.append(f"{kind}.png")
    record = {
        "system": system.name, "seed": system.seed, "preset": system.preset,
        "title": system.title, "quick": quick, "data": source, "test_data": ctx.test.name,
        "epochs": run.metrics["final"]["epochs"], "train_seconds": round(train_seconds, 2),
        "wall_seconds": round(time.perf_counter() - started, 2), "machine": machine(),
        # other jobs on the machine stretch wall times: the 1/5/15-minute load averages say so
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "metrics": found, "figures": figures, "note": system.note,
        "reference": None if system.reference is None else {
            **vars(system.reference),
            "aekit": found.get(system.reference.metric),
            "ratio": _ratio(found.get(system.reference.metric), system.reference.value)},
    }
    atomic_write_json(out / "reproduce.json", record)
    return record


def _ratio(value: float | None, reference: float) -> float | None:
    return None if value is None else round(value / reference, 4)


def _context(run: Run, source: str, test_spec: str, data_dir: str | None,
             quick: bool) -> Context:
    test = load_source(test_spec, data_dir, QUICK_TEST if quick else None)
    train = load_source(source, data_dir, QUICK_LIMIT if quick else 10000)
    return Context(run, test, run.scaling.apply(test.x), run.scaling.apply(train.x), train.y,
                   quick)


def _test_metrics(ctx: Context) -> dict[str, Any]:
    """Reconstruction errors on the test split beside three baselines: the model's initial
    weights, PCA with the same code size (fitted on the training sample) and the training mean."""
    errors = metrics.recon_errors(ctx.x_test, metrics.reconstruct(ctx.run.model, ctx.x_test))
    torch.manual_seed(ctx.run.train_config.seed)  # the weights training started from
    untrained = Autoencoder(ctx.run.model_config)
    mean = ctx.x_train.mean(axis=0, keepdims=True)
    return {"test_mse": errors["mse"], "test_bce": errors["bce"],
            "untrained_mse": metrics.recon_errors(
                ctx.x_test, metrics.reconstruct(untrained, ctx.x_test))["mse"],
            "pca_mse": metrics.pca_mse(ctx.x_train, ctx.x_test,
                                       ctx.run.model.code_size),
            "mean_mse": float(np.mean((ctx.x_test.astype(np.float64) - mean) ** 2)),
            "code_size": ctx.run.model.code_size}

