"""Image folders: real MNIST digits written as PNG read back exactly, with class labels, and
clear errors for mixed sizes, unreadable files and empty folders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import aekit
from aekit.cli.main import main
from aekit.errors import AekitError


@pytest.fixture(scope="module")
def digit_folder(tmp_path_factory: pytest.TempPathFactory, data_dir: Path
                 ) -> tuple[Path, np.ndarray, np.ndarray]:
    """60 MNIST test digits as PNG files in one sub-folder per class."""
    test = aekit.load_source("mnist:test", data_dir=data_dir, limit=60)
    pixels, labels = test.x[:, 0].astype(np.uint8), test.y
    root = tmp_path_factory.mktemp("digits")
    for i, (image, label) in enumerate(zip(pixels, labels, strict=True)):
        (root / f"class_{label}").mkdir(exist_ok=True)
        Image.fromarray(image).save(root / f"class_{label}" / f"{i:03d}.png")
    return root, pixels, labels


def test_folder_round_trips_pixels_and_labels(digit_folder: tuple[Path, np.ndarray, np.ndarray]
                                              ) -> None:
    root, pixels, labels = digit_folder
    data = aekit.load_source(str(root))
    assert data.x.shape == (60, 1, 28, 28) and data.kind == "image" and data.full_scale == 255
    order = np.argsort(labels, kind="stable")  # files are read class by class, then by name
    np.testing.assert_array_equal(data.x[:, 0], pixels[order])
    np.testing.assert_array_equal(data.y, np.searchsorted(np.unique(labels), labels[order]))
    assert data.paths[0].startswith("class_") and data.paths[0].endswith(".png")
    assert aekit.load_source(str(root), limit=5).paths == data.paths[:5]  # one per sample


def test_mixed_sizes_need_image_size(tmp_path: Path) -> None:
    Image.new("L", (28, 28)).save(tmp_path / "a.png")
    Image.new("RGB", (32, 30), color=(200, 10, 10)).save(tmp_path / "b.png")
    with pytest.raises(AekitError, match=r"b.png: size 32x30 differs from a.png's 28x28; "
                                         r"pass --image-size"):
        aekit.load_source(str(tmp_path))
    data = aekit.load_source(str(tmp_path), image_size=16)
    assert data.x.shape == (2, 3, 16, 16)  # one colour image makes the set RGB
    assert data.x[1, 0].mean() == pytest.approx(200, abs=1)


def test_unreadable_and_empty_folders_are_named(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(AekitError, match=r"empty: no .png/.jpg/.jpeg images"):
        aekit.load_source(str(empty))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(AekitError, match=r"x.png: not a readable image"):
        aekit.load_source(str(broken))


def test_cli_trains_on_a_folder(digit_folder: tuple[Path, np.ndarray, np.ndarray],
                                tmp_path: Path) -> None:
    root, _, _ = digit_folder
    out = tmp_path / "run"
    assert main(["train", "--data", str(root), "--hidden", "32,8", "--epochs", "2",
                 "--out", str(out), "--quiet", "--device", "cpu"]) == 0
    assert main(["encode", str(out), "--out", str(tmp_path / "codes.npy")]) == 0
    assert np.load(tmp_path / "codes.npy").shape == (60, 8)
