"""Binary array files: IDX (MNIST, plain or .gz), .npy and .npz, read header first.

Sizes come from the header and are checked (against the file's own size and against
`--limit`/`--max-memory`) before anything is allocated or inflated; only the rows wanted are
read, streaming through gzip and zip members, so a small bomb stays small. Never a pickle.
"""

from __future__ import annotations

import gzip
import io
import math
import stat
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from tokenize import TokenError
from typing import BinaryIO

import numpy as np

from aekit.errors import AekitError, one_line

_MAX_FILE_BYTES = 2**62  # past any real file; larger sizes come from a corrupt header
# IDX type codes -> big-endian numpy dtypes (LeCun's format description).
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@dataclass(frozen=True)
class Budget:
    """How much of a file to read: the first `limit` samples, at most `max_bytes` as float32;
    checked against the sizes in a file's header before anything is allocated or inflated."""

    name: str = ""
    limit: int | None = None
    max_bytes: float | None = None

    def rows(self, n: int) -> int:
        return n if self.limit is None else min(n, self.limit)

    def check(self, n: int, sample_shape: tuple[int, ...]) -> int:
        """The rows to read, after checking their float32 size against `max_bytes`."""
        rows = self.rows(n)
        needed = rows * math.prod(sample_shape) * 4
        if self.max_bytes is not None and needed > self.max_bytes:
            raise AekitError(f"{self.name}: needs {needed / 2**30:.2f} GiB as float32, more "
                             f"than the {self.max_bytes / 2**30:.2f} GiB allowed (--max-memory); "
                             "use --limit, a bigger --max-memory, or a .npy, CSV or folder "
                             "source that `aekit train` streams")
        return rows


def regular_file(path: Path) -> None:
    """Refuse what is not a regular file before opening it: a FIFO would block forever."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise AekitError(f"{path}: file not found") from None
    except OSError as exc:
        raise AekitError(f"{path}: cannot read ({exc.strerror})") from None
    if not stat.S_ISREG(mode):
        raise AekitError(f"{path}: not a regular file (a folder, FIFO or device)")


def read_bytes(path: Path) -> bytes:
    """File contents, gunzipped when the name ends in .gz."""
    regular_file(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AekitError(f"{path}: cannot read ({exc.strerror})") from None
    if path.suffix != ".gz":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise AekitError(f"{path}: not a valid gzip file ({exc})") from None


def parse_idx(data: bytes, name: str) -> np.ndarray:
    """Decode IDX bytes, checking magic, type code, dimensions and exact length."""
    return _read_idx_stream(io.BytesIO(data), name, Budget(name), len(data))


def _read_idx_stream(handle: BinaryIO, name: str, budget: Budget, size: int | None
                     ) -> np.ndarray:
    """IDX from a stream: the header first, then only the rows wanted (`size`: the bytes the
    stream holds, when known without reading it)."""
    head = handle.read(4)
    if len(head) < 4:
        raise AekitError(f"{name}: too short for an IDX header ({len(head)} bytes)")
    if head[0] != 0 or head[1] != 0:
        raise AekitError(f"{name}: bad IDX magic {head[:4].hex()}, expected 0000 then "
                         "type and ndim")
    code, ndim = head[2], head[3]
    if code not in _IDX_DTYPES:
        raise AekitError(f"{name}: unknown IDX type code 0x{code:02x}; expected one of "
                         + ", ".join(f"0x{c:02x}" for c in _IDX_DTYPES))
    if ndim == 0:
        raise AekitError(f"{name}: IDX header declares 0 dimensions")
    header = 4 + 4 * ndim
    raw_dims = handle.read(4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise AekitError(f"{name}: truncated IDX header: {ndim} dimensions need {header} bytes, "
                         f"file has {4 + len(raw_dims)}")
    dims = tuple(int(d) for d in np.frombuffer(raw_dims, ">u4"))
    if 0 in dims:
        raise AekitError(f"{name}: IDX dimensions {dims} contain 0")
    dtype = np.dtype(_IDX_DTYPES[code])
    expected = header + math.prod(dims) * dtype.itemsize
    if expected > _MAX_FILE_BYTES:  # no disk holds it; its GiB would not even fit a float
        raise AekitError(f"{name}: IDX dimensions {one_line(str(dims), 120)} declare "
                         f"{expected.bit_length() - 1}+ bits of data, more than any file holds")
    if size is not None and size != expected:
        problem = "truncated" if size < expected else "trailing data"
        raise AekitError(f"{name}: IDX dimensions {dims} need {expected} bytes, file has "
                         f"{size} ({problem})")
    rows = budget.check(dims[0], dims[1:])
    want = rows * math.prod(dims[1:]) * dtype.itemsize
    body = handle.read(want)
    if len(body) < want:
        raise AekitError(f"{name}: IDX dimensions {dims} need {expected} bytes; the data ends "
                         f"after {header + len(body)} (truncated)")
    if rows == dims[0] and size is None and handle.read(1):
        raise AekitError(f"{name}: IDX dimensions {dims} need {expected} bytes, file has more "
                         "(trailing data)")
    array = np.frombuffer(body, dtype).reshape((rows, *dims[1:]))
    return array.astype(dtype.newbyteorder("="))


def read_idx(path: str | Path, budget: Budget | None = None) -> np.ndarray:
    """An IDX file (plain or .gz) as a native-endian array; a .gz is inflated as a stream and
    only as far as the rows wanted, so a small bomb cannot fill the memory."""
    path = Path(path)
    regular_file(path)
    budget = budget or Budget(str(path))
    budget = Budget(budget.name or str(path), budget.limit, budget.max_bytes)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                return _read_idx_stream(handle, str(path), budget, None)
        with path.open("rb") as handle:
            return _read_idx_stream(handle, str(path), budget, path.stat().st_size)
    except (OSError, EOFError, zlib.error) as exc:
        raise AekitError(f"{path}: not a valid {'gzip' if path.suffix == '.gz' else 'IDX'} "
                         f"file ({one_line(exc, 120)})") from None


def _array_header(handle: BinaryIO, name: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """Shape, Fortran order and dtype of a .npy stream, checked to be a numeric array of N
    samples (N > 0) with no negative sizes."""
    magic = handle.read(8)
    if magic[:4] == b"PK\x03\x04":
        raise AekitError(f"{name}: this is an .npz archive (zip), not an .npy array; name it .npz")
    if len(magic) < 8 or magic[:6] != b"\x93NUMPY":
        raise AekitError(f"{name}: not an .npy array (bad magic {magic[:6]!r})")
    try:
        read = (np.lib.format.read_array_header_1_0 if magic[6] == 1
                else np.lib.format.read_array_header_2_0)
        with warnings.catch_warnings():  # numpy's note on a Python-2 style header is no error
            warnings.simplefilter("ignore", UserWarning)
            shape, fortran, dtype = read(handle)
    except (ValueError, OSError, EOFError, SyntaxError, TypeError, TokenError,
            RecursionError) as exc:
        raise AekitError(f"{name}: not a readable .npy array ({one_line(exc, 120)})") from None
    if not shape or any(d < 0 for d in shape):
        raise AekitError(f"{name}: expected an array of N samples, the header says shape "
                         f"{shape}")
    if dtype.hasobject or dtype.kind not in "uifb":
        raise AekitError(f"{name}: not a readable .npy array of numbers (dtype {dtype})")
    if shape[0] == 0:
        raise AekitError(f"{name}: the array has 0 samples (shape {shape})")
    if 0 in shape[1:]:
        raise AekitError(f"{name}: samples of shape {shape[1:]} hold no values")
    return tuple(shape), fortran, dtype


def _read_rows(handle: BinaryIO, name: str, budget: Budget, available: int | None
               ) -> np.ndarray:
    """The first rows of a .npy stream, reading only them; `available`: the bytes after the
    header, when known, to refuse a header that claims more than the file holds."""
    shape, fortran, dtype = _array_header(handle, name)
    if available is not None:
        _check_size(shape, dtype, available - handle.tell(), name)
    if fortran:  # column-major: the first rows are spread over the whole file
        Budget(name, None, budget.max_bytes).check(shape[0], shape[1:])
    rows = budget.check(shape[0], shape[1:])
    count = (shape[0] if fortran else rows) * math.prod(shape[1:])
    body = handle.read(count * dtype.itemsize)
    if len(body) < count * dtype.itemsize:
        raise AekitError(f"{name}: header says shape {shape}, the data ends early (truncated)")
    array = np.frombuffer(body, dtype)
    if fortran:
        return np.array(array.reshape(shape, order="F")[:rows])
    return array.reshape((rows, *shape[1:]))


def _check_size(shape: tuple[int, ...], dtype: np.dtype, available: int, name: str) -> None:
    """A header claiming more data than its file holds is truncated or crafted."""
    total = math.prod(shape) * dtype.itemsize
    if available < total:
        raise AekitError(f"{name}: header says shape {shape} of {dtype} ({total} bytes), the "
                         f"file holds {max(available, 0)} (truncated)")


def read_npy(path: Path, budget: Budget | None = None) -> np.ndarray:
    """The first rows of a .npy, sizes checked from its header before any are read."""
    regular_file(path)
    try:
        with path.open("rb") as handle:
            return _read_rows(handle, str(path), budget or Budget(str(path)),
                              path.stat().st_size)
    except OSError as exc:
        raise AekitError(f"{path}: not a readable .npy array ({one_line(exc, 120)})") from None


def read_npz(path: Path, array: str | None, budget: Budget | None = None
             ) -> tuple[np.ndarray, np.ndarray | None]:
    """Array `array` (default `x`, else ADBench's `X`) and labels `y` when present, each
    member inflated as a stream only as far as the rows wanted."""
    regular_file(path)
    budget = budget or Budget(str(path))
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.namelist()
            name = array or ("X" if "x.npy" not in members and "X.npy" in members else "x")
            if f"{name}.npy" not in members:
                keys = ", ".join(m[:-4] for m in members if m.endswith(".npy"))
                raise AekitError(f"{path}: no array {name!r} (--array); arrays: "
                                 f"{one_line(keys, 200) or 'none'}")
            x = _npz_member(archive, f"{name}.npy", path, budget)
            if "y.npy" not in members or name == "y":
                return x, None
            y = _npz_member(archive, "y.npy", path, Budget(budget.name, len(x), None))
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError,
            RuntimeError, ValueError) as exc:
        if isinstance(exc, AekitError):
            raise
        raise AekitError(f"{path}: not a readable .npz archive ({one_line(exc, 120)})"
                         ) from None
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or len(y) != len(x):
        raise AekitError(f"{path}: labels 'y' must hold one value per sample; shape {y.shape} "
                         f"for {len(x)} samples")
    return x, y


def _npz_member(archive: zipfile.ZipFile, member: str, path: Path, budget: Budget
                ) -> np.ndarray:
    declared = archive.getinfo(member).file_size  # the inflated size the archive states
    with archive.open(member) as handle:
        return _read_rows(handle, f"{path}:{member[:-4]}", budget, declared)


def npy_header(path: Path) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype of a .npy from its header, checked against the file's size."""
    regular_file(path)
    try:
        with path.open("rb") as handle:
            shape, _, dtype = _array_header(handle, str(path))
            _check_size(shape, dtype, path.stat().st_size - handle.tell(), str(path))
    except OSError as exc:
        raise AekitError(f"{path}: not a readable .npy array ({one_line(exc, 120)})") from None
    return shape, dtype


def npz_header(path: Path, array: str) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype of one array of an .npz from its member header, without inflating it."""
    regular_file(path)
    try:
        with zipfile.ZipFile(path) as archive, archive.open(f"{array}.npy") as member:
            shape, _, dtype = _array_header(member, f"{path}:{array}")
            declared = archive.getinfo(f"{array}.npy").file_size
            _check_size(shape, dtype, declared - member.tell(), f"{path}:{array}")
    except KeyError:
        raise AekitError(f"{path}: no array {array!r} (--array)") from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError,
            RuntimeError) as exc:
        raise AekitError(f"{path}: not a readable .npz archive ({one_line(exc, 120)})"
                         ) from None
    return shape, dtype
