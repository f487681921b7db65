"""A reconstruction loss that survives contaminated training data.

Unsupervised anomaly detectors train on data that holds the anomalies they should find. With
a plain mean, the worst-reconstructed rows (most likely the anomalies) pull the hardest on the
weights, and the network learns to reconstruct them too. The trimmed loss leaves the worst
`TRIM_FRACTION` of each batch out of the gradient (ALTBI, 2024), so training fits the bulk.
Outside training (no gradient) it is the plain MSE, so reported losses stay comparable.
"""

from __future__ import annotations

import torch

from aekit.registry import register

TRIM_FRACTION = 0.1


@register("loss", "trimmed-mse")
def trimmed_mse(logits: torch.Tensor, recon: torch.Tensor, target: torch.Tensor
                ) -> torch.Tensor:
    """Mean squared error over the best-reconstructed 90% of the batch's rows."""
    per_row = (recon - target).pow(2).flatten(1).mean(1)
    if not torch.is_grad_enabled() or len(per_row) < 2:
        return per_row.mean()
    kept = max(1, round(len(per_row) * (1 - TRIM_FRACTION)))
    return per_row.topk(kept, largest=False, sorted=False).values.mean()
