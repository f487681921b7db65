"""`aekit evaluate`: a classifier run's accuracy and confusion matrix, or an autoencoder's
reconstruction errors and loss terms (and a VAE's -ELBO and NLL) on data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from aekit import metrics
from aekit.data.binarize import binarize
from aekit.errors import AekitError
from aekit.runs.inputs import labelled, scaled
from aekit.runs.kinds import SEMISUPERVISED
from aekit.runs.lock import locked
from aekit.runs.run import Run, load_run, run_kind
from aekit.tasks.classify import PretrainedClassifier, confusion_figure
from aekit.tasks.semisup import SemiSupervisedClassifier


def is_classifier(run_dir: str | Path) -> bool:
    return run_kind(run_dir).classifies


def classifier_metrics(run_dir: str | Path, spec: str | None, given: dict[str, Any]
                       ) -> dict[str, Any]:
    """Accuracy on `spec` (default: the training set's test split) and its confusion matrix,
    also drawn into the run's figures."""
    semisup = run_kind(run_dir) is SEMISUPERVISED
    clf = (SemiSupervisedClassifier if semisup else PretrainedClassifier).from_run(run_dir)
    x, y = labelled(load_run(run_dir), spec, given, "--data", given.get("limit"))
    with locked(run_dir):
        matrix = confusion_figure(clf, x, y, Path(run_dir) / "figures" / "confusion.png")
    return {"run": str(run_dir), "n": len(y), "accuracy": float(clf.score(x, y)),
            "confusion_matrix": matrix}


def reconstruction_metrics(loaded: Run, spec: str | None, given: dict[str, Any], *,
                           binarized: str | None, iw_samples: int, seed: int) -> dict[str, Any]:
    """Reconstruction errors and loss terms; for a VAE also -ELBO, IW NLL, KL per dimension
    and active units, on data binarised as asked (default: as the run was trained)."""
    data, x = scaled(loaded, spec, given)
    how = binarized or loaded.data_config.binarize
    if how not in (None, "none"):  # one seeded draw for static and dynamic runs: repeatable
        x = binarize(x, "threshold" if how == "threshold" else "static", seed)
    recon = metrics.reconstruct(loaded.model, x)
    result = {"run": str(loaded.path), "data": data.name, "n": len(x),
              **metrics.recon_errors(x, recon), **metrics.loss_terms(loaded.model, x)}
    if loaded.model.variational:
        if iw_samples < 1:
            raise AekitError(f"--iw-samples: must be >= 1, got {iw_samples}")
        result.update(binarize=None if how in (None, "none") else how,
                      **metrics.likelihood(loaded.model, np.asarray(x), iw_samples, seed))
    return result
