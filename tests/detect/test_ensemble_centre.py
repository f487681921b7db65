"""The default detector's distance-from-centre view: each column's median and interquartile
range on the training rows, which the anomalies among those rows and heavy tails move less
than a mean and std."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from aekit.detect.ensemble import IQR_PER_STD, Centre


def test_centre_is_each_columns_median_and_quartile_range(data_dir) -> None:
    with np.load(data_dir / "adbench" / "7_Cardiotocography.npz", allow_pickle=False) as f:
        x = f["X"].astype(np.float64)
    centre = Centre.fit(x)
    low, high = np.percentile(x, [25, 75], axis=0)
    np.testing.assert_array_equal(centre.median, np.median(x, axis=0))
    quartiles_meet = high == low  # columns that are mostly one value keep unit 1
    assert quartiles_meet.any() and not quartiles_meet.all()
    np.testing.assert_allclose(centre.scale[~quartiles_meet],
                               (high - low)[~quartiles_meet] / IQR_PER_STD)
    assert (centre.scale[quartiles_meet] == 1).all()
    z = (x[:3] - centre.median) / centre.scale
    np.testing.assert_allclose(centre.distance(x[:3]), np.log1p(z ** 2).mean(1))


def test_robust_centre_ranks_spam_above_the_mean_centre(data_dir) -> None:
    """SpamBase's anomalies are 40% of its rows, and its word frequencies are heavy-tailed:
    the mean and std follow the spam, the median and quartiles stay with the bulk. Fitted on
    every row, as the detector is, the robust view alone ranks the spam far better (measured
    0.717 against 0.588)."""
    with np.load(data_dir / "adbench" / "35_SpamBase.npz", allow_pickle=False) as f:
        x, y = f["X"].astype(np.float64), f["y"].astype(np.int64)
    std = x.std(0)
    z = (x - x.mean(0)) / np.where(std > 0, std, 1.0)
    mean_centre = roc_auc_score(y, np.log1p(z ** 2).mean(1))
    robust_centre = roc_auc_score(y, Centre.fit(z).distance(z))
    assert robust_centre > mean_centre + 0.08, (robust_centre, mean_centre)
