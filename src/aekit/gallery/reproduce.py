"""The seed gallery: every seed system, reproduced end to end through its preset.

Each system lives in its preset's `[reproduce.NAME]` table: the data it uses, what it changes,
which figures the seed drew, the number the seed reports (if any) and how `--quick` shrinks it.
`reproduce` trains it with `fit_run`, evaluates it on the seed's test split, draws the figures
and writes `reproduce.json` with aekit's number next to the seed's. Adding a system is adding a
table, not a function.
"""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from aekit import metrics
from aekit.config import DataConfig, ModelConfig, TrainConfig, from_dict
from aekit.data.idx_sets import IDX_SETS, locate
from aekit.data.sources import load_source
from aekit.errors import AekitError
from aekit.gallery.figures import FIGURES, Context
from aekit.io import atomic_write_json
from aekit.model import Autoencoder
from aekit.presets import Preset, load_preset, preset_names
from aekit.runs.fit import fit_run
from aekit.runs.run import Run

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


SYSTEM_KEYS = {"title", "figures", "data", "test", "model", "train", "quick", "reference",
               "note", "seed"}


def _system(preset: Preset, name: str, table: dict[str, Any]) -> System:
    """The `[reproduce.NAME]` table of a preset as a System, its keys and settings checked."""
    where = f"preset {preset.name}: reproduce.{name}"
    unknown = sorted(set(table) - SYSTEM_KEYS)
    if unknown or not {"title", "figures"} <= set(table):
        raise AekitError(f"{where}: expected keys {', '.join(sorted(SYSTEM_KEYS))} (title and "
                         f"figures required), got {', '.join(sorted(table))}")
    reference = table.get("reference")
    system = System(name, table.get("seed", preset.seed), preset.name, table["title"],
                    tuple(table["figures"]), tuple(table.get("data", ("mnist",))),
                    tuple(table.get("test", ("mnist:test",))),
                    table.get("model", {}), table.get("train", {}), table.get("quick", {}),
                    None if reference is None else Reference(**reference), table.get("note", ""))
    for quick in (False, True):
        model, train = settings(system, quick)
        from_dict(ModelConfig, model, f"{where}: model")
        from_dict(TrainConfig, train, f"{where}: train")
    return system


def _systems() -> tuple[System, ...]:
    found = [_system(preset, name, table) for preset in map(load_preset, preset_names())
             for name, table in preset.reproduce.items()]
    return tuple(sorted(found, key=lambda system: system.seed))


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
    data_dir), with its index; the last one when none is and it is a named set (it may still
    be downloaded). A missing file fails here, before --out is made, naming the option that
    would find it."""
    for i, spec in enumerate(candidates):
        name, _, split = spec.partition(":")
        if name in IDX_SETS:
            if locate(name, split or "train", data_dir) is not None:
                return spec, i
        elif _resolve(spec, data_dir).exists() or name == "synthetic-3d":
            return str(_resolve(spec, data_dir)) if name != "synthetic-3d" else spec, i
    last = candidates[-1]
    if last.partition(":")[0] in IDX_SETS or last.startswith("synthetic"):
        return last, len(candidates) - 1
    raise AekitError(f"{_resolve(last, data_dir)}: not found; pass --data-dir DIR (or set "
                     f"AEKIT_DATA=DIR) where DIR holds {Path(last).parent}/")


def _resolve(spec: str, data_dir: str | None) -> Path:
    """A system's data file under --data-dir, then $AEKIT_DATA, as the named sets are found."""
    folder = data_dir or os.environ.get("AEKIT_DATA")
    return Path(folder) / spec if folder else Path(spec)


def machine(threads: int | None = None) -> str:
    """CPU model (or GPU name), cores and torch threads (`threads`: those training used, which
    it sets only for its own duration): the 'stated machine' of a timing."""
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
    return (f"{cpu}, {os.cpu_count()} cores, {threads or torch.get_num_threads()} torch threads, "
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
        "wall_seconds": round(time.perf_counter() - started, 2),
        "machine": machine((run.metrics["final"].get("threads") or {}).get("count")),
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
    test = load_source(test_spec, DataConfig(data_dir=data_dir,
                                             limit=QUICK_TEST if quick else None))
    train = load_source(source, DataConfig(data_dir=data_dir,
                                           limit=QUICK_LIMIT if quick else 10000))
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


SYSTEMS = _systems()
