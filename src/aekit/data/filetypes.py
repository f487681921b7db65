"""The file formats aekit reads, in one table: for each suffix, how the file is read into
memory, whether and how its samples can stay on disk (streamed, or one shard of a shard
folder), and what its samples are when the format says so.

`sources` (in memory) and `stream` (on disk) both choose a file's reader here, so a format
is added in one place.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aekit.config import DataConfig
from aekit.data import formats, lazy, tables, ts
from aekit.data.arrays import Budget
from aekit.data.encoding import Encoding, output_names
from aekit.errors import AekitError

Shard = Callable[[Path, str | None], lazy.Rows]
Batches = Callable[[Path, DataConfig, int], tuple[tuple[int, ...], Iterator[np.ndarray]]]
"""(sample shape, the samples in order, N at a time)."""
Raw = tuple[np.ndarray, np.ndarray | None, list[str] | None, Encoding | None]
"""A file's samples in their storage dtype, its labels, and a table's feature names and the
encoding of its text columns."""


@dataclass(frozen=True)
class FileFormat:
    """How one kind of file is read. `length` is the series length a trained model expects
    (unequal-length `.ts` series are made that long)."""

    read: Callable[[Path, DataConfig, Budget, int | None], Raw]
    kind: str | None = None  # what the samples are when the format says (.ts: series)
    stream_bytes: Callable[[Path], int] | None = None  # float32 size, from headers; None: never
    open_lazy: Callable[[Path, DataConfig], lazy.Rows] | None = None  # samples left on disk
    lazy_windows: bool = False  # `open_lazy` cuts --window itself
    shard: Shard | None = None  # one shard of a shard folder
    in_batches: Batches | None = None  # samples in order, N at a time, without `open_lazy`


def _read_npy(path: Path, config: DataConfig, budget: Budget, length: int | None) -> Raw:
    return formats.read_npy(path, budget), None, None, None


def _read_npz(path: Path, config: DataConfig, budget: Budget, length: int | None) -> Raw:
    x, y = formats.read_npz(path, config.array, budget)
    return x, y, None, None


def _read_table(path: Path, config: DataConfig, budget: Budget, length: int | None) -> Raw:
    return formats.read_table(path, config.label_column, config.time_column, config.columns,
                              config.drop_columns, config.encoding, budget.limit)


def _read_idx(path: Path, config: DataConfig, budget: Budget, length: int | None) -> Raw:
    return formats.read_idx(path, budget), None, None, None


def _read_ts(path: Path, config: DataConfig, budget: Budget, length: int | None) -> Raw:
    x, y = ts.read_ts(path, config.pad, length)
    return x, y, None, None


def _npy_bytes(path: Path) -> int:
    return lazy.open_npy(path).nbytes_float32


def _csv_bytes(path: Path) -> int:
    """A CSV's text size: text takes at least as many bytes as its float32 values."""
    return path.stat().st_size


def _parquet_bytes(path: Path) -> int:
    """A Parquet table's float32 size from its footer: rows times columns."""
    meta = tables.parquet_file(path).metadata
    return meta.num_rows * meta.num_columns * 4


def _open_parquet(path: Path, config: DataConfig) -> lazy.Rows:
    """The table's features read row group by row group, as the run (or this file) says."""
    names, encoding = formats.parquet_features(path, config.label_column, config.time_column,
                                               config.columns, config.drop_columns,
                                               config.encoding)
    return lazy.open_parquet(path, names, encoding)


def _parquet_in_batches(path: Path, config: DataConfig, rows: int
                        ) -> tuple[tuple[int, ...], Iterator[np.ndarray]]:
    """The features in order, read `rows` at a time however large the row groups are."""
    names, encoding = formats.parquet_features(path, config.label_column, config.time_column,
                                               config.columns, config.drop_columns,
                                               config.encoding)
    return ((len(output_names(names, encoding)),),
            lazy.parquet_batches(path, names, encoding, rows))


def _open_npy(path: Path, config: DataConfig) -> lazy.Rows:
    return lazy.open_npy(path)


def _open_csv(path: Path, config: DataConfig) -> lazy.Rows:
    """The CSV parsed once into a memory-mapped .npy; its rows, or its --window windows."""
    series_npy = lazy.csv_to_npy(path, config.label_column, config.time_column, config.columns)
    if config.window is None:
        return lazy.open_npy(series_npy)
    return lazy.windows(series_npy, config.window, config.stride or 1, str(path))


def _npy_shard(path: Path, array: str | None) -> lazy.Rows:
    return lazy.open_npy(path)


NPY = FileFormat(_read_npy, stream_bytes=_npy_bytes, open_lazy=_open_npy, shard=_npy_shard)
IDX = FileFormat(_read_idx)
FORMATS: dict[str, FileFormat] = {
    ".npy": NPY,
    ".npz": FileFormat(_read_npz, shard=lazy.open_npz),
    ".csv": FileFormat(_read_table, stream_bytes=_csv_bytes, open_lazy=_open_csv,
                       lazy_windows=True),
    ".tsv": FileFormat(_read_table),
    ".parquet": FileFormat(_read_table, stream_bytes=_parquet_bytes, open_lazy=_open_parquet,
                           in_batches=_parquet_in_batches),
    ".gz": IDX,
    ".idx": IDX,
    ".ts": FileFormat(_read_ts, kind="series"),
}


def is_file_source(spec: str) -> bool:
    """Whether a source that is no named set is meant as a file: a known suffix, a path, or
    a file that exists."""
    return Path(spec).suffix in FORMATS or os.sep in spec or Path(spec).exists()


def format_of(path: Path) -> FileFormat:
    """The format of a file by its suffix (IDX files also by a `-ubyte` name)."""
    if path.suffix in FORMATS:
        return FORMATS[path.suffix]
    if path.name.endswith("-ubyte"):
        return IDX
    raise AekitError(f"{path}: unsupported file type; expected one of " + ", ".join(FORMATS))


def streamable(path: Path) -> FileFormat | None:
    """The format of a file whose samples can stay on disk, else None."""
    fmt = FORMATS.get(path.suffix) if path.is_file() else None
    return fmt if fmt is not None and fmt.open_lazy is not None else None


def _shards(folder: Path) -> list[tuple[Path, Shard]]:
    """The folder's files that can be shards, in name order, with their openers."""
    found = [(p, fmt.shard) for p in folder.iterdir()
             if (fmt := FORMATS.get(p.suffix)) is not None and fmt.shard is not None]
    return sorted(found, key=lambda pair: pair[0])


def is_shard_folder(path: Path) -> bool:
    """A folder holding array files that can be shards (.npy/.npz)."""
    return path.is_dir() and bool(_shards(path))


def open_shards(folder: Path, array: str | None) -> lazy.Rows:
    """A folder of shards, in name order, as one array (same sample shape and dtype)."""
    shards = _shards(folder)
    if not shards:
        raise AekitError(f"{folder}: no .npy/.npz shards in this folder")
    return lazy.concatenate([open_shard(path, array) for path, open_shard in shards],
                            [path for path, _ in shards])
