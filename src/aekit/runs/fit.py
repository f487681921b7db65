"""The autoencoder run kind: from a source and configs to a finished run directory, and back
again for `--resume`.

This is what `aekit train`, the gallery and the Python API share: read data, fit the scaling
on the training split, train with checkpoints (`runs.training`), then write weights, metrics,
figures and the training scores `aekit detect` reads.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from aekit import metrics
from aekit.config import DataConfig, ModelConfig, TrainConfig, replace
from aekit.data.binarize import bernoulli
from aekit.data.prepare import Prepared, prepare_data, read_data
from aekit.device import resolve_device
from aekit.errors import AekitError
from aekit.model import Autoencoder
from aekit.model_size import check_model_size
from aekit.parts.linear_path import fit_pca, has_linear_path
from aekit.report.run_figures import held_out, to_unit, write_figures
from aekit.runs import guards, run
from aekit.runs.finish import finish_run
from aekit.runs.kinds import AUTOENCODER
from aekit.runs.train_scores import store_train_scores
from aekit.runs.training import Training, checkpoint_dir, resume_training, start_run
from aekit.train import distributed
from aekit.train.callbacks import Callback, CodeActivity, EarlyStopping, Progress
from aekit.train.greedy import check_greedy, greedy_pretrain, planned_epochs
from aekit.train.recipe import CosineSchedule, RestoreBest
from aekit.train.tensorboard import TensorBoardLogger
from aekit.train.trainer import Trainer


def fit_run(model_config: ModelConfig, train_config: TrainConfig, data_config: DataConfig,
            out: str | Path, *, preset: str | None = None, overwrite: bool = False,
            quiet: bool = True, device: str = "auto",
            callbacks: Sequence[Callback] = ()) -> run.Run:
    """Train a new run into `out` and return it loaded.

    Under torchrun every rank reads the data and trains its share; rank 0 alone writes `out`.
    A table's feature names and the encoding of its text columns are kept in the run, so
    later commands match columns by name and encode text the same way.
    """
    resolve_device(device)  # an unavailable --device fails before --out is touched
    train_config, data_config = guards.clamp_resources(train_config,
                                                       guards.resolved_source(data_config))
    data = read_data(data_config)
    if data.features and data_config.columns is None:
        data_config = replace(data_config, columns=list(data.features))
    if data.encoding is not None and data_config.encoding is None:
        data_config = replace(data_config, encoding=data.encoding)
    prepared = _prepare(data, model_config, train_config, data_config, device)
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
    check_model_size(prepared.model_config, "--hidden")
    torch.manual_seed(train_config.seed)  # --seed fixes the initial weights too
    model = Autoencoder(prepared.model_config)  # built first: a bad option leaves --out alone
    fit_pca(model.encoder, model.decoder, pca_rows(model, prepared))  # series models
    setup = run.RunConfig(prepared.model_config, train_config, data_config, prepared.scaling,
                          preset)
    training = _training(model, prepared, setup, Path(out), quiet, device, callbacks)
    if train_config.greedy:
        training.pretrain = lambda: greedy_pretrain(
            training.trainer, prepared.train, prepared.val, [Progress(quiet), *callbacks])
    return start_run(out, training, overwrite)


def resume_run(run_dir: str | Path, *, epochs: int | None = None, quiet: bool = True,
               device: str = "auto", callbacks: Sequence[Callback] = (),
               **changes: Any) -> run.Run:
    """Continue an autoencoder run from its last checkpoint, to more `epochs` or with a new
    `lr` or `clip_grad` (`changes`); see `resume_training`."""
    run_dir = Path(run_dir)

    def build(setup: run.RunConfig, config: dict[str, Any], extra: list[Callback]) -> Training:
        prepared = _prepare(read_data(setup.data), setup.model, setup.train, setup.data, device)
        check_model_size(prepared.model_config, f"{run_dir}: model")
        model = Autoencoder(prepared.model_config)  # its weights come from the checkpoint
        setup = dataclasses.replace(setup, scaling=prepared.scaling)  # fitted again, the same
        return _training(model, prepared, setup, run_dir, quiet, device, [*callbacks, *extra])

    return resume_training(run_dir, AUTOENCODER, {"epochs": epochs, **changes}, build)


def _prepare(data: Any, model_config: ModelConfig, train_config: TrainConfig,
             data_config: DataConfig, device: str) -> Prepared:
    """The data prepared as `data_config` says, streamed (if so) to this rank's device."""
    here = distributed.world()
    return prepare_data(data, model_config, train_config, data_config.scaling,
                        data_config.binarize, workers=data_config.workers,
                        device=distributed.rank_device(resolve_device(device)),
                        shard=(here.rank, here.size))


def _training(model: Autoencoder, prepared: Prepared, setup: run.RunConfig, out: Path,
              quiet: bool, device: str, extra: Sequence[Callback]) -> Training:
    """An autoencoder run's Trainer (its epoch budget includes greedy phases) and loop."""
    config = replace(setup.train, epochs=planned_epochs(setup.train, prepared.model_config))
    # built before the run dir is touched: the Trainer refuses options the model cannot honour
    trainer = Trainer(model, config, _callbacks(setup.train, quiet, extra, out, prepared),
                      device, checkpoint_dir=checkpoint_dir(out))
    dynamic = bernoulli if setup.data.binarize == "dynamic" else None

    def fit() -> None:
        if prepared.fit_train is None:
            trainer.fit(prepared.train, prepared.val, transform=dynamic)
        else:
            trainer.fit(prepared.fit_train, prepared.fit_val, transform=dynamic)

    def finish(out: Path, seconds: float) -> None:
        final = final_metrics(trainer, prepared, seconds)
        guards.warn_if_worse_than_mean(final, prepared.train, held_out(prepared))
        figures = {f"figures in {out / 'figures'}":
                   lambda: write_figures(out, trainer.model, trainer.history, prepared)}
        weights = finish_run(out, AUTOENCODER, trainer.model,
                             dataclasses.replace(setup, train=trainer.config),
                             history=trainer.history, final=final, figures=figures)
        store_train_scores(out, trainer.model, prepared.train, weights["sha256"])

    return Training(AUTOENCODER, setup, trainer, fit, finish)


def _callbacks(config: TrainConfig, quiet: bool, extra: Sequence[Callback], out: Path,
               prepared: Prepared) -> list[Callback]:
    model = prepared.model_config
    chosen: list[Callback] = [Progress(quiet)]
    if model.sparsity or model.k_sparse or model.k_sparse_lifetime:
        chosen.insert(0, CodeActivity(prepared.train))
    if config.patience is not None:
        chosen.append(EarlyStopping(config.patience))
    if config.schedule == "cosine":
        chosen.append(CosineSchedule())
    if config.restore_best:
        chosen.append(RestoreBest())
    if config.tensorboard and distributed.is_main():
        # built before the run dir is touched, so a missing package fails first
        chosen.append(TensorBoardLogger(out / "tensorboard", held_out(prepared),
                                        to_unit(prepared)))
    return [*chosen, *extra]


def pca_rows(model: Autoencoder, prepared: Prepared) -> np.ndarray:
    """The rows a series model's PCA path is fitted on, and so the rows of the PCA anchor that
    `final_metrics` compares it with on the held-out split (like for like).

    The validation rows are included: PCA is a closed-form fit that cannot overfit a few rows
    the way the network does, and on small series sets PCA of 90% of a file is measurably worse
    than PCA of all of it (ACSF1, code 4: 0.1443 against 0.1419 test MSE), the gap that decided
    whether the network beat PCA. The network itself never trains on the validation rows.
    """
    if has_linear_path(model.encoder, model.decoder) and len(prepared.val):
        return np.concatenate([prepared.train, prepared.val])
    return prepared.train


def final_metrics(trainer: Trainer, prepared: Prepared, seconds: float) -> dict[str, Any]:
    """Last losses, reconstruction errors on the held-out split, and PCA at the same code size."""
    evaluated = held_out(prepared)
    errors = metrics.recon_errors(evaluated, metrics.reconstruct(trainer.model, evaluated))
    last = trainer.history[-1] if trainer.history else {}
    return {
        "epochs": trainer.epoch,
        "train_loss": last.get("train_loss"),
        "val_loss": last.get("val_loss"),
        "eval_split": "val" if len(prepared.val) else "train",
        "mse": errors["mse"],
        "bce": errors["bce"],
        "pca_mse": metrics.pca_mse(pca_rows(trainer.model, prepared), evaluated,
                                   trainer.model.code_size),
        "code_size": trainer.model.code_size,
        "seconds": seconds,
        "threads": dataclasses.asdict(trainer.threads) if trainer.threads else None,
    }
