"""The kinds of run a run directory can hold, and the one place a run's kind is read.

Every run is written and loaded the same way (`runs.finish`, `runs.run`); what differs by kind
is the config.json format, where the autoencoder sits in the weights, and whether the run
classifies. config.json names its kind (`"kind"`); a run written before that key existed gets
its kind inferred here from its format and keys, so old runs still load.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aekit.errors import AekitError

FORMAT = "aekit-run/1"
CLASSIFIER_FORMAT = "aekit-classifier/1"  # an encoder under a softmax head


@dataclass(frozen=True)
class RunKind:
    """What a run of this kind writes: its config.json `format`, the prefix of the
    autoencoder's tensors in model.safetensors (a classifier keeps its head beside them), and
    whether `aekit evaluate` gives accuracy instead of reconstruction errors."""

    name: str
    format: str
    autoencoder_prefix: str
    classifies: bool


AUTOENCODER = RunKind("autoencoder", FORMAT, "", classifies=False)
CLASSIFIER = RunKind("classifier", CLASSIFIER_FORMAT, "ae.", classifies=True)
SEMISUPERVISED = RunKind("semi-supervised", CLASSIFIER_FORMAT, "ae.", classifies=True)
KINDS = {kind.name: kind for kind in (AUTOENCODER, CLASSIFIER, SEMISUPERVISED)}
FORMATS = (FORMAT, CLASSIFIER_FORMAT)


def kind_of(config: dict[str, Any], path: Path) -> RunKind:
    """The kind a run's config.json (at `path`, already checked to have a known format) names,
    or, for a run written before runs named their kind, the one its format and keys imply."""
    if "kind" not in config:
        if config["format"] == FORMAT:
            return AUTOENCODER
        return SEMISUPERVISED if "semisup" in config else CLASSIFIER
    kind = KINDS.get(config["kind"]) if isinstance(config["kind"], str) else None
    if kind is None:
        raise AekitError(f"{path}: 'kind' must be one of {', '.join(map(repr, KINDS))}, got "
                         f"{config['kind']!r}")
    if kind.format != config["format"]:
        raise AekitError(f"{path}: a {kind.name} run has format {kind.format!r}, not "
                         f"{config['format']!r}")
    return kind
