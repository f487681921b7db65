"""Training data as a run sees it: read (in memory or streamed), split with the seeded
permutation, scaled on the training part, and the model config completed from its shape.

The workflow (`aekit.runs.fit`), the estimators and the detector all prepare data here, so a
run, a scikit-learn fit and `detect --train` split and scale the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from aekit.config import DataConfig, ModelConfig, TrainConfig, replace
from aekit.data import stream
from aekit.data.batches import train_val_split
from aekit.data.binarize import binarize
from aekit.data.labels import drop_anomalies
from aekit.data.scaling import Scaling, fit_scaling, resolve
from aekit.data.sources import Dataset, load_source
from aekit.errors import AekitError


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
    data = load_source(data_config.source, data_config)
    return drop_anomalies(data) if data_config.train_normal_only else data


def prepare_data(data: Dataset, model_config: ModelConfig, train_config: TrainConfig,
                 scaling_choice: str = "auto", binarize_how: str | None = None, *,
                 workers: int = 2, device: torch.device | None = None,
                 shard: tuple[int, int] = (0, 1)) -> Prepared:
    """Split with the seeded permutation, fit the scaling on the training part, check the model.

    Streamed data get the same split and scaling (fitted in one pass) and become batch sources
    read by `workers` DataLoader processes onto `device`, each rank reading its `shard`
    (rank, world size). With `binarize_how`, both parts are
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
        fit_train, fit_val = (stream.StreamBatches(
            data, idx, scaling, train_config.batch_size, train_config.seed, workers=workers,
            rank=shard[0], size=shard[1], device=device or torch.device("cpu"))
            if len(idx) else None
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
    if np.isnan(train).any():  # padded series: mask the loss
        if model_config.loss not in ("mse", "masked_mse"):
            raise AekitError(f"--loss: {model_config.loss} would read the padding of "
                             f"{data.name}'s unequal-length series; use --loss mse (which "
                             "skips it) or --pad resample")
        model_config = replace(model_config, loss="masked_mse")
    if model_config.output == "auto":
        model_config = replace(model_config,
                               output="sigmoid" if data.kind == "image" else "none")
    return Prepared(train, val, scaling, model_config, data, fit_train, fit_val)
