"""Anomaly labels: 0 = normal, 1 = anomaly, the convention `aekit detect` and scripts rely on.

Only files carry such labels (`y` in an .npz, `--label-column` in a CSV), and image folders
whose class sub-folders are named `normal`/`anomaly` or `0`/`1`; the class labels of named sets
(MNIST digits), of .ts files and of other image folders are not anomaly labels.
"""

from __future__ import annotations

import numpy as np

from aekit.data.sources import Dataset
from aekit.errors import AekitError

LABELLED_SUFFIXES = (".npz", ".csv", ".tsv", ".parquet")


def anomaly_labels(data: Dataset, option: str = "--data") -> np.ndarray | None:
    """The data's labels as 0/1 integers when its source is a labelled file, else None.

    Any other value (a class index, 2, -1, 0.5) is refused, because reading it as "anomaly"
    or "normal" would be a guess."""
    if data.y is None or not (data.anomaly_labels or data.name.endswith(LABELLED_SUFFIXES)):
        return None
    y = np.asarray(data.y)
    bad = np.setdiff1d(np.unique(y), [0, 1])
    if len(bad):
        shown = ", ".join(f"{v:g}" for v in bad[:5].astype(float))
        raise AekitError(f"{option}: labels of {data.name} must be 0 (normal) or 1 (anomaly), "
                         f"found {shown}")
    return y.astype(np.int64)


def drop_anomalies(data: Dataset) -> Dataset:
    """The samples labelled normal (--train-normal-only); a window holding any anomaly is one."""
    y = anomaly_labels(data, "--train-normal-only")
    if y is None:
        raise AekitError(f"--train-normal-only: {data.name} has no anomaly labels (y in an .npz, "
                         "--label-column in a CSV)")
    keep = y == 0
    if not keep.any():
        raise AekitError(f"--train-normal-only: every sample of {data.name} is labelled 1")
    return Dataset(data.x[keep], y[keep], data.name, data.kind, data.full_scale)
