"""A folder of PNG/JPEG images as one uint8 array, with labels from class sub-folders.

`folder/*.png` gives unlabelled images; `folder/CLASS/*.png` (torchvision's ImageFolder layout)
gives labels numbered by sorted class name. Sizes must agree unless `image_size` resizes them;
an unreadable or odd-sized file is named in the error, never skipped silently.
Arrays of images from any source are brought to (N, C, H, W) here, and their full scale (what
maps to 1) is read from their dtype and range.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from aekit.errors import AekitError

SUFFIXES = (".png", ".jpg", ".jpeg")


def image_layout(x: np.ndarray, path: Path) -> np.ndarray:
    """(N, C, H, W) from (N, H, W), channels-first or channels-last (N, H, W, C) arrays, or
    flat rows of a square image's pixels (N, S*S).

    The two spatial axes of a picture are usually equal and its channels fewer than its rows,
    so a square pair of axes marks the layout, else the shorter end axis is the channels;
    (N, 4, 4, 4) stays channels-first.
    """
    if x.ndim == 2:
        side = math.isqrt(x.shape[1])
        if side * side != x.shape[1]:
            raise AekitError(f"{path}: rows of {x.shape[1]} values are not square images; read "
                             "them as a table with --kind tabular, or save (N, H, W) arrays")
        return x.reshape(len(x), 1, side, side)
    if x.ndim == 3:
        return x[:, None]
    if x.ndim != 4:
        raise AekitError(f"{path}: images must be (N, H, W), (N, H, W, C) or (N, C, H, W), "
                         f"got shape {x.shape}")
    _, a, b, c = x.shape
    last = (a == b and c != b) or (not (b == c and a != b) and c < a)
    return np.ascontiguousarray(np.moveaxis(x, -1, 1)) if last else x


def image_full_scale(x: np.ndarray, path: Path) -> float:
    """The value that means full intensity, so images map into [0, 1] where a sigmoid output
    reaches: 255 for 8-bit data and for numbers in (1, 255], 1 for numbers in [0, 1], the
    dtype's maximum for wider integers, and the data's own maximum for larger floats (a model's
    linear-output reconstructions, say)."""
    if x.dtype == np.uint8:
        return 255.0
    top = float(np.nanmax(x)) if x.size else 1.0
    if top <= 1.0:
        return 1.0
    if top <= 255.0:
        return 255.0
    return float(np.iinfo(x.dtype).max) if x.dtype.kind in "ui" else top


def _image_files(folder: Path) -> tuple[list[Path], list[int] | None]:
    def images_in(path: Path) -> list[Path]:
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)

    direct = images_in(folder)
    classes = sorted(p for p in folder.iterdir() if p.is_dir())
    if direct or not classes:
        if not direct:
            raise AekitError(f"{folder}: no {'/'.join(SUFFIXES)} images in this folder or "
                             "its class sub-folders")
        return direct, None
    files: list[Path] = []
    labels: list[int] = []
    for index, sub in enumerate(classes):
        found = images_in(sub)
        files += found
        labels += [index] * len(found)
    if not files:
        raise AekitError(f"{folder}: class sub-folders hold no {'/'.join(SUFFIXES)} images")
    return files, labels


def read_image_folder(folder: Path, image_size: int | None = None
                      ) -> tuple[np.ndarray, np.ndarray | None]:
    """(N, H, W) grayscale or (N, H, W, 3) colour uint8 images, and labels or None."""
    from PIL import Image, UnidentifiedImageError

    files, labels = _image_files(folder)
    loaded = []
    for path in files:
        try:
            with Image.open(path) as image:
                image.load()
                loaded.append(image.copy())
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise AekitError(f"{path}: not a readable image ({exc})") from None
    mode = "L" if all(im.mode in ("1", "L", "I;16", "I") for im in loaded) else "RGB"
    arrays = []
    first = loaded[0].size
    for path, image in zip(files, loaded, strict=True):
        if image_size:
            image = image.resize((image_size, image_size), Image.Resampling.BILINEAR)
        elif image.size != first:
            raise AekitError(f"{path}: size {image.size[0]}x{image.size[1]} differs from "
                             f"{files[0].name}'s {first[0]}x{first[1]}; pass --image-size N "
                             "to resize all images to N x N")
        arrays.append(np.asarray(image.convert(mode), dtype=np.uint8))
    return np.stack(arrays), None if labels is None else np.asarray(labels, np.int64)


def scan_image_folder(folder: Path, image_size: int | None = None
                      ) -> tuple[list[Path], np.ndarray | None, str]:
    """Files, labels and the common mode (L or RGB) from the image headers alone, with the same
    checks as `read_image_folder`, for sources that decode each image only when it is used."""
    from PIL import Image, UnidentifiedImageError

    files, labels = _image_files(folder)
    modes, first = set(), None
    for path in files:
        try:
            with Image.open(path) as image:
                modes.add(image.mode)
                size = image.size
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise AekitError(f"{path}: not a readable image ({exc})") from None
        first = first or size
        if not image_size and size != first:
            raise AekitError(f"{path}: size {size[0]}x{size[1]} differs from {files[0].name}'s "
                             f"{first[0]}x{first[1]}; pass --image-size N to resize all "
                             "images to N x N")
    mode = "L" if modes <= {"1", "L", "I;16", "I"} else "RGB"
    return files, None if labels is None else np.asarray(labels, np.int64), mode


def folder_nbytes_float32(folder: Path, image_size: int | None = None) -> int:
    """Estimated float32 bytes of a folder's images, from the first image's size and bands."""
    from PIL import Image, UnidentifiedImageError

    files, _ = _image_files(folder)
    try:
        with Image.open(files[0]) as image:
            width, height = (image_size, image_size) if image_size else image.size
            bands = 1 if image.mode in ("1", "L", "I;16", "I") else 3
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise AekitError(f"{files[0]}: not a readable image ({exc})") from None
    return len(files) * width * height * bands * 4
