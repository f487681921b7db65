"""Atomic file writes: a temp file in the same folder, flushed, fsynced, then renamed.

An interruption therefore leaves the old file or the new one, never a partial one. A target
that exists must be a regular file (a device, FIFO or folder is refused, never replaced); a
symlinked target is followed, so the file it points to is the one replaced. A failing write
raises OSError naming the target, not the temp file. Observers (the run directory's manifest)
hear of every completed write.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aekit.errors import AekitError

_observers: list[Callable[[Path], None]] = []


def observe_writes(callback: Callable[[Path], None]) -> None:
    """Call `callback(path)` after each completed atomic write."""
    _observers.append(callback)


def write_target(path: str | Path) -> Path:
    """The path a write to `path` replaces: links followed, non-regular files refused."""
    path = Path(os.path.realpath(path))
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return path
    except NotADirectoryError:
        raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path)) from None
    if stat.S_ISDIR(mode):
        raise OSError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if not stat.S_ISREG(mode):
        raise OSError(errno.EINVAL, "not a regular file (a device, FIFO or socket); refusing "
                      "to replace it", str(path))
    return path


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call `write(tmp_path)` and move the result over `path` only once it is complete."""
    path = write_target(path)
    tmp_path: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:100]}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        tmp_path = Path(tmp)
        write(tmp_path)
        with open(tmp_path, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; users expect their umask
        os.replace(tmp_path, path)
    except OSError as exc:
        _discard(tmp_path)
        if exc.errno is None:
            raise
        raise OSError(exc.errno, exc.strerror or os.strerror(exc.errno), str(path)) from None
    except BaseException:
        _discard(tmp_path)
        raise
    for observer in _observers:
        observer(path)
    return path


def _discard(tmp_path: Path | None) -> None:
    if tmp_path is not None:  # the folder may have gone or turned read-only: nothing to do then
        with contextlib.suppress(OSError):
            tmp_path.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def atomic_write_json(path: str | Path, obj: Any, max_bytes: int | None = None) -> Path:
    """`obj` as indented JSON; refused, nothing written, past `max_bytes` (what its reader
    accepts), so that no file is written that cannot be read back."""
    text = json.dumps(obj, indent=2, sort_keys=False) + "\n"
    if max_bytes is not None and len(text) > max_bytes:
        raise AekitError(f"{path}: would be {len(text) / 2**20:.0f} MB, more than the "
                         f"{max_bytes / 2**20:.0f} MB aekit reads back; nothing was written "
                         "(fewer features, or a smaller input shape)")
    return atomic_write(path, lambda tmp: tmp.write_text(text))
