"""Who may write a run directory, and what `--overwrite` may delete.

One writer at a time: every command that writes into a run takes an exclusive `flock` on
`RUN/.aekit.lock`; the OS drops it when the process ends, however it ends, so a crashed run
never blocks the next. The lock is re-entrant within a process (training writes the report,
which takes it again).

Only what aekit wrote is ever deleted: while the lock is held, every atomic write into the run
is recorded in `RUN/.aekit-manifest.json`. `--overwrite` deletes the files listed there and
nothing else, and refuses a non-empty folder without a manifest (not an aekit run) or a run
whose entries are symbolic links (aekit neither writes nor deletes through links).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from aekit.errors import AekitError
from aekit.io import atomic_write_json, observe_writes

LOCK = ".aekit.lock"
MANIFEST = ".aekit-manifest.json"
MANIFEST_FORMAT = "aekit-manifest/1"
OWN_DIRS = ("figures", "checkpoints", "tensorboard")  # folders of a run that aekit fills
TOP_FILES = ("config.json", "model.safetensors", "metrics.json", "report.html",
             "detector.safetensors")
MAX_MANIFEST_BYTES = 10 * 2**20

_held: dict[Path, list] = {}  # resolved run dir -> [lock fd, depth, recorded relative paths]


def _key(run_dir: Path) -> Path:
    return Path(os.path.realpath(run_dir))


@contextlib.contextmanager
def locked(run_dir: str | Path, overwrite: bool | None = None) -> Iterator[Path]:
    """Hold the run's writer lock (creating the folder); a second process is refused.

    With `overwrite` given, a new run goes into the folder: an existing run in it is refused
    unless `overwrite`, and then only what aekit wrote there is deleted (`clear`).
    """
    run_dir = Path(run_dir)
    if overwrite is not None and run_dir.exists() and not run_dir.is_dir():
        raise AekitError(f"--out: {run_dir} exists and is not a directory")
    if overwrite is not None:
        check_not_nested(run_dir)
    with _hold(run_dir):
        if overwrite is not None:
            clear(run_dir, overwrite)
        yield run_dir


@contextlib.contextmanager
def _hold(run_dir: Path) -> Iterator[Path]:
    """The flock itself, re-entrant within this process."""
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise AekitError(f"{run_dir}: exists and is not a directory") from None
    key = _key(run_dir)
    if key in _held:
        _held[key][1] += 1
        try:
            yield run_dir
        finally:
            _held[key][1] -= 1
        return
    check_links(run_dir)
    created = not (key / LOCK).exists()
    fd = os.open(key / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        raise AekitError(f"{run_dir}: another aekit process{f' (pid {holder})' if holder else ''}"
                         " is writing this run directory; wait for it to finish, or choose "
                         "another --out") from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _held[key] = [fd, 1, set(read_manifest(run_dir) or ())]
    except BaseException:
        os.close(fd)
        raise
    try:
        yield run_dir
    except AekitError:
        if created and not (key / MANIFEST).exists():  # refused before writing: leave no trace
            (key / LOCK).unlink(missing_ok=True)
        raise
    finally:
        _held.pop(key)
        os.close(fd)  # closing the descriptor releases the flock


def _holder(fd: int) -> str:
    """The pid the lock's holder wrote (it may not have written it yet: wait a moment)."""
    for _ in range(20):
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        if text.isdigit():
            return text
        time.sleep(0.01)
    return ""


def check_not_nested(run_dir: Path) -> None:
    """A new run may not go inside another run: `--overwrite` of the outer one would leave it
    alone while its report showed the inner one's figures, and each would hold the other's
    files."""
    for parent in Path(run_dir).resolve().parents:
        if (parent / MANIFEST).is_file():
            raise AekitError(f"--out: {run_dir} is inside the run {parent}; write the new run "
                             "beside it, not in it")


def check_links(run_dir: Path) -> None:
    """Refuse a run whose entries (or the files in its own folders) are symbolic links."""
    for name in (*OWN_DIRS, *TOP_FILES, LOCK, MANIFEST):
        entry = run_dir / name
        if entry.is_symlink():
            raise AekitError(f"{entry}: is a symbolic link; aekit does not read or write "
                             "through links inside a run directory (replace it with a real "
                             "file or folder)")
        if name in OWN_DIRS and entry.is_dir():
            for child in entry.iterdir():
                if child.is_symlink():
                    raise AekitError(f"{child}: is a symbolic link; aekit does not read or "
                                     "write through links inside a run directory")


def read_manifest(run_dir: Path) -> list[str] | None:
    """The relative paths aekit wrote into `run_dir`, or None when it has no manifest."""
    path = run_dir / MANIFEST
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_MANIFEST_BYTES:
        raise AekitError(f"{path}: not a regular file of a plausible size")
    try:
        manifest = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise AekitError(f"{path}: not a valid aekit manifest ({type(exc).__name__})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise AekitError(f"{path}: not an aekit manifest (expected format {MANIFEST_FORMAT!r})")
    files = manifest.get("files")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise AekitError(f"{path}: 'files' must be a list of relative paths")
    return files


def _record(path: Path) -> None:
    for key, held in _held.items():
        try:
            rel = path.relative_to(key)
        except ValueError:
            continue
        name = rel.as_posix()
        if name in (MANIFEST, LOCK) or name in held[2]:
            return
        held[2].add(name)
        atomic_write_json(key / MANIFEST, {"format": MANIFEST_FORMAT,
                                           "files": sorted(held[2])})
        return


observe_writes(_record)


def claim_tree(run_dir: Path, folder: str) -> None:
    """Record the files aekit wrote into `folder` without the atomic writer (TensorBoard's)."""
    key = _key(run_dir)
    if key in _held and (key / folder).is_dir() and not (key / folder).is_symlink():
        for path in sorted((key / folder).rglob("*")):
            if path.is_file() and not path.is_symlink():
                _record(path)


def _ownable(name: str) -> bool:
    """Only a run's own files can be listed: a crafted manifest cannot aim anywhere else."""
    parts = Path(name).parts
    if not parts or Path(name).is_absolute() or ".." in parts:
        return False
    return parts[0] in OWN_DIRS if len(parts) > 1 else parts[0] in TOP_FILES


def clear(run_dir: Path, overwrite: bool) -> None:
    """Make a locked run directory ready for a new run: empty already, or (with `overwrite`)
    an aekit run whose recorded files are deleted, leaving everything else where it is."""
    others = [p for p in run_dir.iterdir() if p.name not in (LOCK, MANIFEST)]
    if not others:
        return
    if not overwrite:
        raise AekitError(f"--out: {run_dir} already exists and is not empty; pass --overwrite "
                         "to replace the run in it, or --resume to continue it")
    files = read_manifest(run_dir)
    if files is None:
        raise AekitError(f"--out: {run_dir} is not an aekit run directory (no {MANIFEST}); "
                         "--overwrite replaces only runs that aekit wrote, so nothing was "
                         "deleted: choose an empty or new --out")
    check_links(run_dir)
    for name in files:
        if not _ownable(name):
            raise AekitError(f"{run_dir / MANIFEST}: lists {name!r}, which is not a file of an "
                             "aekit run; nothing was deleted")
    for name in files:
        _unlink_inside(run_dir, name)
    for folder in OWN_DIRS:
        _remove_if_empty(run_dir / folder)
    _held[_key(run_dir)][2] = set()
    (run_dir / MANIFEST).unlink(missing_ok=True)


def _unlink_inside(run_dir: Path, name: str) -> None:
    """Unlink RUN/name when every component is a real folder and the file a real file."""
    here = run_dir
    for part in Path(name).parts[:-1]:
        here = here / part
        if here.is_symlink() or not here.is_dir():
            return
    target = here / Path(name).name
    try:
        if stat.S_ISREG(os.lstat(target).st_mode):
            target.unlink()
    except FileNotFoundError:
        pass


def _remove_if_empty(folder: Path) -> None:
    if folder.is_symlink() or not folder.is_dir():
        return
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            _remove_if_empty(child)
    with contextlib.suppress(OSError):
        folder.rmdir()  # fails, as it should, while anything of the user's is left inside
