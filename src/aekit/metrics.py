"""Figures of merit computed the same way for every model and every baseline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from aekit.model import Autoencoder


@torch.inference_mode()
def infer(model: torch.nn.Module, x: np.ndarray,
          step: Callable[[torch.Tensor], torch.Tensor], batch_size: int = 4096) -> np.ndarray:
    """`step` over `x` in large eval-mode batches on the model's device and in its dtype, as one
    numpy array."""
    param = next(model.parameters())
    model.eval()
    starts = range(0, len(x), batch_size) if len(x) else [0]  # an empty x still gives a shape
    return np.concatenate([step(torch.as_tensor(x[i:i + batch_size], dtype=param.dtype,
                                                 device=param.device)).cpu().numpy()
                           for i in starts])


def reconstruct(model: Autoencoder, x: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """Reconstructions in eval mode, in the model's (scaled) units."""
    return infer(model, x, lambda xb: model(xb).recon, batch_size)


def encode(model: Autoencoder, x: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """Codes in eval mode, as float32."""
    return infer(model, x, model.encode, batch_size).astype(np.float32)


@torch.inference_mode()
def loss_terms(model: Autoencoder, x: np.ndarray | torch.Tensor | Any, batch_size: int = 4096
               ) -> dict[str, float]:
    """Sample-weighted mean of the model's loss and each of its terms, in eval mode.

    `x` may also be streamed data: an object whose `sequential(batch_size)` yields batches.
    """
    device = next(model.parameters()).device
    if hasattr(x, "sequential"):
        batches = x.sequential(batch_size)
    else:
        x = torch.as_tensor(x, dtype=torch.float32, device=device)
        batches = (x[i:i + batch_size] for i in range(0, len(x), batch_size))
    was_training = model.training
    model.eval()
    sums: dict[str, torch.Tensor] = {}
    n = 0
    for xb in batches:
        out = model(xb)
        n += len(xb)
        for name, value in {"loss": out.loss, **out.terms}.items():
            sums[name] = sums.get(name, 0) + value * len(xb)
    model.train(was_training)
    return {name: float(total) / max(n, 1) for name, total in sums.items()}


def recon_errors(x: np.ndarray, recon: np.ndarray) -> dict[str, float | None]:
    """Element-mean MSE, and BCE when the data lie in [0, 1] (else None: BCE is undefined)."""
    x64, r64 = x.astype(np.float64), recon.astype(np.float64)
    mse = float(np.mean((x64 - r64) ** 2))
    bce = None
    if x.min() >= 0 and x.max() <= 1:
        r = np.clip(r64, 1e-7, 1 - 1e-7)
        bce = float(np.mean(-(x64 * np.log(r) + (1 - x64) * np.log(1 - r))))
    return {"mse": mse, "bce": bce}


def pca_mse(x_fit: np.ndarray, x_eval: np.ndarray, n_components: int) -> float | None:
    """Test MSE of PCA with `n_components`, fitted on `x_fit`: the linear baseline to beat."""
    from sklearn.decomposition import PCA

    flat_fit, flat_eval = x_fit.reshape(len(x_fit), -1), x_eval.reshape(len(x_eval), -1)
    if n_components >= min(flat_fit.shape) or len(flat_eval) == 0:
        return None
    pca = PCA(n_components=n_components, random_state=0).fit(flat_fit)
    recon = pca.inverse_transform(pca.transform(flat_eval))
    return float(np.mean((flat_eval.astype(np.float64) - recon) ** 2))


def nn1_accuracy(train_codes: np.ndarray, train_labels: np.ndarray, test_codes: np.ndarray,
                 test_labels: np.ndarray) -> float:
    """Accuracy of 1-nearest-neighbour (Euclidean) labels: how well codes keep the classes apart."""
    a, b = train_codes.reshape(len(train_codes), -1), test_codes.reshape(len(test_codes), -1)
    distances = (b**2).sum(1)[:, None] - 2 * b @ a.T + (a**2).sum(1)[None, :]
    return float((train_labels[distances.argmin(1)] == test_labels).mean())


def detection_metrics(labels: np.ndarray, scores: np.ndarray) -> dict[str, float | None]:
    """ROC-AUC, average precision and the best F1 over all thresholds of anomaly `scores`
    (higher = more anomalous) against 0/1 `labels`; None where one class is missing."""
    from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

    if len(np.unique(labels)) < 2:
        return {"roc_auc": None, "average_precision": None, "best_f1": None}
    precision, recall, _ = precision_recall_curve(labels, scores)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return {"roc_auc": float(roc_auc_score(labels, scores)),
            "average_precision": float(average_precision_score(labels, scores)),
            "best_f1": float(f1.max())}


def flag_metrics(labels: np.ndarray, flags: np.ndarray) -> dict[str, float]:
    """Precision, recall and F1 of 0/1 `flags` against 0/1 `labels`."""
    from sklearn.metrics import precision_recall_fscore_support

    precision, recall, f1, _ = precision_recall_fscore_support(
        labels, flags, average="binary", zero_division=0)
    return {"precision": float(precision), "recall": float(recall), "f1": float(f1)}
