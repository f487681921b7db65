"""Named data sets and local files, as one `Dataset` of raw float32 values plus labels.

A source is a short name (`digits`, `mnist`, `mnist:test`, `fashion-mnist`, `synthetic-3d`) or a
file path. Known sets are looked up in `--data-dir`, then `$AEKIT_DATA`, then the user cache, and
downloaded (checksum-verified) into the cache when absent.
"""

from __future__ import annotations

import dataclasses
import os
import resource
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from aekit.config import DataConfig
from aekit.data import filetypes, formats, images, ts
from aekit.data.encoding import Encoding, output_names
from aekit.data.idx_sets import IDX_SETS, ensure_files
from aekit.data.windows import series_windows
from aekit.errors import AekitError


@dataclass
class Dataset:
    """Samples in their own units, shaped (N, *shape); images (N, C, H, W), series (N, T, C)."""

    x: np.ndarray
    y: np.ndarray | None
    name: str
    kind: str  # "image": scaled by full_scale into [0, 1]; "tabular"/"series": standardised
    full_scale: float = 1.0
    features: list[str] | None = None  # a table's feature column names, in order
    encoding: Encoding | None = None  # how its text columns became numbers
    paths: list[str] | None = None  # an image folder's files, relative to it, in sample order
    anomaly_labels: bool = False  # y is 0 = normal / 1 = anomaly (class folders named so)

    def __len__(self) -> int:
        return len(self.x)


GENERATED = ("digits", "synthetic-3d")


def known_sources() -> list[str]:
    named = [*GENERATED, "digits:train", "digits:test", "synthetic-3d:test"]
    for name in IDX_SETS:
        named += [name, f"{name}:test"]
    return sorted(named)


def reading(config: DataConfig | None = None, **options: Any) -> DataConfig:
    """`config` (default: every reading option at its default) with `options`, fields of
    DataConfig given by name, changed."""
    config = DataConfig() if config is None else config
    if not isinstance(config, DataConfig):
        raise AekitError(f"load_source: config: expected a DataConfig, got "
                         f"{type(config).__name__}; give reading options by name "
                         "(data_dir=..., limit=...)")
    fields = [f.name for f in dataclasses.fields(DataConfig)]
    if unknown := sorted(set(options) - set(fields)):
        raise AekitError(f"load_source: unknown option {unknown[0]!r}; expected one of "
                         + ", ".join(fields))
    return dataclasses.replace(config, **options) if options else config


def load_source(spec: str, config: DataConfig | None = None, *, length: int | None = None,
                **options: Any) -> Dataset:
    """Read a named set or a file as `config` says (its `source` aside: `spec` is read), with
    `options` (DataConfig fields by name: `limit=500`, `data_dir=...`) changed.

    `limit` keeps the first N samples. `kind` says how a file's array is meant (image,
    series, tabular) where its shape alone cannot; `window`/`stride` cut one long series (a
    CSV or (T, C) array) into samples; a folder is read as PNG/JPEG images (`image_size`
    resizes them to a square). The float32 copy is checked against `max_memory` (GiB;
    default 80% of RAM) before it is made, and NaN/inf values are refused unless
    `nan_policy` is `drop` (samples) or `zero`. `pad` and `length` (the series length a
    trained model expects) make unequal-length `.ts` series equal (data/ts.py); the NaN
    padding of series is a mask, not missing values.
    """
    config = reading(config, **options)
    allowed = config.max_memory or 0.8 * ram_gib()
    budget = formats.Budget(spec, None if config.window else config.limit, allowed * 2**30)
    data = read_raw(spec, config, budget=budget, length=length)
    if config.limit is not None:
        data.x = data.x[:config.limit]
        data.y = None if data.y is None else data.y[:config.limit]
        data.paths = None if data.paths is None else data.paths[:config.limit]
    needed = data.x.size * 4 / 2**30
    if needed > allowed:
        raise AekitError(f"{spec}: needs {needed:.2f} GiB as float32, more than the "
                         f"{allowed:.2f} GiB allowed (--max-memory); use --limit, a bigger "
                         "--max-memory, or a .npy, CSV or folder source that `aekit train` "
                         "streams")
    _check_float32_range(data, spec)
    data.x = data.x.astype(np.float32, copy=False)
    return _apply_nan_policy(data, config.nan_policy, spec)


def read_raw(spec: str, config: DataConfig | None = None, *,
             budget: formats.Budget | None = None, length: int | None = None) -> Dataset:
    """The source in its storage dtype (uint8 stays uint8), in memory: all samples (`limit`
    is left to the caller), or those `budget` allows, checked from the file headers before
    they are read."""
    config = reading(config)
    name, _, split = spec.partition(":")
    budget = budget or formats.Budget(spec)
    if name in IDX_SETS:
        data = _load_idx_set(name, split or "train", config.data_dir, budget)
    elif name == "digits":
        data = _digits(split)
    elif name == "synthetic-3d":
        data = _synthetic_3d(split or "train")
    elif Path(spec).is_dir():
        x, y, paths = images.read_image_folder(Path(spec), config.image_size,
                                               budget.max_bytes)
        data = _as_dataset(x, y, Path(spec), "image")
        data.paths = paths
        data.anomaly_labels = y is not None and images.anomaly_classes(Path(spec))
    elif filetypes.is_file_source(spec):
        path = Path(spec)
        formats.regular_file(path)
        fmt = filetypes.format_of(path)
        x, y, names, encoding = fmt.read(path, config, budget, length)
        kind = config.kind or fmt.kind
        if config.window is not None:
            x, y = series_windows(x, y, config.window, config.stride or 1, spec)
            kind = "series"
        data = _as_dataset(x, y, path, kind)
        data.features, data.encoding = names, encoding
    else:
        raise AekitError(f"--data: unknown source {spec!r}; expected a file path or one of "
                         + ", ".join(known_sources()))
    return data


CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def ram_gib() -> float:
    """The memory this process may use, in GiB: the least of the machine's RAM, its
    address-space limit (`ulimit -v`) and its control group's limit. Checked against the RAM
    alone, a model that fits the machine passed, and a capped process (a container, a batch
    job) then failed in the allocator mid-training."""
    limits = [os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")]
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        limits.append(soft)
    for path in CGROUP_LIMITS:
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            limits.append(int(text))
    return min(limits) / 2**30


def _check_float32_range(data: Dataset, spec: str) -> None:
    """Refuse finite values that float32 cannot hold: cast, they would become inf, and then be
    zeroed or dropped by --nan-policy as if missing, though they are the most extreme values."""
    x = data.x
    if x.dtype.kind != "f" or x.dtype.itemsize <= 4:
        return
    limit = np.finfo(np.float32).max
    finite = np.isfinite(x)
    beyond = finite & (np.abs(np.where(finite, x, 0.0)) > limit)
    if not beyond.any():
        return
    sample, *at = np.unravel_index(int(np.argmax(beyond)), x.shape)
    names = output_names(data.features, data.encoding or {}) if data.features else None
    where = (f"column {names[at[0]]!r}" if names and len(at) == 1
             else f"value {tuple(int(i) for i in at)}")
    raise AekitError(f"{spec}: sample {int(sample)}, {where} holds {float(x[(sample, *at)]):g}, "
                     f"beyond float32's range (+-{limit:.3g}); rescale it (aekit computes in "
                     "float32)")


def _apply_nan_policy(data: Dataset, policy: str, spec: str) -> Dataset:
    finite = (~ts.gaps(data.x) if data.kind == "series" and data.x.ndim == 3
              else np.isfinite(data.x).reshape(len(data.x), -1).all(axis=1))
    if finite.all():
        return data
    if policy == "error":
        first = int(np.argmin(finite))
        raise AekitError(f"{spec}: {int((~finite).sum())} samples contain NaN or infinite "
                         f"values (first: sample {first}); pass --nan-policy drop or zero")
    if policy == "drop":
        data.x = data.x[finite]
        data.y = None if data.y is None else data.y[finite]
    elif data.kind == "series" and data.x.ndim == 3:  # the padding stays the mask
        data.x = np.where(np.isfinite(data.x) | ts.padded_steps(data.x)[:, :, None], data.x, 0)
    else:
        data.x = np.nan_to_num(data.x, nan=0.0, posinf=0.0, neginf=0.0)
    return data


def _load_idx_set(name: str, split: str, data_dir: str | Path | None,
                  budget: formats.Budget) -> Dataset:
    images_path, labels_path = ensure_files(name, split, data_dir)
    images = formats.read_idx(images_path, budget)
    labels = formats.read_idx(labels_path, formats.Budget(budget.name, len(images)))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise AekitError(f"{images_path}: expected (N, H, W) images and N labels, got "
                         f"{images.shape} and {labels.shape}")
    return Dataset(images[:, None], labels.astype(np.int64), f"{name}:{split}", "image", 255.0)


def _digits(split: str) -> Dataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = bunch.images[:, None].astype(np.float32)
    y = bunch.target.astype(np.int64)
    cut = {"": slice(None), "train": slice(0, 1500), "test": slice(1500, None)}
    if split not in cut:
        raise AekitError(f"--data: digits has splits train and test, got {split!r}")
    return Dataset(x[cut[split]], y[cut[split]], f"digits{':' + split if split else ''}",
                   "image", 16.0)


def _synthetic_3d(split: str) -> Dataset:
    """Seed 000's 3-D set: m=200, w1=0.1, w2=0.3, noise=0.1, numpy seed 4; train = first 100."""
    if split not in ("train", "test"):
        raise AekitError(f"--data: synthetic-3d has splits train and test, got {split!r}")
    rnd = np.random.RandomState(4)
    m, w1, w2, noise = 200, 0.1, 0.3, 0.1
    angles = rnd.rand(m) * 3 * np.pi / 2 - 0.5
    data = np.empty((m, 3))
    data[:, 0] = np.cos(angles) + np.sin(angles) / 2 + noise * rnd.randn(m) / 2
    data[:, 1] = np.sin(angles) * 0.7 + noise * rnd.randn(m) / 2
    data[:, 2] = data[:, 0] * w1 + data[:, 1] * w2 + noise * rnd.randn(m)
    part = data[:100] if split == "train" else data[100:]
    return Dataset(part.astype(np.float32), None, f"synthetic-3d:{split}", "tabular")


def _as_dataset(x: np.ndarray, y: np.ndarray | None, path: Path, kind: str | None) -> Dataset:
    """Images become (N, C, H, W), series (N, T, C); `kind` None guesses from the shape."""
    if x.dtype.kind not in "uif" or x.ndim < 2:
        raise AekitError(f"{path}: expected a numeric array of shape (N, features) or "
                         f"(N, H, W), got dtype {x.dtype} and shape {x.shape}")
    if y is not None and len(y) != len(x):
        raise AekitError(f"{path}: {len(y)} labels for {len(x)} samples")
    if kind is None:  # flat rows, even of uint8 pixels, are a table unless --kind image
        kind = "image" if x.ndim >= 3 else "tabular"
    full_scale = 1.0
    if kind == "image":
        x = images.image_layout(x, path)
        full_scale = images.image_full_scale(x)
    elif kind == "series":
        x = ts.series_layout(x, path)
    return Dataset(x, y, str(path), kind, full_scale)
