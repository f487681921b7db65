"""What each CLI sub-command does, on parsed arguments; returns what to print."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from aekit import metrics, registry, run
from aekit.config import DataConfig, ModelConfig, TrainConfig, from_dict
from aekit.data.scaling import check_shape
from aekit.data.sources import Dataset, load_source
from aekit.errors import AekitError
from aekit.io import atomic_write
from aekit.presets import load_preset, preset_names
from aekit.report import plots
from aekit.train.pipeline import fit_run, resume_run
from aekit.train.trainer import resolve_device

MODEL_OPTIONS = ("hidden", "activation", "init", "output", "loss", "l2")
TRAIN_OPTIONS = ("optimizer", "lr", "batch_size", "epochs", "seed", "val_split", "patience")
DATA_OPTIONS = ("data_dir", "limit", "array", "label_column", "time_column")
# --- convolutional and sequence models (issue 7) ---
MODEL_OPTIONS += ("conv_mode", "channels", "kernel")
DATA_OPTIONS += ("kind", "window", "stride", "scaling")
HANDLERS = {"map": "map_codes"}  # sub-commands whose function name would shadow a builtin


def train(args: argparse.Namespace) -> str | None:
    if args.resume:
        result = resume_run(args.resume, epochs=args.epochs, quiet=args.quiet,
                            device=args.device)
        return None if args.quiet else summary(result)
    if not args.out:
        raise AekitError("--out: required (the run directory to write), unless --resume")
    preset = load_preset(args.preset) if args.preset else None
    model: dict[str, Any] = {"arch": "stacked", "output": "auto",
                             **(preset.model if preset else {})}
    if args.model:
        model["arch"] = args.model
    model.update(_given(args, MODEL_OPTIONS))
    train_options = {**(preset.train if preset else {}), **_given(args, TRAIN_OPTIONS)}
    data = {"source": args.data or (preset.data if preset else "digits"),
            **_given(args, DATA_OPTIONS)}
    if data.get("data_dir"):
        data["data_dir"] = str(Path(data["data_dir"]).resolve())
    result = fit_run(from_dict(ModelConfig, model, "model"),
                     from_dict(TrainConfig, train_options, "train"),
                     from_dict(DataConfig, data, "data"), args.out,
                     preset=args.preset, overwrite=args.overwrite, quiet=args.quiet,
                     device=args.device)
    return None if args.quiet else summary(result)


def demo(args: argparse.Namespace) -> str:
    """A stacked AE on scikit-learn's bundled digits, next to PCA with the same code size."""
    out = Path(args.out)
    is_old_run = (out / "config.json").exists()
    result = fit_run(
        ModelConfig(arch="stacked", hidden=(32, 8), activation="elu", init="he",
                    output="sigmoid", loss="mse"),
        TrainConfig(optimizer="adam", lr=3e-3, batch_size=64, epochs=args.epochs, seed=0,
                    val_split=0.1),
        DataConfig(source="digits"), out, overwrite=is_old_run, quiet=args.quiet,
        device=args.device)
    return summary(result) + (
        f"\n\nNext, try:\n"
        f"  aekit evaluate {out} --data digits:test\n"
        f"  aekit encode {out} --data digits --out codes.npy\n"
        f"  aekit reconstruct {out} --data digits:test --out recon.npy --figure recon.png\n"
        f"  aekit train --preset stacked-mnist --data-dir PATH/TO/DATA --out runs/stacked\n")


def summary(result: run.Run) -> str:
    final = result.metrics["final"]
    cfg = result.model_config
    split = final["eval_split"]

    def fmt(value: float | None) -> str:
        return "-" if value is None else f"{value:.5f}"

    rows = [
        ("model", f"{cfg.arch} {'-'.join(map(str, cfg.hidden)) or f'code {cfg.code_size}'} "
                  f"({cfg.activation}, "
                  f"{cfg.loss})" + (f", preset {result.preset}" if result.preset else "")),
        ("data", result.data_config.source),
        ("epochs", str(final["epochs"])),
        ("final train loss", fmt(final["train_loss"])),
        ("final val loss", fmt(final["val_loss"])),
        (f"{split} MSE", fmt(final["mse"])),
        (f"PCA-{final['code_size']} {split} MSE", fmt(final["pca_mse"])),
        ("training time", f"{final['seconds']:.1f} s"),
        ("run directory", str(result.path)),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def models(args: argparse.Namespace) -> str:
    return "\n".join(f"{name:<10} {doc}" for name, doc in registry.describe("arch").items())


def presets(args: argparse.Namespace) -> str:
    lines = []
    for name in preset_names():
        preset = load_preset(name)
        lines.append(f"{name:<15} seed {preset.seed}, {preset.data}: {preset.description}")
    return "\n".join(lines)


def evaluate(args: argparse.Namespace) -> dict[str, Any]:
    loaded, data, x = _run_and_data(args)
    recon = metrics.reconstruct(loaded.model, x)
    return {"run": str(loaded.path), "data": data.name, "n": len(x),
            **metrics.recon_errors(x, recon), **metrics.loss_terms(loaded.model, x)}


def encode(args: argparse.Namespace) -> str:
    loaded, _, x = _run_and_data(args)
    codes = metrics.encode(loaded.model, x)
    save_npy(args.out, codes)
    return f"wrote {args.out}: codes {codes.shape}"


def reconstruct(args: argparse.Namespace) -> str:
    loaded, data, x = _run_and_data(args)
    recon = metrics.reconstruct(loaded.model, x)
    save_npy(args.out, loaded.scaling.undo(recon))
    message = f"wrote {args.out}: reconstructions {recon.shape}"
    if args.figure:
        if data.kind != "image":
            raise AekitError("--figure: only image data can be drawn")
        plots.image_rows([x[:10], recon[:10]], ["original", "reconstruction"], args.figure)
        message += f"; figure {args.figure}"
    return message


def map_codes(args: argparse.Namespace) -> str:
    """Codes of labelled data as a 2-D scatter (seed 003); larger codes via PCA or t-SNE."""
    loaded, data, x = _run_and_data(args)
    if data.y is None:
        raise AekitError(f"--data: {data.name} has no labels to colour the map by")
    codes = metrics.encode(loaded.model, x)
    points, how = plots.to_2d(codes, args.method)
    title = f"{loaded.model_config.arch} codes of {data.name}" + (f" ({how})" if how else "")
    plots.code_map(points, data.y, args.out, title)
    return f"wrote {args.out}: {len(codes)} codes of size {codes.shape[1]}" + (
        f", {how}" if how else "")


def save_npy(path: str | Path, array: np.ndarray) -> None:
    def write(tmp: Path) -> None:
        with tmp.open("wb") as handle:
            np.save(handle, array, allow_pickle=False)

    atomic_write(path, write)


def _run_and_data(args: argparse.Namespace) -> tuple[run.Run, Dataset, np.ndarray]:
    """The run (on the chosen device) and the data scaled as at training time."""
    loaded = run.load_run(args.run, resolve_device(args.device))
    stored = loaded.data_config
    given = _given(args, DATA_OPTIONS)
    data = load_source(args.data or stored.source,
                       given.get("data_dir", stored.data_dir), args.limit,
                       given.get("array", stored.array),
                       given.get("label_column", stored.label_column),
                       given.get("time_column", stored.time_column),
                       kind=given.get("kind", stored.kind),
                       window=given.get("window", stored.window),
                       stride=given.get("stride", stored.stride))
    check_shape(loaded.scaling, data.x, data.name)
    expected = loaded.model_config.input_shape
    if tuple(data.x.shape[1:]) != expected:
        raise AekitError(f"--data: samples of {data.name} have shape {data.x.shape[1:]}, "
                         f"the model expects {expected}")
    return loaded, data, loaded.scaling.apply(data.x)


def _given(args: argparse.Namespace, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}
