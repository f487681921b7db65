"""The default anomaly detector on images: `AnomalyDetector()` with no options on
(N, channels, height, width) arrays trains the strided conv autoencoder of
`detect/image.py` and scores with the whitened code-space neighbour distance."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from PIL import Image
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

from aekit.cli.main import main
from aekit.detect.detector import AnomalyDetector
from aekit.detect.image import image_plan


@pytest.mark.parametrize(("shape", "channels", "code"), [
    ((1, 28, 28), (32, 64, 64), 32),  # 28 -> 14 -> 7 -> 4
    ((3, 8, 8), (32, 64), 32),  # 8 -> 4 -> 2: a third step would see a 2-wide map
    ((1, 3, 5), (32,), 3),  # code pixels // 4: narrower than the 15 inputs
])
def test_image_plan_fits_the_image(shape, channels, code) -> None:
    plan = image_plan(np.zeros((100, *shape)))
    assert plan.params["options"]["channels"] == channels
    assert plan.params["hidden"] == (code,)
    assert plan.score == "knn"


def _blank(n: int) -> np.ndarray:
    return np.broadcast_to(np.uint8(0), (n, 1, 28, 28))  # no memory behind it


def test_image_plan_rule_for_size_and_pixel_range() -> None:
    assert image_plan(np.zeros((10, 1, 2, 2))) is None  # no conv step fits a 2x2 image
    assert image_plan(_blank(6000)).params["epochs"] == 15
    assert image_plan(_blank(60000)).params["epochs"] == 5  # as many as make 3,000 steps
    options = image_plan(np.full((10, 1, 8, 8), 255, np.uint8)).params["options"]
    assert (options["output"], options["loss"]) == ("sigmoid", "bce")
    options = image_plan(np.full((10, 1, 8, 8), -0.5)).params["options"]
    assert (options["output"], options["loss"]) == ("none", "mse")  # not intensities


@pytest.fixture(scope="module")
def digit_three(mnist) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """1,000 training 3s as 8-bit pixels; 2,000 test images, "not a 3" the anomaly."""
    x_train = mnist["x_train"][mnist["y_train"] == 3][:1000]
    return ((x_train * 255).round().astype(np.uint8), mnist["x_test"][:2000],
            (mnist["y_test"][:2000] != 3).astype(int))


def test_image_default_is_the_conv_knn_plan_on_8bit_pixels(digit_three) -> None:
    """On 8-bit pixels the default detector scales by 255 and trains exactly the stated plan:
    its scores match the explicit conv detector's with the `knn` score on [0, 1] pixels."""
    x_train, x_test, _ = digit_three
    default = AnomalyDetector().fit(x_train)
    params = image_plan(x_train).params
    explicit = AnomalyDetector(**params, anomaly_score="knn").fit(x_train / 255.0)
    assert default.detector_.model_.config.arch == "conv"
    assert default.detector_.model_.config.part_options("arch").channels == (32, 64, 64)
    np.testing.assert_allclose(default.anomaly_scores(x_test * 255),
                               explicit.anomaly_scores(x_test), rtol=1e-3)


def test_image_default_beats_forest_and_dense_error(digit_three) -> None:
    """One-class MNIST (digit 3, 1,000 images): measured 0.895 against IsolationForest's
    0.815 and a dense autoencoder's reconstruction error 0.846."""
    x_train, x_test, y = digit_three
    ours = roc_auc_score(y, AnomalyDetector().fit(x_train).anomaly_scores(x_test * 255))
    flat_train, flat_test = x_train.reshape(1000, -1) / 255.0, x_test.reshape(2000, -1)
    forest = IsolationForest(random_state=0).fit(flat_train)
    dense = AnomalyDetector(anomaly_score="mse").fit(flat_train)
    assert ours > roc_auc_score(y, -forest.score_samples(flat_test)) + 0.05
    assert ours > roc_auc_score(y, dense.anomaly_scores(flat_test)) + 0.02


def test_detect_without_a_run_uses_the_image_default(tmp_path, mnist, capsys) -> None:
    """`aekit detect --data IMAGES.npz --label-column y` keeps the images' layout, so the
    conv default scores them: 1s are normal, other digits the anomalies."""
    ones = mnist["x_train"][mnist["y_train"] == 1][:600]
    others = mnist["x_train"][mnist["y_train"] != 1][:30]
    x = (np.concatenate([ones, others])[:, 0] * 255).astype(np.uint8)
    y = np.r_[np.zeros(len(ones)), np.ones(len(others))].astype(np.int64)
    path = tmp_path / "digits.npz"
    np.savez(path, x=x, y=y)
    capsys.readouterr()
    assert main(["detect", "--data", str(path), "--label-column", "y",
                 "--out", str(tmp_path / "scores.csv")]) == 0
    assert json.loads(capsys.readouterr().out)["roc_auc"] > 0.95


def test_detect_refuses_images_fitted_on_a_table(tmp_path, mnist, capsys) -> None:
    """`--train` of another layout than `--data` gets one line naming both layouts."""
    images = tmp_path / "images.npz"
    np.savez(images, x=(mnist["x_train"][:50, 0] * 255).astype(np.uint8))
    table = tmp_path / "table.npz"
    np.savez(table, X=mnist["x_train"][:50].reshape(50, -1).astype(np.float64))
    capsys.readouterr()
    assert main(["detect", "--data", str(images), "--train", str(table),
                 "--out", str(tmp_path / "scores.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "--train: " in err[0] and "has 784 features, --data" in err[0]
    assert err[0].endswith("has images of 1x28x28")
    assert not (tmp_path / "scores.csv").exists()


@pytest.mark.parametrize("classes", [("normal", "anomaly"), ("0", "1")])
def test_detect_on_an_image_folder_names_files_and_labels_by_class_folder(tmp_path, mnist,
                                                                          capsys, classes):
    """PNGs of MNIST 1s in `normal/` (or `0/`) and other digits in `anomaly/` (or `1/`):
    scores.csv has each image's path in the folder, the class folders give 0/1 labels (normal
    is 0 whatever the sorted order), and the metrics follow."""
    ones = mnist["x_train"][mnist["y_train"] == 1][:300]
    others = mnist["x_train"][mnist["y_train"] != 1][:15]
    root = tmp_path / "images"
    for name, images in zip(classes, (ones, others), strict=True):
        (root / name).mkdir(parents=True)
        for i, image in enumerate(images):
            Image.fromarray((image[0] * 255).astype(np.uint8)).save(root / name / f"{i:03d}.png")
    out = tmp_path / "scores.csv"
    capsys.readouterr()
    assert main(["detect", "--data", str(root), "--out", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == 315 and result["n_anomalies"] == 15
    assert result["roc_auc"] > 0.9
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["path", "score", "flag", "label"]
    by_path = {row["path"]: row["label"] for row in rows}
    assert by_path[f"{classes[0]}/000.png"] == "0" and by_path[f"{classes[1]}/014.png"] == "1"
    assert len(by_path) == 315
