"""Tables as they come: CSV with its delimiter sniffed, TSV, Parquet (through pyarrow) and
pandas DataFrames, read into named columns of numbers or text, then narrowed to the features.

- Delimiter: of `,` `;` tab `|`, the one the header line holds most (a .tsv: tab). With `;`,
  a decimal comma (`1,5`) is read as a decimal point, as spreadsheets write it.
- A column is text when most of its filled cells are not numbers (then `aekit.data.encoding`
  encodes it); a number column with a few bad cells is refused, naming the first.
- Features: `columns` (matched by name, in that order), else every column but the label, the
  time stamps, `drop_columns` and pandas' index: a first column named ``, `Unnamed: 0` or
  `index` that counts 0, 1, 2, ... (what `DataFrame.to_csv()` writes), or pandas' own
  `__index_level_N__` columns, left out with one warning.
- A column named like a label (`LABEL_NAMES`) that holds only 0/1 and is used as a feature gets
  a warning, in the CLI and in Python alike (`warn_label_like`).
"""

from __future__ import annotations

import csv
import itertools
import math
import warnings
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from aekit.errors import AekitError, AekitWarning, one_line

TABLE_SUFFIXES = (".csv", ".tsv", ".parquet")
TIME_COLUMNS = ("timestamp", "time", "date")
MISSING = frozenset({"", "na", "n/a", "nan", "-nan", "null", "none", "?", "#n/a", "nat", "-"})
"""Cell spellings read as a missing value (NaN, then --nan-policy applies), as pandas does."""
LABEL_NAMES = frozenset({"label", "labels", "is_anomaly", "anomaly", "outlier", "outcome",
                         "target", "y", "class"})
"""Column names that usually hold labels: trained on as a feature only with a warning."""
INDEX_NAMES = frozenset({"", "unnamed: 0", "index"})
DELIMITERS = (",", ";", "\t", "|")
PARQUET_EXTRA = "pip install 'aekit[tables]'"


@dataclass
class Table:
    """Named columns: float numbers (NaN where missing) or text (str, None where missing)."""

    names: list[str]
    columns: dict[str, np.ndarray]
    source: str

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0


def delimiter(path: Path, header_line: str) -> str:
    """The delimiter: tab for a .tsv, else the one of `DELIMITERS` the header holds most."""
    if path.suffix == ".tsv":
        return "\t"
    return max(DELIMITERS, key=header_line.count)


def _csv_lines(path: Path, limit: int | None = None) -> Iterator[list[str]]:
    """The rows of a CSV or TSV one at a time (header first, then at most `limit` data rows),
    so a long file is never held as text."""
    try:
        with path.open(newline="") as handle:
            sep = delimiter(path, handle.readline())
            handle.seek(0)
            rows = csv.reader(handle, delimiter=sep)
            yield from rows if limit is None else itertools.islice(rows, limit + 1)
    except FileNotFoundError:
        raise AekitError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise AekitError(f"{path}: cannot read as CSV ({one_line(exc, 120)})") from None


def header(path: Path) -> list[str]:
    """A table file's column names."""
    if path.suffix == ".parquet":
        return list(parquet_file(path).schema_arrow.names)
    try:
        with path.open(newline="") as handle:
            line = handle.readline()
    except FileNotFoundError:
        raise AekitError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AekitError(f"{path}: cannot read as CSV ({one_line(exc, 120)})") from None
    return [h.strip() for h in next(csv.reader([line], delimiter=delimiter(path, line)), [])]


def read_text_table(path: Path, limit: int | None = None, text: frozenset[str] = frozenset()
                    ) -> Table:
    """A CSV or TSV file (first `limit` rows); `text`: columns read as text whatever they
    hold (a run's text columns).

    Read twice, row by row: first to tell number columns from text ones, then to keep number
    columns as 8 bytes a cell, so a series of millions of rows never exists as Python text."""
    rows = _csv_lines(path, limit)
    names = [h.strip() for h in next(rows, [])]
    comma = bool(names) and delimiter(path, _first_line(path)) == ";"
    filled = [0] * len(names)
    bad = [0] * len(names)
    first_bad: list[tuple[int, str] | None] = [None] * len(names)
    count = 0
    for count, row in enumerate(rows, start=1):
        if len(row) != len(names):
            raise AekitError(f"{path}: line {count + 1} has {len(row)} fields, header has "
                             f"{len(names)}")
        for j, cell in enumerate(row):
            kind = _cell_kind(cell, comma)
            filled[j] += kind != "missing"
            if kind == "text":
                bad[j] += 1
                first_bad[j] = first_bad[j] or (count + 1, cell)
    if not names or count == 0:
        raise AekitError(f"{path}: expected a header line and at least one data row")
    as_text = [name in text or 2 * bad[j] > filled[j] for j, name in enumerate(names)]
    for j, name in enumerate(names):
        found = first_bad[j]
        if found is not None and not as_text[j]:
            raise AekitError(f"{path}: line {found[0]}, column {name!r}: expected a number, "
                             f"got {found[1][:40]!r}")
    numbers = [array("d") for _ in names]
    texts: list[list[str | None]] = [[] for _ in names]
    data = _csv_lines(path, limit)
    next(data)
    for row in data:
        for j, cell in enumerate(row):
            if as_text[j]:
                texts[j].append(None if cell.strip().lower() in MISSING else cell.strip())
            else:
                numbers[j].append(_number(cell, comma))
    columns = {name: np.array(texts[j], object) if as_text[j]
               else np.frombuffer(numbers[j], np.float64).copy()
               for j, name in enumerate(names)}
    return Table(names, columns, str(path))


def _first_line(path: Path) -> str:
    with path.open(newline="") as handle:
        return handle.readline()


def _cell_kind(cell: str, comma: bool) -> str:
    """"number", "missing" (a `MISSING` spelling) or "text"."""
    try:
        float(cell.replace(",", ".") if comma else cell)
        return "number"
    except ValueError:
        return "missing" if cell.strip().lower() in MISSING else "text"


def _number(cell: str, comma: bool) -> float:
    """A number column's cell (its kind already checked): the value, or NaN where missing."""
    try:
        return float(cell.replace(",", ".") if comma else cell)
    except ValueError:
        return math.nan


def number(text: str, path: Path, line: int, column: str) -> float:
    """One cell's value; a missing-value spelling (`MISSING`) is NaN, for --nan-policy."""
    try:
        return float(text)
    except ValueError:
        if text.strip().lower() in MISSING:
            return math.nan
        raise AekitError(f"{path}: line {line}, column {column!r}: expected a number, "
                         f"got {text[:40]!r}") from None


def parquet_file(path: Path) -> Any:
    """pyarrow's ParquetFile, pyarrow imported only now (an optional dependency)."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise AekitError(f"{path}: reading Parquet needs pyarrow: {PARQUET_EXTRA}") from None
    try:
        return pq.ParquetFile(path)
    except FileNotFoundError:
        raise AekitError(f"{path}: file not found") from None
    except Exception as exc:  # pyarrow raises its own ArrowInvalid, OSError, ...
        raise AekitError(f"{path}: not a readable Parquet file ({one_line(exc, 120)})"
                         ) from None


def parquet_groups(path: Path, names: list[str], groups: list[int]) -> dict[str, np.ndarray]:
    """Columns `names` of row groups `groups`: numbers as floats (NaN where missing), strings
    as text."""
    pf = parquet_file(path)
    try:
        part = pf.read_row_groups(groups, columns=names)
    except Exception as exc:
        raise AekitError(f"{path}: cannot read row groups ({one_line(exc, 120)})") from None
    return {name: arrow_column(part.column(name), path, name) for name in names}


def first_rows(path: Path, rows: int = 65_536) -> Table:
    """The first `rows` rows of a Parquet table, read without its whole first row group (the
    features are chosen on them when the table is read part by part)."""
    pf = parquet_file(path)
    names = list(pf.schema_arrow.names)
    batch = next(pf.iter_batches(batch_size=rows), None)
    if batch is None:
        raise AekitError(f"{path}: the table has no rows")
    return Table(names, {n: arrow_column(batch.column(i), path, n) for i, n in enumerate(names)},
                 str(path))


def arrow_column(column: Any, path: Path, name: str) -> np.ndarray:
    """A pyarrow column or array as numbers (float) or text (str, None where missing)."""
    import pyarrow as pa

    kind = column.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
        column = column.cast(kind)
    if pa.types.is_floating(kind):  # float32 stays float32: a streamed row group is no larger
        return column.to_numpy(zero_copy_only=False)
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind) or pa.types.is_decimal(kind):
        return column.cast(pa.float64()).to_numpy(zero_copy_only=False)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return np.array(column.to_pylist(), object)
    raise AekitError(f"{path}: column {name!r} has type {kind}; expected numbers or text "
                     "(leave it out with --drop-columns)")


def read_parquet(path: Path, limit: int | None = None) -> Table:
    """A Parquet file (the row groups holding the first `limit` rows)."""
    pf = parquet_file(path)
    meta = pf.metadata
    groups, rows = [], 0
    for g in range(meta.num_row_groups):
        if limit is not None and rows >= limit:
            break
        groups.append(g)
        rows += meta.row_group(g).num_rows
    if rows == 0:
        raise AekitError(f"{path}: the table has no rows")
    names = list(pf.schema_arrow.names)
    columns = parquet_groups(path, names, groups)
    if limit is not None:
        columns = {k: v[:limit] for k, v in columns.items()}
    return Table(names, columns, str(path))


def frame_table(frame: Any) -> Table:
    """A pandas DataFrame's columns: numbers (bool, int, float) as float64, the rest (object,
    category, string) as text."""
    names = [str(c) for c in frame.columns]
    if len(set(names)) != len(names):
        raise AekitError("X: a DataFrame's column names must be unique")
    columns: dict[str, np.ndarray] = {}
    for name, label in zip(names, frame.columns, strict=True):
        series = frame[label]
        if series.dtype.kind in "biuf":
            columns[name] = series.to_numpy(np.float64, na_value=np.nan)
        elif series.dtype.kind in "OUSV":
            columns[name] = np.array([None if _missing(v) else str(v) for v in series], object)
        else:
            raise AekitError(f"X: column {name!r} has dtype {series.dtype}; expected numbers "
                             "or text (drop it or convert it)")
    return Table(names, columns, "X")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) \
        or type(value).__name__ in ("NAType", "NaTType")


def is_index(name: str, column: np.ndarray) -> bool:
    """pandas' index written as a column: `__index_level_N__`, or an unnamed (or `index`)
    column counting 0, 1, 2, ..."""
    if name.startswith("__index_level_"):
        return True
    return name.strip().lower() in INDEX_NAMES and column.dtype != object and len(column) > 0 \
        and bool(np.array_equal(column, np.arange(len(column))))


def check_names(source: str, names: list[str], label_column: str | None = None,
                time_column: str | None = None, drop_columns: tuple[str, ...] | None = None
                ) -> None:
    """Refuse, in one line naming it and the file, a column an option names that the table
    lacks (checked on the header, before any cell is read)."""
    for option, given in (("--label-column", (label_column,)), ("--time-column", (time_column,)),
                          ("--drop-columns", drop_columns)):
        missing = [c for c in given or () if c is not None and c not in names]
        if missing:
            raise AekitError(f"{source}: no column {', '.join(map(repr, missing))} "
                             f"({option}); columns: {one_line(', '.join(names), 300)}")


def feature_names(table: Table, label_column: str | None = None,
                  time_column: str | None = None, columns: tuple[str, ...] | None = None,
                  drop_columns: tuple[str, ...] | None = None, trained: bool = False
                  ) -> list[str]:
    """The feature columns, by the rule in the module docstring; names that are not columns
    of the table are refused in one line naming them and the file (`trained`: `columns` are
    those a model was trained on, not --columns)."""
    names = table.names
    check_names(table.source, names, label_column, time_column, drop_columns)
    if (missing := [c for c in columns or () if c not in names]) and trained:
        raise AekitError(f"{table.source}: no column {', '.join(map(repr, missing))}; the model "
                         f"was trained on columns {one_line(', '.join(columns or ()), 300)} "
                         "(matched by name)")
    if missing:
        raise AekitError(f"{table.source}: no column {', '.join(map(repr, missing))} "
                         f"(--columns); columns: {one_line(', '.join(names), 300)}")
    if columns is not None:
        if both := [c for c in columns if c in (drop_columns or ())]:
            raise AekitError(f"--drop-columns: {both[0]!r} is also in --columns")
        return list(columns)
    skip = {time_column} if time_column else {h for h in names if h.lower() in TIME_COLUMNS}
    skip |= {label_column, *(drop_columns or ())}
    index = [n for i, n in enumerate(names)
             if (i == 0 or n.startswith("__index_level_")) and is_index(n, table.columns[n])]
    if index:
        warnings.warn(f"{table.source}: column {index[0]!r} counts the rows (pandas' index); "
                      "left out of the features", AekitWarning, stacklevel=3)
    features = [n for n in names if n not in skip and n not in index]
    if not features:
        raise AekitError(f"{table.source}: no feature columns left after the time, label and "
                         "left-out columns")
    return features


def warn_label_like(table: Table, names: list[str], hint: str) -> None:
    """Warn of each feature named like a label (`LABEL_NAMES`) that holds only 0/1: trained on,
    it leaks the label into the score. `hint` says how to leave it out."""
    for name in names:
        column = table.columns[name]
        if name.lower() in LABEL_NAMES and column.dtype != object \
                and np.isin(column, (0.0, 1.0)).all():
            warnings.warn(f"{table.source}: column {name!r} holds only 0/1 and is used as a "
                          f"feature; {hint.format(name=name)} if it holds labels", AekitWarning,
                          stacklevel=3)
