"""Out-of-core training data: choose streaming, open the source lazily, fit the scaling in one
pass, and feed the Trainer batches through a DataLoader with worker processes.

Batches are the same as in memory: each epoch's order is `epoch_permutation(seed, epoch)` of the
training indices (shard folders: shards in seeded order, shuffled within a buffer of shards),
each rank reads only its share of every global batch (`batches.rank_share`), and uint8 storage
becomes float32 in the training process with the stored scaling, exactly as `Scaling.apply`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader
from torch.utils.data import Dataset as TorchDataset

from aekit.config import DataConfig
from aekit.data import filetypes, images, lazy
from aekit.data.batches import Step, epoch_permutation, rank_share
from aekit.data.scaling import Scaling, finish_scaling, resolve
from aekit.data.sources import Dataset, ram_gib, read_raw
from aekit.errors import AekitError

BUFFER_SHARDS = 2  # shard folders: shuffle within this many shards at a time
GROUP = 8  # global batches per DataLoader item
SAMPLE = 10_000  # samples kept in memory for final metrics and figures


@dataclass
class Streamed(Dataset):
    """A Dataset whose `x` is read on demand (`lazy.Rows`, or a raw array when --stream)."""


def memory_limit_gib(config: DataConfig) -> float:
    """--max-memory, or 80% of RAM: the largest float32 copy kept in memory."""
    return config.max_memory or 0.8 * ram_gib()


def wants_stream(config: DataConfig) -> bool:
    """--stream, or a file source whose float32 copy would exceed --max-memory (measured from
    headers, or a CSV's text size)."""
    if config.stream:
        return True
    path = Path(config.source)
    fmt = filetypes.streamable(path)
    if fmt is not None and fmt.stream_bytes is not None:
        gib = fmt.stream_bytes(path) / 2**30
    elif filetypes.is_shard_folder(path):
        gib = filetypes.open_shards(path, config.array).nbytes_float32 / 2**30
    elif path.is_dir():
        gib = images.folder_nbytes_float32(path, config.image_size) / 2**30
    else:
        return False
    return gib > memory_limit_gib(config)


def open_stream(config: DataConfig) -> Streamed:
    """The source with its samples left on disk where its format allows (.npy, CSV, shard
    and image folders); other sources are read raw (uint8 stays uint8) and streamed from
    memory."""
    path, kind = Path(config.source), config.kind
    y, windowed = None, False
    fmt = filetypes.streamable(path)
    if fmt is not None and fmt.open_lazy is not None:
        rows = fmt.open_lazy(path, config)
        windowed = fmt.lazy_windows and config.window is not None
    elif filetypes.is_shard_folder(path):
        rows = filetypes.open_shards(path, config.array)
    elif path.is_dir():
        rows, y = lazy.open_image_folder(path, config.image_size)
        kind = "image"
    else:
        data = read_raw(config.source, config)
        return _limited(Streamed(data.x, data.y, data.name, data.kind, data.full_scale),
                        config.limit)
    if config.window is not None and not windowed:
        raise AekitError(f"--window: streaming cuts windows from a CSV series only; {path} "
                         "is read in memory without --stream")
    kind = "series" if windowed else kind or ("image" if len(rows.shape) >= 3 else "tabular")
    data = Streamed(rows.map(lazy.layout_for(kind, path)), y, str(path), kind,
                    255.0 if rows.dtype == np.uint8 else 1.0)
    if rows.table is not None:
        data.features, data.encoding = rows.table
    return _limited(data, config.limit)


def in_batches(config: DataConfig, rows: int
               ) -> tuple[tuple[int, ...], Iterator[np.ndarray]]:
    """The source's sample shape and its samples in order, `rows` at a time, never all in
    memory: a Parquet table read batch by batch within its row groups, other sources through
    `open_stream`."""
    path = Path(config.source)
    fmt = filetypes.streamable(path)
    if fmt is not None and fmt.in_batches is not None:
        return fmt.in_batches(path, config, rows)
    data = open_stream(config)
    return tuple(data.x.shape[1:]), lazy.row_batches(data.x, rows)


def _limited(data: Streamed, limit: int | None) -> Streamed:
    if limit is not None:
        data.x = data.x[:limit]
        data.y = None if data.y is None else data.y[:limit]
    return data


def _chunks(indices: np.ndarray, size: int = 4096) -> Iterator[np.ndarray]:
    for start in range(0, len(indices), size):
        yield indices[start:start + size]


def fit_scaling_streamed(data: Streamed, train_idx: np.ndarray, how: str) -> Scaling:
    """`fit_scaling` on the training samples in one pass over them: per-chunk mean and squared
    deviations merged with Chan et al.'s update (float64), or running min/max. Images scaled by
    their full scale need no pass. Non-finite values are refused, naming the first sample."""
    how = resolve(how, data.kind, "none")
    if data.kind == "image" and how in ("unit", "symmetric"):
        return finish_scaling(how, data, None, None)
    axes = (0, 1) if data.kind == "series" else (0,)
    count, mean, m2, low, high = 0, 0.0, 0.0, np.inf, -np.inf
    for chunk in _chunks(train_idx):
        x = np.asarray(data.x[chunk], np.float64)
        if not np.isfinite(x).all():
            first = chunk[np.argmin(np.isfinite(x).reshape(len(x), -1).all(axis=1))]
            raise AekitError(f"{data.name}: sample {first} contains NaN or infinite values; "
                             "streamed data must be finite (--nan-policy needs in-memory data)")
        n = math.prod(x.shape[a] for a in axes)
        chunk_mean = x.mean(axis=axes)
        chunk_m2 = ((x - chunk_mean) ** 2).sum(axis=axes)
        delta = chunk_mean - mean
        total = count + n
        mean = mean + delta * n / total
        m2 = m2 + chunk_m2 + delta**2 * count * n / total
        count = total
        low, high = np.minimum(low, x.min(axis=axes)), np.maximum(high, x.max(axis=axes))
    if how == "standard":
        return finish_scaling(how, data, mean, np.sqrt(m2 / count))
    return finish_scaling(how, data, low, high)


def sample(data: Streamed, indices: np.ndarray, scaling: Scaling) -> np.ndarray:
    """The first SAMPLE samples of a split, scaled, in memory: for metrics and figures."""
    return scaling.apply(np.asarray(data.x[indices[:SAMPLE]], np.float32))


class _Steps(TorchDataset):
    """Item i = the raw samples of this rank's shares of GROUP consecutive global batches from
    `start + i * GROUP`, read in one go: one worker round trip per group, not per batch, since
    the DataLoader's per-item cost is of the order of a small model's whole step."""

    def __init__(self, rows: lazy.Rows | np.ndarray, order: np.ndarray, batch: int,
                 rank: int, size: int, start: int):
        self.rows, self.order, self.batch = rows, order, batch
        self.rank, self.size, self.start = rank, size, start
        self.steps = math.ceil(len(order) / batch) - start

    def __len__(self) -> int:
        return math.ceil(self.steps / GROUP)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, list[int], list[int], list[float]]:
        first = self.start + i * GROUP
        shares = [rank_share(self.order[step * self.batch:(step + 1) * self.batch],
                             self.rank, self.size)
                  for step in range(first, min(first + GROUP, self.start + self.steps))]
        idx = np.concatenate([share[0] for share in shares])
        ascending = np.argsort(idx, kind="stable")  # read in storage order, then put back
        raw = np.asarray(self.rows[idx[ascending]])
        sizes, counts, weights = zip(*((len(part), count, weight)
                                       for part, count, weight in shares), strict=True)
        return torch.from_numpy(raw[np.argsort(ascending)]), sizes, counts, weights


class StreamBatches:
    """A `BatchSource` over the samples `indices` of lazily read data."""

    def __init__(self, data: Streamed, indices: np.ndarray, scaling: Scaling, batch_size: int,
                 seed: int, *, workers: int = 2, rank: int = 0, size: int = 1,
                 device: torch.device | str = "cpu"):
        self.data, self.indices, self.batch, self.seed = data, indices, batch_size, seed
        self.workers, self.rank, self.size = workers, rank, size
        self.device = torch.device(device)
        self.offset = torch.as_tensor(scaling.offset, device=self.device)
        self.scale = torch.as_tensor(scaling.scale, device=self.device)
        self.n = len(indices)
        self.n_batches = math.ceil(self.n / batch_size)

    def order(self, epoch: int) -> np.ndarray:
        """The epoch's sample order: a seeded permutation, or shard-then-buffer shuffling."""
        starts = getattr(self.data.x, "shard_starts", None)
        if starts is None:
            return self.indices[epoch_permutation(self.n, self.seed, epoch).numpy()]
        rng = np.random.default_rng([self.seed, epoch])
        shard = np.searchsorted(starts, self.indices, side="right") - 1
        shards = rng.permutation(np.unique(shard))
        parts = [rng.permutation(self.indices[np.isin(shard, shards[i:i + BUFFER_SHARDS])])
                 for i in range(0, len(shards), BUFFER_SHARDS)]
        return np.concatenate(parts) if parts else self.indices

    def epoch(self, epoch: int, start: int = 0) -> Iterator[Step]:
        yield from self._batches(self.order(epoch), self.batch, self.rank, self.size, start)

    def sequential(self, batch_size: int = 4096) -> Iterator[torch.Tensor]:
        """All samples in storage order on this rank, for evaluation."""
        for xb, _, _, _ in self._batches(self.indices, batch_size, 0, 1, 0):
            yield xb

    def _batches(self, order: np.ndarray, batch: int, rank: int, size: int, start: int
                 ) -> Iterator[Step]:
        steps = _Steps(self.data.x, order, batch, rank, size, start)
        loader = DataLoader(steps, batch_size=None, num_workers=self.workers,
                            prefetch_factor=4 if self.workers else None)
        for raw, sizes, counts, weights in loader:
            x = (raw.to(self.device, non_blocking=True).float() - self.offset) / self.scale
            for xb, count, weight in zip(x.split(list(sizes)), counts, weights, strict=True):
                yield xb, None, int(count), float(weight)
