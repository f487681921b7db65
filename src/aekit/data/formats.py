"""Strict readers for the file formats aekit takes: IDX (MNIST), .npy/.npz (in
`aekit.data.arrays`), tables (CSV, TSV, Parquet: `aekit.data.tables`, their text columns encoded
by `aekit.data.encoding`; .ts: `aekit.data.ts`).

Each reader either returns arrays or raises `AekitError` naming the file and what was wrong:
never an `assert`, never a pickle (`allow_pickle=False` everywhere).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from aekit.data import tables
from aekit.data.arrays import (  # noqa: F401  (re-exported: readers import them from here)
    Budget,
    parse_idx,
    read_bytes,
    read_idx,
    read_npy,
    read_npz,
    regular_file,
)
from aekit.data.encoding import Encoding, encode, fit_encoding
from aekit.errors import AekitError, one_line


def read_table(path: Path, label_column: str | None = None, time_column: str | None = None,
               columns: tuple[str, ...] | None = None, drop_columns: tuple[str, ...] | None = None,
               encoding: Encoding | None = None, limit: int | None = None
               ) -> tuple[np.ndarray, np.ndarray | None, list[str], Encoding]:
    """A table file (CSV, TSV, Parquet; its first `limit` rows) as (float64 features, labels or
    None, feature names, the encoding of its text columns).

    A time column (`timestamp`, `time`, `date`, or `time_column`) is an index, not a feature.
    `columns` (the names a model was trained on) picks the features by name, in that order,
    so a file with its columns in another order is read the same; `encoding` (a run's) is
    applied instead of one fitted on this file.
    """
    tables.check_names(str(path), tables.header(path), label_column, time_column, drop_columns)
    if path.suffix == ".parquet":
        table = tables.read_parquet(path, limit)
    else:
        table = tables.read_text_table(path, limit, frozenset(encoding or {}))
    names = tables.feature_names(table, label_column, time_column, columns, drop_columns,
                                 trained=encoding is not None)
    if label_column is None and columns is None:
        tables.warn_label_like(table, names, "pass --label-column {name}")
    if encoding is None:
        encoding = fit_encoding(table.columns, names)
    x = encode(table.columns, names, encoding, table.source)
    y = None if label_column is None else _labels(table, label_column)
    return x, y, names, encoding


def parquet_features(path: Path, label_column: str | None = None,
                     time_column: str | None = None, columns: tuple[str, ...] | None = None,
                     drop_columns: tuple[str, ...] | None = None,
                     encoding: Encoding | None = None) -> tuple[list[str], Encoding]:
    """The features of a Parquet table read by row group (`lazy.open_parquet`), and their
    encoding: given (a run's), nothing is read; else the index and label rules are judged on
    its first rows, and an encoding not given is fitted on its text columns, read whole."""
    if columns is not None and encoding is not None:
        return list(columns), encoding
    pf = tables.parquet_file(path)
    first = tables.first_rows(path)
    features = tables.feature_names(first, label_column, time_column, columns, drop_columns)
    if label_column is None and columns is None:
        tables.warn_label_like(first, features, "pass --label-column {name}")
    if encoding is None:
        text = [n for n in features if first.columns[n].dtype == object]
        groups = list(range(pf.metadata.num_row_groups))
        encoding = fit_encoding(tables.parquet_groups(path, text, groups), text)
    return features, encoding


def read_frame(frame: Any, columns: tuple[str, ...] | None = None,
               encoding: Encoding | None = None) -> tuple[np.ndarray, list[str], Encoding]:
    """A pandas DataFrame's features as `read_table` reads a file: (float64 values, feature
    names, encoding), matched by name to `columns` and encoded by `encoding` when given (an
    estimator's fitted ones), else chosen and fitted here, with the index and label warnings."""
    table = tables.frame_table(frame)
    names = tables.feature_names(table, columns=columns, trained=True)
    if columns is None:
        tables.warn_label_like(table, names, "drop column {name!r} from X")
    if encoding is None:
        encoding = fit_encoding(table.columns, names)
    return encode(table.columns, names, encoding, table.source), names, encoding


def read_column(path: Path, name: str) -> np.ndarray:
    """One number column of a table file, whole (a streamed table's labels)."""
    if path.suffix == ".parquet":
        groups = list(range(tables.parquet_file(path).metadata.num_row_groups))
        table = tables.Table([name], tables.parquet_groups(path, [name], groups), str(path))
    else:
        table = tables.read_text_table(path)
    return _labels(table, name)


def _labels(table: tables.Table, label_column: str) -> np.ndarray:
    y = table.columns[label_column]
    if y.dtype == object:
        raise AekitError(f"{table.source}: column {label_column!r} (--label-column) holds text; "
                         "expected numbers")
    if np.isnan(y).any():
        raise AekitError(f"{table.source}: column {label_column!r} (--label-column): row "
                         f"{int(np.argmax(np.isnan(y)))} has no label")
    return y


def read_csv(path: Path, label_column: str | None = None, time_column: str | None = None,
             columns: tuple[str, ...] | None = None
             ) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """A CSV or TSV as (features, labels or None, feature names), text columns encoded."""
    x, y, names, _ = read_table(path, label_column, time_column, columns)
    return x, y, names


def csv_columns(path: Path, header: list[str], label_column: str | None,
                time_column: str | None, columns: tuple[str, ...] | None = None
                ) -> tuple[list[int], int | None]:
    """Positions of the feature columns (by name when `columns` is given) and of the label
    column in a CSV header, for readers that go row by row (`lazy.csv_to_npy`)."""
    empty = np.empty(0, np.float64)
    table = tables.Table(header, dict.fromkeys(header, empty), str(path))
    names = tables.feature_names(table, label_column, time_column, columns)
    return ([header.index(n) for n in names],
            header.index(label_column) if label_column else None)


def read_time_column(path: Path, time_column: str | None = None) -> list[str] | None:
    """The time stamps of a CSV or TSV (`time_column`, or a `timestamp`/`time`/`date`
    column) as text, or None when it has none; readers skip this column as a feature."""
    if path.suffix not in (".csv", ".tsv"):
        return None
    header = tables.header(path)
    names = [time_column] if time_column else [h for h in header
                                               if h.lower() in tables.TIME_COLUMNS]
    if not names or names[0] not in header:
        return None
    at = header.index(names[0])
    try:
        with path.open(newline="") as handle:
            sep = tables.delimiter(path, handle.readline())
            handle.seek(0)
            rows = list(csv.reader(handle, delimiter=sep))[1:]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise AekitError(f"{path}: cannot read as CSV ({one_line(exc, 120)})") from None
    return [row[at] if len(row) > at else "" for row in rows]
