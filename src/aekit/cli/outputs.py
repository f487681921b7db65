"""What a command writes may not be what it reads: every output flag is compared with every
input by resolved path (symbolic links, `./` and `..` spellings, hard links), before anything
is read or written, for every sub-command alike.

An output is refused when it is an input; when it lies inside an input folder of data (a folder
of images would read it back as data); or when it is one of the files aekit wrote into an input
run (its config, weights, checkpoints), which the run needs to stay readable.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from aekit.errors import AekitError
from aekit.runs.lock import read_manifest

INPUTS = {"data": "--data", "train": "--train", "test_data": "--test-data",
          "data_dir": "--data-dir"}
RUN_INPUTS = {"run": "RUN", "resume": "--resume"}
OUTPUTS = {"out": "--out", "noisy_out": "--noisy-out", "figure": "--figure", "npy": "--npy"}


def check_outputs(args: argparse.Namespace) -> None:
    """Raise when an output flag of `args` names one of its inputs (see the module)."""
    outputs = [(flag, Path(value)) for name, flag in OUTPUTS.items()
               if (value := getattr(args, name, None))]
    if not outputs:
        return
    data = [(flag, Path(value)) for name, flag in INPUTS.items()
            if (value := getattr(args, name, None)) and os.path.exists(value)]
    runs = [(flag, Path(value)) for name, flag in RUN_INPUTS.items()
            if (value := getattr(args, name, None)) and os.path.isdir(value)]
    for out_flag, out in outputs:
        for in_flag, given in data + runs:
            if _same(out, given):
                raise AekitError(f"{out_flag} {out}: is the input {in_flag} {given}; write the "
                                 "output to another path")
        for in_flag, folder in data:
            if folder.is_dir() and in_flag != "--data-dir" and _inside(out, folder):
                raise AekitError(f"{out_flag} {out}: is inside the input folder {in_flag} "
                                 f"{folder}, which would read it as data; write it elsewhere")
        for in_flag, run in runs:
            owned = read_manifest(run) or ()
            if any(_same(out, run / name) for name in owned):
                raise AekitError(f"{out_flag} {out}: is a file of the input run {in_flag} "
                                 f"{run}; write the output to another path")


def _same(a: Path, b: Path) -> bool:
    """Whether two spellings name one file: the same inode, or the same resolved path."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one does not exist yet
        return a.resolve() == b.resolve()


def _inside(path: Path, folder: Path) -> bool:
    return folder.resolve() in path.resolve().parents
