"""From a source and configs to a finished run directory, and back again for `--resume`.

This is what `aekit train` and the Python API share: read data, fit the scaling on the training
split, train with checkpoints, then write weights, metrics and figures.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from aekit import metrics, run, rundir
from aekit.config import DataConfig, ModelConfig, TrainConfig, replace
from aekit.data import stream
from aekit.data.batches import train_val_split
from aekit.data.binarize import bernoulli, binarize
from aekit.data.labels import drop_anomalies
from aekit.data.scaling import Scaling, fit_scaling, resolve
from aekit.data.sources import Dataset, load_source
from aekit.device import resolve_device
from aekit.errors import AekitError
from aekit.io import atomic_write_json
from aekit.model import Autoencoder
from aekit.parts.linear_path import fit_pca
from aekit.report import best_effort, features, plots
from aekit.report.html import write_report
from aekit.tasks import generate
from aekit.tasks.detect import store_train_scores
from aekit.train import checkpoint as ckpt
from aekit.train import distributed, guards
from aekit.train.callbacks import Callback, CodeActivity, EarlyStopping, KLWarmup, Progress
from aekit.train.greedy import check_greedy, greedy_pretrain
from aekit.train.recipe import CosineSchedule, RestoreBest
from aekit.train.tensorboard import TensorBoardLogger
from aekit.train.trainer import Trainer


@dataclass
class Prepared:
    """Training data after splitting and scaling, with the scaling and model config it implies."""

    train: np.ndarray  # in memory: for metrics, figures and callbacks (a sample when streamed)
    val: np.ndarray
    scaling: Scaling
    model_config: ModelConfig
    data: Dataset
    fit_train: Any = None  # what Trainer.fit gets when not `train` itself: streamed batches
    fit_val: Any = None


def read_data(data_config: DataConfig) -> Dataset:
    """In memory when the float32 copy fits under --max-memory; streamed when it does not, or
    with --stream."""
    if stream.wants_stream(data_config):
        if data_config.train_normal_only:
            raise AekitError("--train-normal-only: not available with streamed data (--stream, "
                             "or data larger than --max-memory)")
        return stream.open_stream(data_config)
    data = load_source(data_config.source, data_config.data_dir, data_config.limit,
                       data_config.array, data_config.label_column, data_config.time_column,
                       data_config.nan_policy, data_config.max_memory,
                       kind=data_config.kind, window=data_config.window,
                       stride=data_config.stride, image_size=data_config.image_size,
                       columns=data_config.columns, pad=data_config.pad)
    return drop_anomalies(data) if data_config.train_normal_only else data


def prepare_data(data: Dataset, model_config: ModelConfig, train_config: TrainConfig,
                 scaling_choice: str = "auto", binarize_how: str | None = None, *,
                 workers: int = 2, device: str = "cpu") -> Prepared:
    """Split with the seeded permutation, fit the scaling on the training part, check the model.

    Streamed data get the same split and scaling (fitted in one pass) and become batch sources
    read by `workers` DataLoader processes onto `device`. With `binarize_how`, both parts are
    binarised (a dynamic run's training part is redrawn per batch, so it stays grey here).
    """
    train_idx, val_idx = train_val_split(len(data), train_config.val_split, train_config.seed)
    if len(train_idx) == 0:
        raise AekitError(f"--data: {data.name} has {len(data)} samples, too few to train on")
    how = resolve(scaling_choice, data.kind, model_config.output)
    streamed = isinstance(data, stream.Streamed)
    scaling = stream.fit_scaling_streamed(data, train_idx, how) if streamed else fit_scaling(
        Dataset(data.x[train_idx], None, data.name, data.kind, data.full_scale), how)
    shape = tuple(data.x.shape[1:])
    if not model_config.input_shape:
        model_config = replace(model_config, input_shape=list(shape))
    elif model_config.input_shape != shape:
        raise AekitError(f"--data: samples of {data.name} have shape {shape}, the model expects "
                         f"{model_config.input_shape}")
    fit_train = fit_val = None
    if streamed:
        train, val = (stream.sample(data, idx, scaling) for idx in (train_idx, val_idx))
        here, on = distributed.world(), distributed.rank_device(resolve_device(device))
        fit_train, fit_val = (stream.StreamBatches(
            data, idx, scaling, train_config.batch_size, train_config.seed, workers=workers,
            rank=here.rank, size=here.size, device=on) if len(idx) else None
            for idx in (train_idx, val_idx))
    else:
        train, val = scaling.apply(data.x[train_idx]), scaling.apply(data.x[val_idx])
    if binarize_how is not None:
        if streamed:
            raise AekitError("--binarize: needs in-memory data; this source is streamed "
                             "(drop --stream or raise --max-memory)")
        static = "threshold" if binarize_how == "threshold" else "static"
        val = binarize(val, static, train_config.seed + 1)
        if binarize_how != "dynamic":
            train = binarize(train, static, train_config.seed)
    if model_config.loss == "bce" and (train.min() < 0 or train.max() > 1):
        raise AekitError("--loss: bce needs data in [0, 1] (images); this data is standardised, "
                         "use --loss mse")
    if model_config.loss == "mse" and np.isnan(train).any():  # padded series: mask the loss
        model_config = replace(model_config, loss="masked_mse")
    if model_config.output == "auto":
        model_config = replace(model_config,
                               output="sigmoid" if data.kind == "image" else "none")
    return Prepared(train, val, scaling, model_config, data, fit_train, fit_val)


def fit_run(model_config: ModelConfig, train_config: TrainConfig, data_config: DataConfig,
            out: str | Path, *, preset: str | None = None, overwrite: bool = False,
            quiet: bool = True, device: str = "auto",
            callbacks: Sequence[Callback] = ()) -> run.Run:
    """Train a new run into `out` and return it loaded.

    Under torchrun every rank reads the data and trains its share; rank 0 alone writes `out`,
    holding its writer lock from the first write to the last. A CSV's feature names are kept
    in the run, so later commands match columns by name.
    """
    resolve_device(device)  # an unavailable --device fails before --out is touched
    train_config, data_config = guards.clamp_resources(train_config,
                                                       guards.resolved_source(data_config))
    data = read_data(data_config)
    if data.features and data_config.columns is None:
        data_config = replace(data_config, columns=list(data.features))
    prepared = prepare_data(data, model_config, train_config,
                            data_config.scaling, data_config.binarize,
                            workers=data_config.workers, device=device)
    if train_config.greedy:
        if prepared.fit_train is not None:
            raise AekitError("--greedy: needs in-memory data; this source is streamed "
                             "(drop --stream or raise --max-memory)")
        if distributed.is_distributed():
            raise AekitError("--greedy: not supported under torchrun yet; train greedily in "
                             "one process")
        check_greedy(prepared.model_config, train_config.greedy)
        train_config = replace(train_config,
                               greedy_epochs=train_config.greedy_epochs or train_config.epochs)
    guards.check_model_memory(run.skeleton(prepared.model_config, "--hidden"), "--hidden")
    torch.manual_seed(train_config.seed)  # --seed fixes the initial weights too
    model = Autoencoder(prepared.model_config)  # built first: a bad option leaves --out alone
    fit_pca(model.encoder, model.decoder, prepared.train)  # a series model's linear path
    chosen = _callbacks(train_config, quiet, callbacks, Path(out), prepared)
    with guards.writer(Path(out), overwrite) as out:
        if distributed.is_main():
            run.write_config(out, prepared.model_config, train_config, data_config,
                             prepared.scaling, preset)
        started = time.perf_counter()
        trainer = Trainer(model, train_config, chosen, device, checkpoint_dir=out / "checkpoints")
        if train_config.greedy:
            trainer.history = greedy_pretrain(trainer.model, prepared.train, prepared.val,
                                              train_config, device, [Progress(quiet)])
            trainer.epoch = len(trainer.history)
        return _train_and_finish(out, trainer, prepared, data_config, preset, started)


def resume_run(run_dir: str | Path, *, epochs: int | None = None, quiet: bool = True,
               device: str = "auto", callbacks: Sequence[Callback] = (),
               **changes: Any) -> run.Run:
    """Continue a run from its last checkpoint, to more `epochs` or with a new `lr` or
    `clip_grad` (`changes`). config.json and the model are rewritten only once the resumed
    training has finished, so a resume that fails leaves a finished run usable."""
    run_dir = Path(run_dir)
    given = {k: v for k, v in {"epochs": epochs, **changes}.items() if v is not None}
    run.read_config(run_dir)  # a run directory, before its lock file is made
    with guards.writer(run_dir, None):
        config = run.read_config(run_dir)
        model_config, stored, data_config = run.sections(config, run_dir)
        train_config, data_config = guards.clamp_resources(stored, data_config)
        checkpoint = run_dir / "checkpoints" / "last.safetensors"
        if not checkpoint.exists():
            raise AekitError(f"--resume: {run_dir} has no checkpoint to resume from "
                             f"({checkpoint} is missing)")
        meta = ckpt.read_checkpoint_meta(checkpoint)
        base, wanted = guards.resume_config(train_config, meta, given)
        guards.check_not_finished(run_dir, bool(config.get("weights")), meta["epoch"],
                                  planned_epochs(wanted, model_config), meta["stopped"])
        prepared = prepare_data(read_data(data_config), model_config, base,
                                data_config.scaling, data_config.binarize,
                                workers=data_config.workers, device=device)
        guards.check_model_memory(run.skeleton(prepared.model_config, f"{run_dir}: model"),
                                  f"{run_dir}: model")
        trainer = Trainer(Autoencoder(prepared.model_config), base,
                          _callbacks(base, quiet, callbacks, run_dir, prepared), device,
                          checkpoint_dir=run_dir / "checkpoints")
        trainer.load_checkpoint(checkpoint)  # global steps: any number of ranks can resume it
        trainer.callbacks.append(guards.RecordChange(guards.apply_changes(trainer, base,
                                                                          wanted)))
        return _train_and_finish(run_dir, trainer, prepared, data_config, config.get("preset"),
                                 time.perf_counter())


def _callbacks(config: TrainConfig, quiet: bool, extra: Sequence[Callback], out: Path,
               prepared: Prepared) -> list[Callback]:
    chosen: list[Callback] = [Progress(quiet)]
    if config.patience is not None:
        chosen.append(EarlyStopping(config.patience))
    if config.schedule == "cosine":
        chosen.append(CosineSchedule())
    if config.restore_best:
        chosen.append(RestoreBest())
    if config.tensorboard and distributed.is_main():
        # built before the run dir is touched, so a missing package fails first
        chosen.append(TensorBoardLogger(out / "tensorboard", _held_out(prepared),
                                        _to_unit(prepared)))
    return [*chosen, *extra]


def _held_out(prepared: Prepared) -> np.ndarray:
    return prepared.val if len(prepared.val) else prepared.train


def _to_unit(prepared: Prepared) -> Callable[[np.ndarray], np.ndarray] | None:
    """Scaled image inputs back to [0, 1] for display, whatever the scaling; None otherwise."""
    if prepared.data.kind != "image":
        return None
    return lambda x: prepared.scaling.undo(x) / prepared.data.full_scale


def planned_epochs(config: TrainConfig, model_config: ModelConfig) -> int:
    """The loop's last epoch: greedy phases (one per layer pair) plus fine-tuning, or --epochs."""
    if not config.greedy:
        return config.epochs
    per_phase = config.greedy_epochs or config.epochs
    return len(model_config.hidden) * per_phase + config.fine_tune_epochs


def _train_and_finish(out: Path, trainer: Trainer, prepared: Prepared, data_config: DataConfig,
                      preset: str | None, started: float) -> run.Run:
    trainer.config = replace(trainer.config,
                             epochs=planned_epochs(trainer.config, prepared.model_config))
    config = prepared.model_config
    if config.sparsity or config.k_sparse or config.k_sparse_lifetime:
        trainer.callbacks.insert(0, CodeActivity(prepared.train))
    if trainer.config.kl_warmup:
        if not config.variational:
            raise AekitError("--kl-warmup: only a gaussian latent has a KL term to warm up "
                             "(--model vae or --latent gaussian)")
        trainer.callbacks.insert(0, KLWarmup(trainer.config.kl_warmup))
    dynamic = bernoulli if data_config.binarize == "dynamic" else None
    if prepared.fit_train is None:
        trainer.fit(prepared.train, prepared.val, transform=dynamic)
    else:
        trainer.fit(prepared.fit_train, prepared.fit_val, transform=dynamic)
    if distributed.is_main():
        weights = run.save_weights(out, trainer.model)
        run.write_config(out, prepared.model_config, trainer.config, data_config,
                         prepared.scaling, preset, weights)
        final = final_metrics(trainer, prepared, time.perf_counter() - started)
        guards.warn_if_worse_than_mean(final, prepared.train, _held_out(prepared))
        rundir.claim_tree(out, "tensorboard")
        atomic_write_json(out / "metrics.json", {"history": trainer.history, "final": final})
        store_train_scores(out, trainer.model, prepared.train, weights["sha256"])
        best_effort(f"figures in {out / 'figures'}",
                    lambda: write_figures(out, trainer.model, trainer.history, prepared))
        best_effort(f"report {out / 'report.html'}", lambda: write_report(out))
    distributed.barrier()  # the other ranks read the run only once rank 0 has written it
    return run.load_run(out)


def final_metrics(trainer: Trainer, prepared: Prepared, seconds: float) -> dict[str, Any]:
    """Last losses, reconstruction errors on the held-out split, and PCA at the same code size."""
    held_out = _held_out(prepared)
    errors = metrics.recon_errors(held_out, metrics.reconstruct(trainer.model, held_out))
    last = trainer.history[-1] if trainer.history else {}
    return {
        "epochs": trainer.epoch,
        "train_loss": last.get("train_loss"),
        "val_loss": last.get("val_loss"),
        "eval_split": "val" if len(prepared.val) else "train",
        "mse": errors["mse"],
        "bce": errors["bce"],
        "pca_mse": metrics.pca_mse(prepared.train, held_out,
                                   prepared.model_config.code_size),
        "code_size": prepared.model_config.code_size,
        "seconds": seconds,
    }


def write_figures(out: Path, model: Autoencoder, history: list[dict[str, Any]],
                  prepared: Prepared) -> None:
    figures = out / "figures"
    if history:
        plots.loss_curves(history, figures / "loss.png", f"{model.config.arch} on "
                          f"{prepared.data.name}")
    to_unit = _to_unit(prepared)
    if to_unit is not None:
        sample = _held_out(prepared)[:10]
        shown = [to_unit(a) for a in (sample, metrics.reconstruct(model, sample))]
        plots.image_rows(shown, ["original", "reconstruction"], figures / "reconstructions.png")
        if model.can_generate:  # prior samples, and seed 004's manifold for a 2-D code
            full = prepared.scaling.undo(generate.sample(model, 64)) / prepared.data.full_scale
            plots.image_grid(full, 8, figures / "samples.png", f"{model.config.arch} samples")
            if model.config.code_size == 2:
                grid = prepared.scaling.undo(generate.latent_grid(model, 15))
                plots.image_grid(grid / prepared.data.full_scale, 15, figures / "manifold.png",
                                 pad=0)
        if features.first_dense(model) is not None:
            features.weight_grid(model, figures / "features.png")
            features.top_inputs(model, prepared.train, 0, figures / "unit_0_top.png")
