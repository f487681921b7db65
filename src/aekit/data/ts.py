"""Series samples, laid out (N, T, C) whatever file they come from, and the aeon/sktime `.ts`
text format: univariate or multivariate series, of equal or unequal length, as one (N, T, C)
float32 array and the labels.

Unequal lengths are made equal one of two ways (`pad`):
- `mask` (the default): each series keeps its recorded values and is padded at its end with
  NaN, the mask: models read padded steps as 0 and no loss, error or score counts them. Nothing
  is invented, and a series' length stays visible to the model.
- `resample`: each series is linearly interpolated to the common length, so every step counts,
  at the price of values that were never recorded.
The common length is the longest series, or, for a file of unequal lengths read for a trained
model, the length it expects; a series longer than that is resampled down to it in either mode.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aekit.data.formats import read_bytes
from aekit.errors import AekitError

PADS = ("mask", "resample")


def series_layout(x: np.ndarray, path: Path) -> np.ndarray:
    """Series samples as (N, T, C), settled once when read so models never guess the axes:
    (N, T) -> (N, T, 1); (N, T, C) kept."""
    if x.ndim == 2:
        return x[:, :, None]
    if x.ndim != 3:
        raise AekitError(f"{path}: series must be (N, T) or (N, T, C) (--kind series), got "
                         f"shape {x.shape}")
    return x


def read_ts(path: Path, pad: str = "mask", length: int | None = None
            ) -> tuple[np.ndarray, np.ndarray | None]:
    """An aeon/sktime `.ts` file as (N, T, C) float32, and integer labels, float targets or
    None.

    Dimensions of a multivariate series are separated by ':'; with `@classLabel true` the last
    ':' field is the label, with `@targetLabel true` (a regression problem such as Tecator) a
    float target. Missing values ('?', NaN), lines that disagree on the number of dimensions
    and time-stamped data are refused naming the line; a header that the series contradict
    (`@dimensions`, `@equalLength true`, `@seriesLength`) is refused naming the header.
    """
    if pad not in PADS:
        raise AekitError(f"--pad: expected one of {', '.join(PADS)}, got {pad!r}")
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
        if _flag(header, "@classlabel") or _flag(header, "@targetlabel"):
            if len(fields) < 2:
                raise AekitError(f"{path}: line {number}: expected values:label")
            labels.append(fields.pop().strip())
        if series and len(fields) != series[0].shape[1]:
            raise AekitError(f"{path}: line {number}: {len(fields)} dimensions, the first series "
                             f"has {series[0].shape[1]}")
        series.append(_values(fields, path, number))
    if _flag(header, "@timestamps"):
        raise AekitError(f"{path}: time-stamped .ts series (@timeStamps true) are not supported")
    if not series:
        raise AekitError(f"{path}: no series after @data" if in_data else f"{path}: no @data line")
    _check_header(header, series, path)
    if labels and _flag(header, "@targetlabel"):
        y = _targets(labels, path)
    else:
        y = _labels(labels, header.get("@classlabel", [])) if labels else None
    return equal_length(series, pad, length), y


def _check_header(header: dict[str, list[str]], series: list[np.ndarray], path: Path) -> None:
    """The header's promises against the series read: a file that lies about its shape is
    refused rather than read as something it says it is not."""
    dims = series[0].shape[1]
    declared = header.get("@dimensions", [])[:1]
    if declared and declared != [str(dims)]:
        raise AekitError(f"{path}: @dimensions {declared[0]}: the series have {dims}")
    lengths = sorted({len(s) for s in series})
    if _flag(header, "@equallength") and len(lengths) > 1:
        raise AekitError(f"{path}: @equalLength true, but the series have lengths "
                         f"{lengths[0]} to {lengths[-1]}")
    declared = header.get("@serieslength", [])[:1]
    if declared and len(lengths) == 1 and declared != [str(lengths[0])]:
        raise AekitError(f"{path}: @seriesLength {declared[0]}: the series have {lengths[0]} "
                         "steps")


def _targets(labels: list[str], path: Path) -> np.ndarray:
    """A regression file's targets (`@targetLabel true`) as float32."""
    try:
        targets = np.array([float(v) for v in labels], np.float32)
    except ValueError as exc:
        raise AekitError(f"{path}: @targetLabel true: expected numeric targets ({exc})"
                         ) from None
    if not np.isfinite(targets).all():
        raise AekitError(f"{path}: @targetLabel true: missing or non-finite targets")
    return targets


def equal_length(series: list[np.ndarray], pad: str = "mask", length: int | None = None
                 ) -> np.ndarray:
    """(T_i, C) series as one (N, T, C) array: stacked when their lengths agree and are no
    longer than a model's `length` (a shorter file is then refused by the shape check), else
    padded with NaN (`mask`) or resampled (see the module)."""
    lengths = {len(s) for s in series}
    if len(lengths) == 1 and (length is None or max(lengths) <= length):
        return np.stack(series)
    steps = length or max(lengths)
    out = np.full((len(series), steps, series[0].shape[1]), np.nan, np.float32)
    for i, s in enumerate(series):
        if pad == "mask" and len(s) <= steps:
            out[i, :len(s)] = s
        else:
            out[i] = resample(s, steps)
    return out


def resample(s: np.ndarray, steps: int) -> np.ndarray:
    """(T, C) -> (steps, C) by linear interpolation over the same span."""
    if len(s) == 1:
        return np.repeat(s, steps, axis=0)
    old, new = np.linspace(0, 1, len(s)), np.linspace(0, 1, steps)
    return np.stack([np.interp(new, old, s[:, c]) for c in range(s.shape[1])], axis=1)


def padded_steps(x: np.ndarray) -> np.ndarray:
    """(N, T) True at the padding of (N, T, C) series: steps from the last recorded one on
    whose channels are all NaN."""
    empty = np.isnan(x).all(axis=2)
    return np.flip(np.cumprod(np.flip(empty, axis=1), axis=1), axis=1).astype(bool)


def gaps(x: np.ndarray) -> np.ndarray:
    """(N,) True for series with a NaN or inf that is not padding: a missing value."""
    bad = ~np.isfinite(x) & ~padded_steps(x)[:, :, None]
    return bad.reshape(len(x), -1).any(axis=1)


def _flag(header: dict[str, list[str]], key: str) -> bool:
    """A `.ts` boolean header (`@classLabel true 1 2`); absent or bare means false."""
    return header.get(key, ["false"])[:1] == ["true"]


def _values(fields: list[str], path: Path, line: int) -> np.ndarray:
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
                         f"{sorted(lengths)}); the dimensions of one series need one length")
    with np.errstate(over="ignore"):  # 1e39 becomes inf and is refused just below
        values = np.array(dims, np.float32).T
    if not np.isfinite(values).all():
        raise AekitError(f"{path}: line {line}: missing or non-finite values (NaN, '?')")
    return values


def _labels(labels: list[str], declared: list[str]) -> np.ndarray:
    """Integer labels as they are; other class names as their index in `@classLabel`."""
    try:
        return np.array([int(v) for v in labels], np.int64)
    except ValueError:
        order = {name: i for i, name in enumerate(declared[1:] or sorted(set(labels)))}
        return np.array([order.get(v, len(order)) for v in labels], np.int64)
