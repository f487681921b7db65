"""What `aekit detect` scores: a source read as the run was trained (its labels, time stamps
and windows), or, without a run, a table the default detector is fitted on first."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

from aekit.config import DataConfig
from aekit.data import filetypes, formats, stream, tables
from aekit.data.formats import read_time_column
from aekit.data.labels import anomaly_labels
from aekit.data.sources import Dataset, load_source
from aekit.data.tables import TABLE_SUFFIXES
from aekit.detect import detection
from aekit.detect.reconstruction import ReconstructionDetector
from aekit.errors import AekitError
from aekit.runs.inputs import load_for_run, read_options
from aekit.runs.run import Run

DEFAULT_READING = ("data_dir", "array", "label_column", "nan_policy", "max_memory", "kind",
                   "image_size", "columns", "drop_columns", "time_column", "pad")
"""The reading options the default detector takes (it has no run to inherit them from)."""
SERIES_OPTIONS = ("window", "stride", "time_column", "train_end")
"""Options that make the default detector's data one long series whatever its columns."""


def detect_with_run(loaded: Run, spec: str | None, given: dict[str, Any], *, score: str,
                    explain: int | None = None, **params: float | str
                    ) -> tuple[detection.Detection, str]:
    """Scores per sample, or per point of a long series cut into the run's windows; labels
    and time stamps are read when the source has the run's label and time columns. `params`:
    the detector's contamination and threshold where given."""
    detector = ReconstructionDetector.from_run(loaded, score, **params)
    spec = spec or loaded.data_config.source
    options = read_options(loaded, given)
    labels = options.label_column
    if "label_column" not in given and labels and spec.endswith(TABLE_SUFFIXES) \
            and labels not in tables.header(Path(spec)):
        labels = None  # unlabelled data to score, in the training file's format
    limit = given.get("limit")
    times = read_time_column(Path(spec), options.time_column)
    times = times and times[:limit]  # the rows --limit keeps
    window = loaded.data_config.window
    reading = dataclasses.replace(options, source=spec, label_column=labels, stream=False)
    if window is None and limit is None and stream.wants_stream(reading) \
            and filetypes.streamable(Path(spec)):
        return _score_streamed(loaded, detector, reading), spec
    if window is None:
        data = load_for_run(loaded, spec, given, label_column=labels)
        found = detection.score_samples(detector, data.x, anomaly_labels(data), times,
                                        explain, data.features)
        if data.paths is not None:
            found.index, found.index_name = detection.sample_index(data)
        return found, data.name
    if explain is not None:
        raise AekitError("--explain: a series run scores points from windows, not columns; "
                         "--explain is for tables")
    if given.get("window") not in (None, window):
        raise AekitError(f"--window {given['window']}: the model was trained on windows of "
                         f"{window} steps")
    data = load_source(spec, options, window=None, stride=None, label_column=labels)
    stride = given.get("stride") or loaded.data_config.stride or 1  # default: as in training
    found = detection.score_series(detector, data.x, anomaly_labels(data), window, stride,
                                   times, data.name)
    found.channels = data.features
    return found, data.name


BATCH_BYTES = 8 * 2**20
"""The most data scored at a time (as float32) when it stays on disk."""


def _score_streamed(loaded: Run, detector: ReconstructionDetector, reading: DataConfig
                    ) -> detection.Detection:
    """A source larger than --max-memory scored a batch at a time (as float32, an eighth of
    --max-memory, at most `BATCH_BYTES`: the scoring's own copies fit beside it), read as the
    run reads data; only the scores and labels are kept whole."""
    expected = tuple(loaded.model_config.input_shape)
    batch = min(BATCH_BYTES, stream.memory_limit_gib(reading) * 2**30 / 8)
    shape, batches = stream.in_batches(reading, max(1, int(batch / (4 * math.prod(expected)))))
    if shape != expected:
        raise AekitError(f"--data: samples of {reading.source} have shape {shape}, the model "
                         f"expects {expected}")
    labels = None
    if reading.label_column is not None:
        y = formats.read_column(Path(reading.source), reading.label_column)
        labels = anomaly_labels(Dataset(y, y, reading.source, "tabular"))
    return detection.score_batches(detector, batches, labels, reading.source)


def _check_names(train: Dataset, data: Dataset) -> None:
    """Columns are matched by name; a table (named columns) and an array (none) are never
    paired, since an array's columns cannot be matched."""
    if (train.features is None) != (data.features is None):
        named, unnamed = (train, data) if train.features is not None else (data, train)
        raise AekitError(f"{unnamed.name}: an array without column names cannot be matched "
                         f"with the table {named.name} (columns are matched by name); give "
                         "both --train and --data as tables, or both as arrays")


def detect_default(spec: str | None, train_spec: str | None, given: dict[str, Any], *,
                   device: str, explain: int | None = None, train_end: int | None = None,
                   **params: float | str) -> tuple[detection.Detection, str, str]:
    """The default detector fitted on `train_spec` (default: `spec` itself, or its first
    `train_end` points) scores `spec`; `params`: its contamination and threshold where given.
    The data is one long series (`is_series`) or a table, images or series samples."""
    if spec is None:
        raise AekitError("--data: required without RUN (the table or series to score)")
    options = DataConfig(limit=given.get("limit"),
                         **{k: v for k, v in given.items() if k in DEFAULT_READING})
    if train_spec is None:
        data, train = load_source(spec, options), None
    else:
        train = load_source(train_spec, options)
        data = load_source(spec, options, columns=train.features, encoding=train.encoding)
        _check_names(train, data)
    if is_series(data, {**given, "train_end": train_end}):
        if explain is not None:
            raise AekitError("--explain: a series is scored by windows of its points, not by "
                             "columns; --explain is for tables")
        if train is not None and train_end is not None:
            raise AekitError("--train-end: not with --train (the first points of --data are "
                             "the normal part; --train is another normal series)")
        times = read_time_column(Path(spec), options.time_column)
        found = detection.fit_and_score_series(
            data, train, times and times[:len(data.x)], window=given.get("window"),
            stride=given.get("stride"), train_end=train_end, **params)
        found.channels = data.features
    else:
        found = detection.fit_and_score(data, train, device, explain, **params)
    return found, data.name, train.name if train else data.name


def is_series(data: Dataset, given: dict[str, Any]) -> bool:
    """Whether the default detector reads `data` as one long series (rows in time order):
    when a series option is given (`SERIES_OPTIONS`), or when each row holds one value (a CSV
    with one value column besides its label and time columns, a 1-D array); `--kind tabular`
    keeps such data a one-feature table."""
    if any(given.get(name) is not None for name in SERIES_OPTIONS):
        if data.x.ndim > 2 or data.kind == "image":
            raise AekitError(f"--data: {data.name} holds samples of shape "
                             f"{list(data.x.shape[1:])}; --window, --stride, --time-column "
                             "and --train-end take one long series (one row per time point)")
        return True
    return given.get("kind") != "tabular" and data.kind != "image" and data.x.ndim == 2 \
        and data.x.shape[1] == 1
