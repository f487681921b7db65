"""A folder of PNG/JPEG images as one uint8 array, with labels from class sub-folders.

`folder/*.png` gives unlabelled images; `folder/CLASS/*.png` (torchvision's ImageFolder layout)
gives labels numbered by sorted class name. Sizes must agree unless `image_size` resizes them;
an unreadable or odd-sized file is named in the error, never skipped silently. Images over
PIL's pixel limit are refused from their header, before decoding; 16-bit grayscale PNGs keep
their 16 bits (as float32 in [0, 1]). Arrays of images from any source are brought to
(N, C, H, W) here, their full scale (what maps to 1) is read from their dtype and range, and
they are tiled into one picture (`tile`) for every figure and TensorBoard image.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from aekit.errors import AekitError, one_line

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


def image_full_scale(x: np.ndarray) -> float:
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


def tile(images: np.ndarray, n_cols: int, gap: int = 0, margin: int = 0, fill: float = 0.0
         ) -> np.ndarray:
    """Images (n, C, H, W) in [0, 1] as one (C, H', W') picture, `n_cols` per row, row-major,
    `gap` pixels between them and `margin` around them, all of value `fill`; values are
    clipped to [0, 1]."""
    n, channels, h, w = images.shape
    n_rows = -(-n // n_cols)
    canvas = np.full((channels, n_rows * (h + gap) - gap + 2 * margin,
                      n_cols * (w + gap) - gap + 2 * margin), fill)
    for i, image in enumerate(np.clip(images, 0, 1)):
        r, c = divmod(i, n_cols)
        top, left = margin + r * (h + gap), margin + c * (w + gap)
        canvas[:, top:top + h, left:left + w] = image
    return canvas


ANOMALY_CLASSES = ({"normal": 0, "anomaly": 1}, {"0": 0, "1": 1})
"""Class sub-folder names that are anomaly labels (0 = normal, 1 = anomaly), whatever their
sorted order; any other classes are numbered by sorted name."""


def _anomaly_numbers(names: set[str]) -> dict[str, int] | None:
    return next((numbers for numbers in ANOMALY_CLASSES if names == set(numbers)), None)


def anomaly_classes(folder: Path) -> bool:
    """Whether the folder's class sub-folders are named as anomaly labels (`ANOMALY_CLASSES`)."""
    return _anomaly_numbers({p.name for p in folder.iterdir() if p.is_dir()}) is not None


def _class_numbers(classes: list[Path]) -> list[int]:
    numbers = _anomaly_numbers({p.name for p in classes})
    return [numbers[p.name] for p in classes] if numbers else list(range(len(classes)))


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
    for number, sub in zip(_class_numbers(classes), classes, strict=True):
        found = images_in(sub)
        files += found
        labels += [number] * len(found)
    if not files:
        raise AekitError(f"{folder}: class sub-folders hold no {'/'.join(SUFFIXES)} images")
    return files, labels


SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I")  # 16-bit grayscale PNGs, kept at 16 bits


def check_image_size(image_size: int | None) -> None:
    """--image-size within the pixel limit PIL itself applies to decoded images."""
    from PIL import Image

    limit = Image.MAX_IMAGE_PIXELS or 2**31
    if image_size is not None and image_size * image_size > limit:
        raise AekitError(f"--image-size {image_size}: {image_size}x{image_size} pixels is over "
                         f"the {limit:,}-pixel decoding limit; choose at most "
                         f"{int(limit ** 0.5)}")


def open_image(path: Path) -> Any:
    """An image decoded in full, or a one-line error: unreadable, truncated, or over PIL's
    pixel limit (a forged header claiming a huge size is refused before decoding)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.load()
                return image.copy()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise AekitError(f"{path}: over the decoding pixel limit ({one_line(exc, 120)})"
                         ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise AekitError(f"{path}: not a readable image ({one_line(exc, 120)})") from None


def as_array(image: Any, mode: str, image_size: int | None) -> np.ndarray:
    """uint8 pixels in `mode` (L or RGB); 16-bit grayscale as float32 in [0, 1] (mode I16),
    so its 65,536 levels are kept rather than cut to 256."""
    from PIL import Image

    if image_size:
        image = image.resize((image_size, image_size), Image.Resampling.BILINEAR)
    if mode == "I16":
        if image.mode in SIXTEEN_BIT:
            return np.asarray(image, dtype=np.float32) / 65535.0
        return np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    return np.asarray(image.convert(mode), dtype=np.uint8)


def common_mode(modes: set[str]) -> str:
    if modes <= {"1", "L", *SIXTEEN_BIT}:
        return "I16" if modes & set(SIXTEEN_BIT) else "L"
    return "RGB"


def read_image_folder(folder: Path, image_size: int | None = None,
                      max_bytes: float | None = None
                      ) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """(N, H, W) grayscale or (N, H, W, 3) colour images (uint8; 16-bit grayscale as float32 in
    [0, 1]), labels or None, and each image's path relative to `folder`. Every header is read
    first (sizes, modes) and the float32 size is checked before any image is decoded, so one
    forged header costs no memory."""
    files, labels, mode = scan_image_folder(folder, image_size)
    if max_bytes is not None and folder_nbytes_float32(folder, image_size) > max_bytes:
        raise AekitError(f"{folder}: the images need "
                         f"{folder_nbytes_float32(folder, image_size) / 2**30:.2f} GiB as "
                         f"float32, more than the {max_bytes / 2**30:.2f} GiB allowed "
                         "(--max-memory); use --image-size or stream them (--stream)")
    arrays = [as_array(open_image(path), mode, image_size) for path in files]
    return np.stack(arrays), labels, [path.relative_to(folder).as_posix() for path in files]


def scan_image_folder(folder: Path, image_size: int | None = None
                      ) -> tuple[list[Path], np.ndarray | None, str]:
    """Files, labels and the common mode (L or RGB) from the image headers alone, with the same
    checks as `read_image_folder`, for sources that decode each image only when it is used."""
    from PIL import Image, UnidentifiedImageError

    check_image_size(image_size)
    files, labels = _image_files(folder)
    modes, first = set(), None
    for path in files:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(path) as image:
                    modes.add(image.mode)
                    size = image.size
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise AekitError(f"{path}: over the decoding pixel limit ({one_line(exc, 120)})"
                             ) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise AekitError(f"{path}: not a readable image ({one_line(exc, 120)})") from None
        first = first or size
        if not image_size and size != first:
            raise AekitError(f"{path}: size {size[0]}x{size[1]} differs from {files[0].name}'s "
                             f"{first[0]}x{first[1]}; pass --image-size N to resize all "
                             "images to N x N")
    mode = common_mode(modes)
    return files, None if labels is None else np.asarray(labels, np.int64), mode


def folder_nbytes_float32(folder: Path, image_size: int | None = None) -> int:
    """Estimated float32 bytes of a folder's images, from the first image's size and bands."""
    from PIL import Image, UnidentifiedImageError

    files, _ = _image_files(folder)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(files[0]) as image:
                width, height = (image_size, image_size) if image_size else image.size
                bands = 1 if image.mode in ("1", "L", *SIXTEEN_BIT) else 3
    except Image.DecompressionBombError as exc:
        raise AekitError(f"{files[0]}: over the decoding pixel limit ({one_line(exc, 120)})"
                         ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise AekitError(f"{files[0]}: not a readable image ({one_line(exc, 120)})") from None
    return len(files) * width * height * bands * 4
