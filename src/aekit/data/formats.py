"""Strict readers for the file formats aekit takes: IDX (MNIST), .npy/.npz (in
`aekit.data.arrays`), CSV (.ts: `aekit.data.ts`).

Each reader either returns arrays or raises `AekitError` naming the file and what was wrong:
never an `assert`, never a pickle (`allow_pickle=False` everywhere).
"""

from __future__ import annotations

import csv
import math
import warnings
from array import array
from pathlib import Path

import numpy as np

from aekit.data.arrays import (  # noqa: F401  (re-exported: readers import them from here)
    Budget,
    parse_idx,
    read_bytes,
    read_idx,
    read_npy,
    read_npz,
    regular_file,
)
from aekit.errors import AekitError, AekitWarning, one_line

TIME_COLUMNS = ("timestamp", "time", "date")
MISSING = frozenset({"", "na", "n/a", "nan", "-nan", "null", "none", "?", "#n/a", "nat", "-"})
"""Cell spellings read as a missing value (NaN, then --nan-policy applies), as pandas does."""
LABEL_NAMES = frozenset({"label", "labels", "is_anomaly", "anomaly", "outlier", "target", "y",
                         "class"})
"""Column names that usually hold labels: trained on as a feature only with a warning."""


def read_csv(path: Path, label_column: str | None = None, time_column: str | None = None,
             columns: list[str] | tuple[str, ...] | None = None
             ) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """Numeric CSV with a header: (features, labels or None, feature names).

    A time column (`timestamp`, `time`, `date`, or `time_column`) is an index, not a feature.
    `columns` (the names a model was trained on) picks the features by name, in that order,
    so a file with its columns in another order is read the same.
    """
    try:
        with path.open(newline="") as handle:
            rows = csv.reader(handle)
            header = [h.strip() for h in next(rows, [])]
            if not header:
                raise AekitError(f"{path}: expected a header line and at least one data row")
            features, label_at = csv_columns(path, header, label_column, time_column, columns)
            read = array("f")  # row by row into 4 bytes a value, never a list of all rows
            read_labels = array("d")
            for line, row in enumerate(rows, start=2):
                if len(row) != len(header):
                    raise AekitError(f"{path}: line {line} has {len(row)} fields, header has "
                                     f"{len(header)}")
                read.extend(number(row[i], path, line, header[i]) for i in features)
                if label_at is not None:
                    read_labels.append(number(row[label_at], path, line, header[label_at],
                                              missing_ok=False))
    except FileNotFoundError:
        raise AekitError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise AekitError(f"{path}: cannot read as CSV ({exc})") from None
    if len(read) == 0:
        raise AekitError(f"{path}: expected a header line and at least one data row")
    values = np.frombuffer(read, np.float32).reshape(-1, len(features)).copy()
    labels = np.frombuffer(read_labels, np.float64).copy() if label_at is not None else None
    names = [header[i] for i in features]
    if label_column is None and columns is None:
        _warn_label_like(values, names, path)
    return values, labels, names


def _warn_label_like(values: np.ndarray, names: list[str], path: Path) -> None:
    for j, name in enumerate(names):
        if name.lower() in LABEL_NAMES and np.isin(values[:, j], (0.0, 1.0)).all():
            warnings.warn(f"{path}: column {name!r} holds only 0/1 and is used as a feature; "
                          f"pass --label-column {name} if it holds labels", AekitWarning,
                          stacklevel=3)


def csv_columns(path: Path, header: list[str], label_column: str | None,
                time_column: str | None, columns: list[str] | tuple[str, ...] | None = None
                ) -> tuple[list[int], int | None]:
    """Positions of the feature columns (by name when `columns` is given) and of the label
    column in a CSV header."""
    for option, col in (("--label-column", label_column), ("--time-column", time_column)):
        if col is not None and col not in header:
            raise AekitError(f"{path}: no column {col!r} ({option}); columns: {', '.join(header)}")
    if columns is not None:
        missing = [c for c in columns if c not in header]
        if missing:
            raise AekitError(f"{path}: no column {', '.join(map(repr, missing))}; the model was "
                             f"trained on columns {', '.join(columns)} (matched by name)")
        return ([header.index(c) for c in columns],
                header.index(label_column) if label_column else None)
    skip = {time_column} if time_column else {h for h in header if h.lower() in TIME_COLUMNS}
    features = [i for i, h in enumerate(header) if h not in skip and h != label_column]
    if not features:
        raise AekitError(f"{path}: no feature columns left after the time and label columns")
    return features, header.index(label_column) if label_column else None


def number(text: str, path: Path, line: int, column: str, missing_ok: bool = True) -> float:
    """A cell's value; a missing-value spelling (`MISSING`) is NaN, for --nan-policy to judge."""
    try:
        return float(text)
    except ValueError:
        if missing_ok and text.strip().lower() in MISSING:
            return math.nan
        raise AekitError(f"{path}: line {line}, column {column!r}: expected a number, "
                         f"got {text[:40]!r}") from None


def csv_header(path: Path) -> list[str]:
    """The column names of a CSV file (its first line)."""
    try:
        with path.open(newline="") as handle:
            return [h.strip() for h in next(csv.reader(handle), [])]
    except FileNotFoundError:
        raise AekitError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise AekitError(f"{path}: cannot read as CSV ({exc})") from None


def read_time_column(path: Path, time_column: str | None = None) -> list[str] | None:
    """The time stamps of a CSV (`time_column`, or a `timestamp`/`time`/`date` column) as
    text, or None when it has none; `read_csv` skips this column as a feature."""
    header = csv_header(path)
    names = [time_column] if time_column else [h for h in header if h.lower() in TIME_COLUMNS]
    if not names or names[0] not in header:
        return None
    at = header.index(names[0])
    try:
        with path.open(newline="") as handle:
            return [row[at] if len(row) > at else "" for row in list(csv.reader(handle))[1:]]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise AekitError(f"{path}: cannot read as CSV ({one_line(exc, 120)})") from None
