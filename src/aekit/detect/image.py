"""The default anomaly detector for images: one strided conv autoencoder scored by the whitened
distance of its code to the nearest training codes (`knn`).

Why this shape (measured on one-class MNIST, `benchmarks/anomaly_mnist.py`):
- a conv encoder keeps what a dense one on flat pixels loses, which strokes meet where; its
  code places digits of one class in a few tight clusters;
- the code-space neighbour score beats the reconstruction error: a conv decoder redraws an
  unseen digit nearly as well as a seen one, but the unseen digit's code lands away from every
  training code (0.982 against 0.945 for the conv's MSE, PCA-32 0.955);
- the tables' epoch rule (`ensemble.epochs_for`): 15 epochs, fewer on large sets.
The rule reads only the sample layout (channels, height, width), the number of images and
whether the pixels lie in [0, full scale]; nothing is chosen per data set. It trains and scores
as any reconstruction detector: only its parameters come from the rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from aekit.data.images import image_full_scale
from aekit.detect.ensemble import epochs_for
from aekit.detect.reconstruction import ReconstructionDetector
from aekit.parts.conv import next_size, step_fits

CHANNELS = (32, 64, 64)  # one stride-2 conv step each, as many as the image size allows
KERNEL = 3
CODE = 32
BATCH = 64
SCORE = "knn"


@dataclass(frozen=True)
class ImagePlan:
    """What the image default trains: estimator parameters (as a user would pass them) and
    the anomaly score."""

    params: dict[str, Any]
    score: str = SCORE


def image_plan(x: np.ndarray) -> ImagePlan | None:
    """The plan for images `x` of shape (N, channels, height, width), or None for images
    under 3 pixels wide (no conv step fits): stride-2 conv steps of 32, 64, 64 channels while
    the map is at least 3 wide, a code of min(32, pixels // 4);
    pixels within [0, full scale] get a sigmoid output and the cross-entropy loss (images
    as intensities), any others a linear output and the squared error."""
    sample = x.shape[1:]
    depth, size = 0, tuple(sample[1:])
    while depth < len(CHANNELS) and step_fits(size, KERNEL):
        depth, size = depth + 1, next_size(size, KERNEL, "stride")
    if depth == 0:
        return None
    full_scale = image_full_scale(x)
    intensities = bool(x.size) and float(x.min()) >= 0 and float(x.max()) <= full_scale
    options = {"channels": CHANNELS[:depth], "conv_mode": "stride", "kernel": KERNEL,
               "activation": "elu", "code_activation": "none",
               "output": "sigmoid" if intensities else "none",
               "loss": "bce" if intensities else "mse"}
    code = max(1, min(CODE, math.prod(sample) // 4))
    params = {"model": "conv", "hidden": (code,), "epochs": epochs_for(len(x), BATCH), "lr": 1e-3,
              "batch_size": BATCH, "options": options}
    return ImagePlan(params)


def image_detector(x: np.ndarray, **params: Any) -> ReconstructionDetector | None:
    """The image default for images `x` (N, channels, height, width): a reconstruction
    detector with the plan's parameters and score, and `params` (random_state, device,
    contamination, threshold, input_shape); None where no conv step fits."""
    plan = image_plan(x)
    return None if plan is None else ReconstructionDetector(**plan.params,
                                                            anomaly_score=plan.score, **params)
