"""What `aekit detect` scores: a source read as the run was trained (its labels, time stamps
and windows), or, without a run, a table the default detector is fitted on first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aekit.config import DataConfig
from aekit.data.formats import csv_header, read_time_column
from aekit.data.labels import anomaly_labels
from aekit.data.sources import load_source
from aekit.detect import detection
from aekit.detect.reconstruction import ReconstructionDetector
from aekit.errors import AekitError
from aekit.runs.inputs import load_for_run, read_options
from aekit.runs.run import Run

DEFAULT_READING = ("data_dir", "array", "label_column", "nan_policy", "max_memory", "kind",
                   "image_size", "pad")
"""The reading options the default detector takes (it has no run to inherit them from)."""


def detect_with_run(loaded: Run, spec: str | None, given: dict[str, Any], *, score: str,
                    **params: float) -> tuple[detection.Detection, str]:
    """Scores per sample, or per point of a long series cut into the run's windows; labels
    and time stamps are read when the source has the run's label and time columns. `params`:
    the detector's contamination and threshold where given."""
    detector = ReconstructionDetector.from_run(loaded, score, **params)
    spec = spec or loaded.data_config.source
    options = read_options(loaded, given)
    labels = options.label_column
    if "label_column" not in given and labels and spec.endswith(".csv") \
            and labels not in csv_header(Path(spec)):
        labels = None  # unlabelled data to score, in the training file's format
    limit = given.get("limit")
    times = read_time_column(Path(spec), options.time_column) if spec.endswith(".csv") \
        else None
    times = times and times[:limit]  # the rows --limit keeps
    window = loaded.data_config.window
    if window is None:
        data = load_for_run(loaded, spec, given, label_column=labels)
        return detection.score_samples(detector, data.x, anomaly_labels(data), times), data.name
    if given.get("window") not in (None, window):
        raise AekitError(f"--window {given['window']}: the model was trained on windows of "
                         f"{window} steps")
    data = load_source(spec, options, window=None, stride=None, label_column=labels)
    stride = given.get("stride") or loaded.data_config.stride or 1  # default: as in training
    found = detection.score_series(detector, data.x, anomaly_labels(data), window, stride,
                                   times, data.name)
    found.channels = data.features
    return found, data.name


def detect_default(spec: str | None, train_spec: str | None, given: dict[str, Any], *,
                   device: str, **params: float) -> tuple[detection.Detection, str, str]:
    """The default detector fitted on `train_spec` (default: `spec` itself) scores `spec`;
    `params`: its contamination and threshold where given."""
    if spec is None:
        raise AekitError("--data: required without RUN (the table to score)")
    options = DataConfig(limit=given.get("limit"),
                         **{k: v for k, v in given.items() if k in DEFAULT_READING})
    data = load_source(spec, options)
    train = None if train_spec is None else load_source(train_spec, options)
    found = detection.fit_and_score(data, train, device, **params)
    return found, data.name, train.name if train else data.name
