"""How a table's text columns become numbers: one rule, fitted on the training table, stored in
the run (config.json, `data.encoding`) and reused by every later command and by the Python
estimators.

The rule, per text column (a column is text when most of its filled cells are not numbers, or
a Parquet string column, or a pandas object/category/string column):
- at most `ONEHOT_MAX_LEVELS` distinct values: one-hot, one 0/1 column per value, in sorted
  order;
- more: frequency encoding, one column holding the value's share of the training rows (so a
  common value and a rare one stay apart without one column per value).

A value the training table never held (or a missing cell) is all-zero in one-hot and 0 in
frequency encoding: "never seen" reads as the rarest possible value, never as an error.
Number columns pass through unchanged; their missing cells are NaN, for --nan-policy.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from aekit.errors import AekitError

ONEHOT_MAX_LEVELS = 10
Encoding = dict[str, dict[str, Any]]
"""Text column name -> {"onehot": [values]} or {"frequency": {value: share}}."""


def is_text(column: np.ndarray) -> bool:
    """A text column holds Python strings (None where missing); number columns are float."""
    return column.dtype == object


def fit_encoding(columns: dict[str, np.ndarray], names: list[str]) -> Encoding:
    """The encoding of the text columns among `names`, by the rule above."""
    found: Encoding = {}
    for name in names:
        column = columns[name]
        if not is_text(column):
            continue
        counts = Counter(v for v in column if v is not None)
        if len(counts) <= ONEHOT_MAX_LEVELS:
            found[name] = {"onehot": sorted(counts)}
        else:
            found[name] = {"frequency": {v: n / len(column) for v, n in sorted(counts.items())}}
    return found


def encode(columns: dict[str, np.ndarray], names: list[str], encoding: Encoding, source: str,
           dtype: type = np.float64) -> np.ndarray:
    """The (N, width) numbers of `names`, text columns encoded by `encoding`."""
    parts = []
    for name in names:
        column = columns[name]
        how = encoding.get(name)
        if how is None:
            if is_text(column):
                raise AekitError(f"{source}: column {name!r} holds text; the model was trained "
                                 "on numbers in it")
            parts.append(column.astype(dtype, copy=False)[:, None])
        elif not is_text(column):
            raise AekitError(f"{source}: column {name!r} holds numbers; the model was trained "
                             "on text in it")
        elif "onehot" in how:
            at = {v: i for i, v in enumerate(how["onehot"])}
            out = np.zeros((len(column), len(at)), dtype)
            hits = [(r, at[v]) for r, v in enumerate(column) if v in at]
            if hits:
                rows, cols = zip(*hits, strict=True)
                out[list(rows), list(cols)] = 1.0
            parts.append(out)
        else:
            shares = how["frequency"]
            parts.append(np.array([shares.get(v, 0.0) for v in column], dtype)[:, None])
    return np.concatenate(parts, axis=1) if parts else np.empty((0, 0), dtype)


def output_names(names: list[str], encoding: Encoding) -> list[str]:
    """One name per encoded column: `band=low` for a one-hot value, the name otherwise."""
    out = []
    for name in names:
        how = encoding.get(name, {})
        out += [f"{name}={v}" for v in how["onehot"]] if "onehot" in how else [name]
    return out
