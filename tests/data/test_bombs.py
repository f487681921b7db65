"""Bombs: small files that claim or inflate to gigabytes are refused from their headers, or
read only as far as --limit, before the memory is spent (measured with tracemalloc, which sees
numpy's and Python's allocations)."""

from __future__ import annotations

import gzip
import json
import struct
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import aekit
from aekit.cli.main import main
from aekit.errors import AekitError

ROWS = 2**18  # 2^18 MNIST-sized images: 205 MB inflated, 0.8 GiB as float32
MB = 2**20


def _peak(function: object, *args: object, **kwargs: object) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = function(*args, **kwargs)  # type: ignore[operator]
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _zeros(handle: object, nbytes: int) -> None:
    block = bytes(MB)
    for _ in range(nbytes // MB):
        handle.write(block)  # type: ignore[attr-defined]


def test_gz_bomb_is_inflated_only_as_far_as_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "bomb-idx3-ubyte.gz"
    with gzip.open(path, "wb", compresslevel=1) as handle:
        handle.write(b"\x00\x00\x08\x03" + struct.pack(">III", ROWS, 28, 28))
        _zeros(handle, ROWS * 784)
    assert path.stat().st_size < 1 * MB
    data, peak = _peak(aekit.load_source, str(path), limit=500, max_memory=0.5)
    assert data.x.shape == (500, 1, 28, 28) and peak < 8 * MB
    with pytest.raises(AekitError, match=r"needs 0.77 GiB as float32, more than the 0.50 GiB"):
        _peak(aekit.load_source, str(path), max_memory=0.5)


def _npz_bomb(path: Path, claimed_rows: int, stored_rows: int) -> None:
    header = {"descr": "|u1", "fortran_order": False, "shape": (claimed_rows, 28, 28)}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("x.npy", "w", force_zip64=True) as member:
        np.lib.format.write_array_header_1_0(member, header)
        _zeros(member, stored_rows * 784)


def test_npz_bomb_is_refused_or_read_only_as_far_as_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "bomb.npz"
    _npz_bomb(path, ROWS, ROWS)
    assert path.stat().st_size < 1 * MB
    data, peak = _peak(aekit.load_source, str(path), limit=500, max_memory=0.5)
    assert data.x.shape == (500, 1, 28, 28) and peak < 8 * MB
    with pytest.raises(AekitError, match=r"needs 0.77 GiB as float32, more than the 0.50 GiB"):
        aekit.load_source(str(path), max_memory=0.5)
    liar = tmp_path / "liar.npz"
    _npz_bomb(liar, 2**31, 2)  # the header claims more than the member holds
    with pytest.raises(AekitError, match=r"liar.npz:x: header says shape \(2147483648, 28, 28\)"
                                         r".*\(truncated\)"):
        aekit.load_source(str(liar), limit=500)


@pytest.fixture(scope="module")
def tabular_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bombs") / "run"
    assert main(["train", "--data", "synthetic-3d", "--hidden", "4,2", "--epochs", "1",
                 "--out", str(out), "--quiet", "--device", "cpu"]) == 0
    return out


@pytest.mark.parametrize("command", ["evaluate", "encode", "reconstruct", "detect"])
def test_header_claiming_2_31_rows_is_refused_before_allocation(
        command: str, tabular_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "claims.npy"
    with path.open("wb") as handle:
        np.lib.format.write_array_header_1_0(
            handle, {"descr": "<f4", "fortran_order": False, "shape": (2**31, 3)})
        handle.write(bytes(48))
    argv = [command, str(tabular_run), "--data", str(path)]
    if command != "evaluate":
        argv += ["--out", str(tmp_path / ("out.csv" if command == "detect" else "out.npy"))]
    rc, peak = _peak(main, argv)
    err = capsys.readouterr().err.strip()
    assert rc == 2 and peak < 8 * MB, err
    assert err == (f"aekit: error: {path}: header says shape (2147483648, 3) of float32 "
                   "(25769803776 bytes), the file holds 48 (truncated)")


@pytest.mark.parametrize(("hidden", "message"), [
    ([20000, 20000], "tensor names or shapes do not match the model in config.json"),
    ([2**63, 2], "the model cannot be built from these sizes"),
])
def test_config_bomb_is_refused_before_the_model_is_built(
        hidden: list[int], message: str, tabular_run: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture) -> None:
    run = tmp_path / "run"
    run.mkdir()
    for item in ("config.json", "model.safetensors"):
        (run / item).write_bytes((tabular_run / item).read_bytes())
    config = json.loads((run / "config.json").read_text())
    config["model"]["hidden"] = hidden
    (run / "config.json").write_text(json.dumps(config))
    rc, peak = _peak(main, ["evaluate", str(run), "--data", "synthetic-3d:test"])
    err = capsys.readouterr().err
    assert rc == 2 and peak < 8 * MB and message in err, err


def test_an_idx_gz_header_declaring_astronomical_dimensions_is_one_line(tmp_path, capsys):
    """Found by the 10,000-case fuzz run: 40 dimensions of 2^32 - 1 made the size message
    divide an integer too large for a float (OverflowError) instead of refusing the header."""
    path = tmp_path / "huge-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x28" + struct.pack(">I", 2**32 - 1) * 40))
    assert main(["train", "--data", str(path), "--epochs", "1", "--out",
                 str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("aekit: error:") and "more than any file holds" in err
    assert len(err.strip().splitlines()) == 1


def test_a_forged_png_header_after_the_first_image_is_refused_before_decoding(
        tmp_path: Path) -> None:
    """A later image claiming 9,000 x 9,000 pixels (under the decoder's own limit) is refused
    from the headers, before any image is decoded: nothing near its 324 MB is allocated."""
    import zlib

    from PIL import Image

    folder = tmp_path / "pngs"
    folder.mkdir()
    for i, image in enumerate(aekit.load_source("digits").x[:4, 0]):
        Image.fromarray((image * 16).astype(np.uint8)).save(folder / f"{i}.png")
    data = bytearray((folder / "3.png").read_bytes())
    data[16:24] = struct.pack(">II", 9_000, 9_000)  # IHDR width and height, then its CRC
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    (folder / "3.png").write_bytes(bytes(data))
    _, peak = _peak(_refused, folder)
    assert peak < 20e6


def _refused(folder: Path) -> None:
    with pytest.raises(AekitError, match=r"3.png: size 9000x9000 differs"):
        aekit.load_source(str(folder))
