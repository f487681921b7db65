"""Samples read from disk on demand: a memory-mapped .npy, a folder of .npy/.npz shards, a
folder of images, one long CSV series, a Parquet table by row group.

`Rows` behaves like the (N, *shape) array it stands for where the data pipeline needs it:
`len`, `shape`, `dtype`, `rows[a:b]` (fewer rows, still lazy) and `rows[sorted_indices]` (those
samples, read now, in storage dtype). Readers are module-level functions bound with `partial`,
so DataLoader workers can receive them under any start method. A .npy is mapped afresh for
each read and unmapped after, so resident memory does not grow with the pages an epoch touches.
"""

from __future__ import annotations

import atexit
import csv
import functools
import json
import math
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from aekit.data import arrays, formats, images, tables, ts
from aekit.data.encoding import Encoding, encode, output_names
from aekit.data.windows import sliding_windows, window_count
from aekit.errors import AekitError, one_line

Reader = Callable[[np.ndarray], np.ndarray]


class Rows:
    """N samples of `sample_shape`, read by `read(sorted int64 indices) -> ndarray`."""

    def __init__(self, n: int, sample_shape: tuple[int, ...], dtype: np.dtype, read: Reader,
                 shard_starts: np.ndarray | None = None):
        self.n, self.sample_shape, self.dtype, self.read = n, sample_shape, np.dtype(dtype), read
        self.shard_starts = shard_starts  # first index of each shard (shard folders only)
        self.table: tuple[list[str], Encoding] | None = None  # a table's features, encoding

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.n, *self.sample_shape)

    @property
    def nbytes_float32(self) -> int:
        return self.n * math.prod(self.sample_shape) * 4

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, key: slice | np.ndarray) -> Rows | np.ndarray:
        if isinstance(key, slice):
            start, stop, step = key.indices(self.n)
            if start != 0 or step != 1:
                raise AekitError("lazy data: only leading slices like [:n] are supported")
            return Rows(stop, self.sample_shape, self.dtype, self.read, self.shard_starts)
        idx = np.asarray(key, np.int64)
        if len(idx) == 0:
            return np.empty((0, *self.sample_shape), self.dtype)
        return self.read(idx)

    def map(self, layout: Callable[[np.ndarray], np.ndarray]) -> Rows:
        """The same rows with `layout` applied to every read batch (e.g. NHWC -> NCHW)."""
        first = layout(self.read(np.zeros(1, np.int64)))
        return Rows(self.n, first.shape[1:], first.dtype,
                    functools.partial(_mapped, self.read, layout), self.shard_starts)


def _mapped(read: Reader, layout: Callable[[np.ndarray], np.ndarray], idx: np.ndarray
            ) -> np.ndarray:
    return layout(read(idx))


def _read_npy(path: Path, idx: np.ndarray) -> np.ndarray:
    mapped = np.load(path, mmap_mode="r", allow_pickle=False)
    return np.asarray(mapped[idx])  # fancy indexing copies; the map is dropped on return


def open_npy(path: Path) -> Rows:
    """A .npy memory-mapped: only its header is read now, and checked (sizes, dtype, samples)
    against the file's own size."""
    shape, dtype = arrays.npy_header(path)
    try:
        mapped = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise AekitError(f"{path}: not a readable .npy array ({one_line(exc, 120)})") from None
    if len(shape) < 2:
        raise AekitError(f"{path}: expected a numeric array of shape (N, features) or "
                         f"(N, H, W), got dtype {dtype} and shape {shape}")
    return Rows(len(mapped), mapped.shape[1:], mapped.dtype,
                functools.partial(_read_npy, path))


def _read_npz(path: Path, array: str, idx: np.ndarray) -> np.ndarray:
    return _load_npz(path, array)[idx]


@functools.lru_cache(maxsize=2)  # per worker: the shards of one shuffle buffer
def _load_npz(path: Path, array: str) -> np.ndarray:
    return formats.read_npz(path, array)[0]


def open_npz(path: Path, array: str | None) -> Rows:
    """One array of an .npz: its member header is read now, without decompressing; the
    array is decompressed whole when first read (and kept for the next reads)."""
    name = array or "x"
    shape, dtype = arrays.npz_header(path, name)
    return Rows(shape[0], tuple(shape[1:]), dtype, functools.partial(_read_npz, path, name))


def _read_parts(reads: tuple[Reader, ...], starts: np.ndarray, idx: np.ndarray) -> np.ndarray:
    part = np.searchsorted(starts, idx, side="right") - 1
    # idx is sorted, so each part's samples are contiguous
    return np.concatenate([reads[p](idx[part == p] - starts[p]) for p in np.unique(part)])


def concatenate(parts: list[Rows], paths: list[Path]) -> Rows:
    """The rows of `paths` (the shards of a folder, in order, of one sample shape and dtype)
    as one."""
    first = (parts[0].sample_shape, parts[0].dtype)
    for part, path in zip(parts, paths, strict=True):
        if (part.sample_shape, part.dtype) != first:
            raise AekitError(f"{path}: samples of shape {part.sample_shape} and dtype "
                             f"{part.dtype}, but {paths[0].name} has {first[0]} and {first[1]}")
    sizes = [part.n for part in parts]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    return Rows(int(sum(sizes)), first[0], first[1],
                functools.partial(_read_parts, tuple(p.read for p in parts), starts), starts)


def _read_images(files: tuple[Path, ...], mode: str, size: int | None, idx: np.ndarray
                 ) -> np.ndarray:
    return np.stack([images.as_array(images.open_image(files[i]), mode, size) for i in idx])


def open_image_folder(folder: Path, image_size: int | None) -> tuple[Rows, np.ndarray | None]:
    """Images decoded when read; headers are checked now so a bad file fails before training."""
    files, labels, mode = images.scan_image_folder(folder, image_size)
    read = functools.partial(_read_images, tuple(files), mode, image_size)
    first = read(np.zeros(1, np.int64))
    return Rows(len(files), first.shape[1:], first.dtype, read), labels


def csv_to_npy(path: Path, label_column: str | None, time_column: str | None,
               columns: tuple[str, ...] | None = None) -> Path:
    """Parse a long CSV once, row by row, into a float32 .npy in a temp folder (removed at
    exit), so the series is then memory-mapped instead of held in memory. Labels are not kept:
    training does not need them."""
    folder = Path(tempfile.mkdtemp(prefix="aekit-stream-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    try:
        with path.open(newline="") as handle:
            sep = tables.delimiter(path, handle.readline())
            handle.seek(0)
            n_rows = sum(1 for _ in handle) - 1
            handle.seek(0)
            reader = csv.reader(handle, delimiter=sep)
            header = [h.strip() for h in next(reader, [])]
            if n_rows < 1 or not header:
                raise AekitError(f"{path}: expected a header line and at least one data row")
            features, _ = formats.csv_columns(path, header, label_column, time_column,
                                              columns)
            out = np.lib.format.open_memmap(folder / "series.npy", "w+", np.float32,
                                            (n_rows, len(features)))
            for r, row in enumerate(reader):
                if len(row) != len(header):
                    raise AekitError(f"{path}: line {r + 2} has {len(row)} fields, header "
                                     f"has {len(header)}")
                out[r] = [tables.number(row[i], path, r + 2, header[i]) for i in features]
            out.flush()
            del out
    except FileNotFoundError:
        raise AekitError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise AekitError(f"{path}: cannot read as CSV ({exc})") from None
    return folder / "series.npy"


def _read_windows(path: Path, window: int, stride: int, idx: np.ndarray) -> np.ndarray:
    mapped = np.load(path, mmap_mode="r")
    return np.ascontiguousarray(sliding_windows(mapped, window, stride, str(path))[idx])


def windows(series_npy: Path, window: int, stride: int, name: str) -> Rows:
    """(N, window, C) windows of a memory-mapped (L, C) series, every `stride` steps."""
    length, channels = np.load(series_npy, mmap_mode="r").shape
    return Rows(window_count(length, window, stride, name), (window, channels), np.float32,
                functools.partial(_read_windows, series_npy, window, stride))


def layout_for(kind: str, path: Path) -> Callable[[np.ndarray], np.ndarray]:
    """The per-batch layout the in-memory reader applies to the whole array."""
    if kind == "image":
        return functools.partial(images.image_layout, path=path)
    if kind == "series":
        return functools.partial(ts.series_layout, path=path)
    return _identity


def _identity(x: np.ndarray) -> np.ndarray:
    return x


def _read_parquet(path: Path, names: tuple[str, ...], encoding_json: str, starts: np.ndarray,
                  idx: np.ndarray) -> np.ndarray:
    group = np.searchsorted(starts, idx, side="right") - 1
    # idx is sorted, so each row group's rows are contiguous
    return np.concatenate([_parquet_group(path, names, encoding_json, int(g))
                           [idx[group == g] - starts[g]] for g in np.unique(group)])


@functools.lru_cache(maxsize=1)  # per worker: consecutive reads mostly fall in one row group
def _parquet_group(path: Path, names: tuple[str, ...], encoding_json: str, group: int
                   ) -> np.ndarray:
    columns = tables.parquet_groups(path, list(names), [group])
    return encode(columns, list(names), json.loads(encoding_json), str(path), np.float32)


def parquet_batches(path: Path, names: list[str], encoding: Encoding, rows: int
                    ) -> Iterator[np.ndarray]:
    """A Parquet table's features in order, `rows` rows at a time (a row group may be larger),
    text columns encoded by `encoding`."""
    for batch in tables.parquet_file(path).iter_batches(batch_size=rows, columns=names):
        columns = {n: tables.arrow_column(batch.column(i), path, n) for i, n in enumerate(names)}
        yield encode(columns, names, encoding, str(path), np.float32)


def row_batches(rows: Rows, size: int) -> Iterator[np.ndarray]:
    """Rows left on disk in order, `size` at a time."""
    for start in range(0, len(rows), size):
        yield np.asarray(rows[np.arange(start, min(start + size, len(rows)))])


def open_parquet(path: Path, names: list[str], encoding: Encoding) -> Rows:
    """A Parquet table read one row group at a time: the features `names`, text columns
    encoded by `encoding`; its row groups are the shards a training epoch shuffles within."""
    meta = tables.parquet_file(path).metadata
    sizes = [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    read = functools.partial(_read_parquet, path, tuple(names),
                             json.dumps(encoding, sort_keys=True), starts)
    rows = Rows(int(sum(sizes)), (len(output_names(names, encoding)),), np.float32, read, starts)
    rows.table = (names, encoding)
    return rows
