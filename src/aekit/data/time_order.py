"""Time order of a series read from rows: the rows of a CSV may come in any order, and a
series' windows must follow its time stamps, not the file."""

from __future__ import annotations

import numpy as np

from aekit.errors import AekitError


def time_order(stamps: list[str], option: str) -> np.ndarray | None:
    """The row order that sorts the series by its time stamps, or None when the rows already
    follow them. Stamps are numbers when every one reads as a number, else dates and times
    (ISO 8601 and the forms pandas reads); a stamp that is neither, or one that repeats, is
    refused in one line naming `option`."""
    try:
        values = np.array(stamps, dtype=np.float64)
    except ValueError:
        values = _dates(stamps, option)
    if np.isnan(values).any():
        raise AekitError(f"{option}: row {int(np.flatnonzero(np.isnan(values))[0]) + 1} has "
                         "no time stamp")
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    repeated = np.flatnonzero(ordered[1:] == ordered[:-1])
    if len(repeated):
        stamp = stamps[order[repeated[0]]]
        raise AekitError(f"{option}: time stamp {stamp!r} appears on more than one row; a "
                         "series has one row per time stamp")
    return None if (order == np.arange(len(order))).all() else order


def _dates(stamps: list[str], option: str) -> np.ndarray:
    import pandas as pd  # only for time stamps that are not numbers

    try:
        parsed = pd.to_datetime(pd.Series(stamps), format="mixed")
    except (ValueError, TypeError, OverflowError) as exc:
        raise AekitError(f"{option}: time stamps are neither numbers nor dates "
                         f"({str(exc).splitlines()[0][:80]})") from None
    values = parsed.astype("int64").to_numpy(dtype=np.float64)
    values[parsed.isna().to_numpy()] = np.nan
    return values
