"""Strict readers for the file formats aekit takes: IDX (MNIST), .npy/.npz, CSV.

Each reader either returns arrays or raises `AekitError` naming the file and what was wrong:
never an `assert`, never a pickle (`allow_pickle=False` everywhere).
"""

from __future__ import annotations

import csv
import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from aekit.errors import AekitError

# IDX type codes -> big-endian numpy dtypes (LeCun's format description).
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
TIME_COLUMNS = ("timestamp", "time", "date")


def read_bytes(path: Path) -> bytes:
    """File contents, gunzipped when the name ends in .gz."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise AekitError(f"{path}: file not found") from None
    except OSError as exc:
        raise AekitError(f"{path}: cannot read ({exc.strerror})") from None
    if path.suffix != ".gz":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise AekitError(f"{path}: not a valid gzip file ({exc})") from None


def parse_idx(data: bytes, name: str) -> np.ndarray:
    """Decode IDX bytes, checking magic, type code, dimensions and exact length."""
    if len(data) < 4:
        raise AekitError(f"{name}: too short for an IDX header ({len(data)} bytes)")
    if data[0] != 0 or data[1] != 0:
        raise AekitError(f"{name}: bad IDX magic {data[:4].hex()}, expected 0000 then "
                         "type and ndim")
    code, ndim = data[2], data[3]
    if code not in _IDX_DTYPES:
        raise AekitError(f"{name}: unknown IDX type code 0x{code:02x}; expected one of "
                         + ", ".join(f"0x{c:02x}" for c in _IDX_DTYPES))
    if ndim == 0:
        raise AekitError(f"{name}: IDX header declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise AekitError(f"{name}: truncated IDX header: {ndim} dimensions need {header} bytes, "
                         f"file has {len(data)}")
    dims = tuple(int(d) for d in np.frombuffer(data, ">u4", count=ndim, offset=4))
    if 0 in dims:
        raise AekitError(f"{name}: IDX dimensions {dims} contain 0")
    dtype = np.dtype(_IDX_DTYPES[code])
    expected = header + math.prod(dims) * dtype.itemsize
    if len(data) != expected:
        problem = "truncated" if len(data) < expected else "trailing data"
        raise AekitError(f"{name}: IDX dimensions {dims} need {expected} bytes, file has "
                         f"{len(data)} ({problem})")
    return np.frombuffer(data, dtype, offset=header).reshape(dims).astype(dtype.newbyteorder("="))


def read_idx(path: str | Path) -> np.ndarray:
    """An IDX file (plain or .gz) as a native-endian array."""
    path = Path(path)
    return parse_idx(read_bytes(path), str(path))


def read_npy(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise AekitError(f"{path}: file not found") from None
    except (ValueError, OSError, EOFError) as exc:
        raise AekitError(f"{path}: not a readable .npy array ({exc})") from None


def read_npz(path: Path, array: str | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Array `array` (default `x`, else ADBench's `X`) and labels `y` when present."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            keys = list(archive.keys())
            name = array or ("X" if "x" not in keys and "X" in keys else "x")
            if name not in keys:
                raise AekitError(f"{path}: no array {name!r} (--array); arrays: {', '.join(keys)}")
            return archive[name], archive["y"] if "y" in keys else None
    except FileNotFoundError:
        raise AekitError(f"{path}: file not found") from None
    except (ValueError, OSError, EOFError) as exc:
        raise AekitError(f"{path}: not a readable .npz archive ({exc})") from None


def read_csv(path: Path, label_column: str | None = None, time_column: str | None = None
             ) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """Numeric CSV with a header: (features, labels or None, feature names).

    A time column (`timestamp`, `time`, `date`, or `time_column`) is an index, not a feature.
    """
    try:
        with path.open(newline="") as handle:
            rows = list(csv.reader(handle))
    except FileNotFoundError:
        raise AekitError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise AekitError(f"{path}: cannot read as CSV ({exc})") from None
    if len(rows) < 2:
        raise AekitError(f"{path}: expected a header line and at least one data row")
    header = [h.strip() for h in rows[0]]
    features, label_at = csv_columns(path, header, label_column, time_column)
    values = np.empty((len(rows) - 1, len(features)), np.float32)
    labels = np.empty(len(rows) - 1, np.float64) if label_at is not None else None
    for r, row in enumerate(rows[1:]):
        line = r + 2
        if len(row) != len(header):
            raise AekitError(f"{path}: line {line} has {len(row)} fields, header has {len(header)}")
        for j, i in enumerate(features):
            values[r, j] = number(row[i], path, line, header[i])
        if labels is not None and label_at is not None:
            labels[r] = number(row[label_at], path, line, header[label_at])
    return values, labels, [header[i] for i in features]


def csv_columns(path: Path, header: list[str], label_column: str | None,
                time_column: str | None) -> tuple[list[int], int | None]:
    """Positions of the feature columns and of the label column in a CSV header."""
    for option, col in (("--label-column", label_column), ("--time-column", time_column)):
        if col is not None and col not in header:
            raise AekitError(f"{path}: no column {col!r} ({option}); columns: {', '.join(header)}")
    skip = {time_column} if time_column else {h for h in header if h.lower() in TIME_COLUMNS}
    features = [i for i, h in enumerate(header) if h not in skip and h != label_column]
    if not features:
        raise AekitError(f"{path}: no feature columns left after the time and label columns")
    return features, header.index(label_column) if label_column else None


def number(text: str, path: Path, line: int, column: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise AekitError(f"{path}: line {line}, column {column!r}: expected a number, "
                         f"got {text[:40]!r}") from None


def read_ts(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """An aeon/sktime `.ts` file: equal-length series as (N, T, C) float32, and the labels.

    Dimensions of a multivariate series are separated by ':'; with `@classLabel true` the last
    ':' field is the label. Ragged series, missing values ('?', NaN) and time-stamped data are
    refused naming the line, because silently padding or dropping them would change the task.
    """
    try:
        lines = read_bytes(path).decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise AekitError(f"{path}: not UTF-8 text ({exc.reason})") from None
    header: dict[str, list[str]] = {}
    series: list[np.ndarray] = []
    labels: list[str] = []
    in_data = False
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            if not line.startswith("@"):
                raise AekitError(f"{path}: line {number}: expected a @header line or @data, "
                                 f"got {line[:40]!r}")
            key, *values = line.split()
            header[key.lower()] = [v.lower() for v in values] if key != "@classLabel" else values
            in_data = key.lower() == "@data"
            continue
        fields = line.split(":")
        if _flag(header, "@classlabel"):
            if len(fields) < 2:
                raise AekitError(f"{path}: line {number}: expected values:label")
            labels.append(fields.pop().strip())
        series.append(_ts_values(fields, path, number, series[0].shape if series else None))
    if _flag(header, "@timestamps"):
        raise AekitError(f"{path}: time-stamped .ts series (@timeStamps true) are not supported")
    if not series:
        raise AekitError(f"{path}: no series after @data" if in_data else f"{path}: no @data line")
    return np.stack(series), _ts_labels(labels, header.get("@classlabel", [])) if labels else None


def _flag(header: dict[str, list[str]], key: str) -> bool:
    """A `.ts` boolean header (`@classLabel true 1 2`); absent or bare means false."""
    return header.get(key, ["false"])[:1] == ["true"]


def _ts_values(fields: list[str], path: Path, line: int,
               expected: tuple[int, ...] | None) -> np.ndarray:
    """One line's dimensions as a (T, C) array, checked for equal lengths and missing values."""
    dims = []
    for field in fields:
        try:
            dims.append([float(v) for v in field.split(",")])
        except ValueError:
            raise AekitError(f"{path}: line {line}: expected comma-separated numbers, got "
                             f"{field[:40]!r}") from None
    lengths = {len(d) for d in dims}
    if len(lengths) != 1:
        raise AekitError(f"{path}: line {line}: ragged series (dimension lengths "
                         f"{sorted(lengths)}); only equal-length series are supported")
    with np.errstate(over="ignore"):  # 1e39 becomes inf and is refused just below
        values = np.array(dims, np.float32).T
    if not np.isfinite(values).all():
        raise AekitError(f"{path}: line {line}: missing or non-finite values (NaN, '?')")
    if expected is not None and values.shape != expected:
        raise AekitError(f"{path}: line {line}: ragged series: length x dimensions "
                         f"{values.shape}, the first series has {expected}")
    return values


def _ts_labels(labels: list[str], declared: list[str]) -> np.ndarray:
    """Integer labels as they are; other class names as their index in `@classLabel`."""
    try:
        return np.array([int(v) for v in labels], np.int64)
    except ValueError:
        order = {name: i for i, name in enumerate(declared[1:] or sorted(set(labels)))}
        return np.array([order.get(v, len(order)) for v in labels], np.int64)


def sliding_windows(x: np.ndarray, window: int, stride: int, name: str) -> np.ndarray:
    """(L, C) -> (N, window, C) windows every `stride` steps; a view, no copy."""
    if window > len(x):
        raise AekitError(f"{name}: --window {window} is longer than the series ({len(x)} steps)")
    view = np.lib.stride_tricks.sliding_window_view(x, window, axis=0)  # (L-w+1, C, w)
    return np.moveaxis(view[::stride], -1, 1)


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
    with path.open(newline="") as handle:
        return [row[at] for row in list(csv.reader(handle))[1:]]
