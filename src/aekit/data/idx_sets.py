"""The named IDX image sets (MNIST, Fashion-MNIST): where their files are looked for, their
checksums and mirrors, and the download into the user cache when no folder has them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from aekit.data import download
from aekit.errors import AekitError


@dataclass(frozen=True)
class IdxSet:
    folder: str
    mirrors: tuple[str, ...]
    splits: dict[str, tuple[str, str]]
    md5: dict[str, frozenset[str]]


# MD5s: of the gzip files as first published, and of their uncompressed content.
IDX_SETS = {
    "mnist": IdxSet(
        folder="mnist",
        mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/",
                 "https://storage.googleapis.com/cvdf-datasets/mnist/"),
        splits={"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")},
        md5={
            "train-images-idx3-ubyte": frozenset({"f68b3c2dcbeaaa9fbdd348bbdeb94873",
                                                  "6bbc9ace898e44ae57da46a324031adb"}),
            "train-labels-idx1-ubyte": frozenset({"d53e105ee54ea40749a09fcbcd1e9432",
                                                  "a25bea736e30d166cdddb491f175f624"}),
            "t10k-images-idx3-ubyte": frozenset({"9fb629c4189551a2d022fa330f9573f3",
                                                 "2646ac647ad5339dbf082846283269ea"}),
            "t10k-labels-idx1-ubyte": frozenset({"ec29112dd5afa0611ce80d1b7f02629c",
                                                 "27ae3e4e09519cfbb04c329615203637"}),
        },
    ),
    "fashion-mnist": IdxSet(
        folder="fashion-mnist",
        mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        splits={"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")},
        md5={
            "train-images-idx3-ubyte": frozenset({"8d4fb7e6c68d591d4c3dfef9ec88bf0d"}),
            "train-labels-idx1-ubyte": frozenset({"25c81989df183df01b3e8a0aad5dffbe"}),
            "t10k-images-idx3-ubyte": frozenset({"bef4ecab320f06d8554ea6380940ec79"}),
            "t10k-labels-idx1-ubyte": frozenset({"bb300cfdad3c16e7a12a480ee83cd310"}),
        },
    ),
}


def search_dirs(data_dir: str | Path | None) -> list[Path]:
    """Where known sets are looked for, in order: --data-dir, $AEKIT_DATA, the user cache."""
    dirs = [Path(data_dir)] if data_dir else []
    if os.environ.get("AEKIT_DATA"):
        dirs.append(Path(os.environ["AEKIT_DATA"]))
    return [*dirs, cache_dir()]


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "aekit"


def _split_files(name: str, split: str) -> tuple[str, str]:
    spec = IDX_SETS[name]
    if split not in spec.splits:
        raise AekitError(f"--data: {name} has splits {', '.join(spec.splits)}, got {split!r}")
    return spec.splits[split]


def locate(name: str, split: str, data_dir: str | Path | None) -> list[Path] | None:
    """A set's files in the first search dir (holding `mnist/`, or being it) with them all."""
    files = _split_files(name, split)
    folder = IDX_SETS[name].folder
    for base in search_dirs(data_dir):
        found = []
        home = base if base.name == folder else base / folder
        for stem in files:
            for candidate in (home / f"{stem}.gz", home / stem):
                if candidate.is_file():
                    found.append(candidate)
                    break
        if len(found) == len(files):
            return found
    return None


def ensure_files(name: str, split: str, data_dir: str | Path | None) -> list[Path]:
    """A known set's files, downloading into the first search dir when none has them."""
    found = locate(name, split, data_dir)
    if found is not None:
        return found
    spec = IDX_SETS[name]
    dest = search_dirs(data_dir)[0] / spec.folder
    try:
        return [download.fetch(f"{stem}.gz", set(spec.md5[stem]), list(spec.mirrors), dest)
                for stem in _split_files(name, split)]
    except AekitError as exc:
        where = ", ".join(str(d / spec.folder) for d in search_dirs(data_dir))
        reason = str(exc).split(": ", 2)[-1].split(";")[0]
        raise AekitError(f"{name}:{split}: not found in {where}, and the download failed "
                         f"({reason}); to use local files, pass --data-dir DIR or set "
                         f"AEKIT_DATA=DIR, where DIR holds {spec.folder}/ (or is it) with "
                         f"{', '.join(s + '.gz' for s in _split_files(name, split))}") from None
