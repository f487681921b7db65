"""The figures of the seed gallery, by name: what each seed system drew, made from a
reproduced run, its test data and a training sample; some also return numbers (a denoising
run's cleaned error, a code map's 1-NN accuracy, a few-label classifier's accuracy)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix

from aekit import metrics
from aekit.data.sources import Dataset
from aekit.report import features, plots
from aekit.runs.run import Run
from aekit.sampling import latent_grid, sample
from aekit.tasks.classify import PretrainedClassifier, few_labels
from aekit.tasks.denoise import denoise


@dataclass
class Context:
    """What the figure makers need: the run, the test data (raw and scaled) and a train sample."""

    run: Run
    test: Dataset
    x_test: np.ndarray
    x_train: np.ndarray
    y_train: np.ndarray | None
    quick: bool

    def to_unit(self, x: np.ndarray) -> np.ndarray:
        return self.run.scaling.to_unit(x)


def _reconstructions(ctx: Context, path: Path) -> dict[str, Any]:
    sample = ctx.x_test[:plots.SHOWN]
    rebuilt = metrics.reconstruct(ctx.run.model, sample)
    plots.reconstructions(ctx.to_unit(sample), ctx.to_unit(rebuilt), path,
                          f"{ctx.run.preset} on {ctx.test.name}")
    return {}


def _projection(ctx: Context, path: Path) -> dict[str, Any]:
    plots.projection(metrics.encode(ctx.run.model, ctx.x_test), path,
                     f"2-D codes of {ctx.test.name}")
    return {}


def _code_map(ctx: Context, path: Path) -> dict[str, Any]:
    codes = metrics.encode(ctx.run.model, ctx.x_test)
    plots.code_map(codes, ctx.test.y, path, f"2-D codes of {ctx.test.name}")
    return {"nn1_accuracy": metrics.nn1_accuracy(
        metrics.encode(ctx.run.model, ctx.x_train[:5000]), ctx.y_train[:5000], codes,
        ctx.test.y)}


def _denoise(ctx: Context, path: Path) -> dict[str, Any]:
    noisy, cleaned = denoise(ctx.run.model, ctx.x_test, ctx.run.model_config.noise)
    shown = [ctx.to_unit(a[:plots.SHOWN]) for a in (noisy, cleaned, ctx.x_test)]
    plots.denoised(*shown, path, f"{ctx.run.model_config.noise} on {ctx.test.name}")
    errors = metrics.recon_errors(ctx.x_test, cleaned)
    return {"noisy_mse": metrics.recon_errors(ctx.x_test, noisy)["mse"],
            "cleaned_mse": errors["mse"], "cleaned_bce": errors["bce"]}


def _features(ctx: Context, path: Path) -> dict[str, Any]:
    features.weight_grid(ctx.run.model, path)
    return {}


def _confusion(ctx: Context, path: Path) -> dict[str, Any]:
    idx = few_labels(ctx.y_train, 100, 0)
    options = {"epochs": 20 if ctx.quick else 200, "random_state": 0}
    tuned = PretrainedClassifier(ctx.run.model, **options).fit(ctx.x_train[idx], ctx.y_train[idx])
    scratch = PretrainedClassifier(ctx.run.model, from_scratch=True, **options).fit(
        ctx.x_train[idx], ctx.y_train[idx])
    matrix = confusion_matrix(ctx.test.y, tuned.predict(ctx.x_test), labels=tuned.classes_)
    plots.confusion(matrix, [str(c) for c in tuned.classes_], path)
    return {"labels": 100, "accuracy": float(tuned.score(ctx.x_test, ctx.test.y)),
            "scratch_accuracy": float(scratch.score(ctx.x_test, ctx.test.y))}


def _series(ctx: Context, path: Path) -> dict[str, Any]:
    sample = ctx.x_test[:4]
    plots.series_pairs(sample, metrics.reconstruct(ctx.run.model, sample), path,
                       f"{Path(ctx.test.name).name}: series (standardised), reconstructions")
    return {}


def _samples(ctx: Context, path: Path) -> dict[str, Any]:
    plots.image_grid(ctx.to_unit(sample(ctx.run.model, 60)), 10, path,
                     "60 digits decoded from prior draws")
    return {}


def _manifold(ctx: Context, path: Path) -> dict[str, Any]:
    plots.image_grid(ctx.to_unit(latent_grid(ctx.run.model, 15)), 15, path,
                     "decoded 2-D codes, quantiles 5%..95% of N(0, 1)")
    return {}


FIGURES: dict[str, Callable[[Context, Path], dict[str, Any]]] = {
    "reconstructions": _reconstructions, "projection": _projection, "map": _code_map,
    "denoise": _denoise, "features": _features, "confusion": _confusion, "series": _series,
    "samples": _samples, "manifold": _manifold,
}
