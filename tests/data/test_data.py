"""Readers and sources on the real shared files, their clear errors, and verified downloads."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import aekit
from aekit.data import formats
from aekit.data.batches import train_val_split
from aekit.errors import AekitError

MNIST_MD5 = {  # of the uncompressed files, from ../shared/data/README.md
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}


def test_shared_mnist_loads_with_right_shapes_and_checksums(data_dir: Path) -> None:
    for stem, md5 in MNIST_MD5.items():
        raw = gzip.decompress((data_dir / "mnist" / f"{stem}.gz").read_bytes())
        assert hashlib.md5(raw).hexdigest() == md5
    train_images = aekit.read_idx(data_dir / "mnist" / "train-images-idx3-ubyte.gz")
    assert train_images.shape == (60000, 28, 28) and train_images.dtype == np.uint8
    assert aekit.read_idx(data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz").shape == (10000,)
    test = aekit.load_source("mnist:test", data_dir=data_dir)
    assert test.x.shape == (10000, 1, 28, 28) and test.y.shape == (10000,)
    assert test.x.max() == 255 and set(np.unique(test.y)) == set(range(10))


@pytest.fixture(scope="module")
def label_bytes(data_dir: Path) -> bytes:
    return gzip.decompress((data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes())


def test_idx_truncated_is_named(tmp_path: Path, label_bytes: bytes) -> None:
    bad = tmp_path / "labels-idx1-ubyte"
    bad.write_bytes(label_bytes[:-10])
    with pytest.raises(AekitError, match=r"labels-idx1-ubyte: .*need 10008 bytes.*truncated"):
        aekit.read_idx(bad)


def test_idx_wrong_magic_is_named(tmp_path: Path, label_bytes: bytes) -> None:
    bad = tmp_path / "magic.idx"
    bad.write_bytes(b"\x12\x34" + label_bytes[2:])
    with pytest.raises(AekitError, match=r"magic.idx: bad IDX magic 1234"):
        aekit.read_idx(bad)


def test_idx_wrong_dims_and_type_are_named(tmp_path: Path, label_bytes: bytes) -> None:
    dims = tmp_path / "dims.idx"
    dims.write_bytes(label_bytes[:3] + b"\x02" + label_bytes[4:])  # claims 2-D, has 1-D body
    with pytest.raises(AekitError, match=r"dims.idx: IDX dimensions"):
        aekit.read_idx(dims)
    code = tmp_path / "code.idx"
    code.write_bytes(label_bytes[:2] + b"\x07" + label_bytes[3:])
    with pytest.raises(AekitError, match=r"code.idx: unknown IDX type code 0x07"):
        aekit.read_idx(code)
    with pytest.raises(AekitError, match=r"not a valid gzip"):
        gz = tmp_path / "broken.gz"
        gz.write_bytes(b"\x1f\x8b\x08garbage")
        aekit.read_idx(gz)


@pytest.fixture()
def mirror(tmp_path: Path, data_dir: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 serving copies of the shared MNIST test files."""
    root = tmp_path / "mirror"
    root.mkdir()
    for stem in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        shutil.copy(data_dir / "mnist" / f"{stem}.gz", root / f"{stem}.gz")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_download_lands_a_verified_copy(mirror: tuple[str, Path], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    url, _ = mirror
    monkeypatch.setenv("AEKIT_MIRROR", url)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("AEKIT_DATA", raising=False)
    data = aekit.load_source("mnist:test")
    assert data.x.shape == (10000, 1, 28, 28)
    cached = tmp_path / "cache" / "aekit" / "mnist"
    assert sorted(p.name for p in cached.iterdir()) == ["t10k-images-idx3-ubyte.gz",
                                                        "t10k-labels-idx1-ubyte.gz"]


def test_download_rejects_corrupt_copy_and_leaves_nothing(
        mirror: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, root = mirror
    served = root / "t10k-labels-idx1-ubyte.gz"
    corrupt = bytearray(gzip.decompress(served.read_bytes()))
    corrupt[100] ^= 0xFF
    served.write_bytes(gzip.compress(bytes(corrupt)))
    monkeypatch.setenv("AEKIT_MIRROR", url)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("AEKIT_DATA", raising=False)
    with pytest.raises(AekitError, match=r"download failed \(.*t10k-labels-idx1-ubyte.gz: "
                                         r"checksum mismatch"):
        aekit.load_source("mnist:test")
    cached = tmp_path / "cache" / "aekit" / "mnist"
    assert not (cached / "t10k-labels-idx1-ubyte.gz").exists()
    assert all(not p.name.endswith(".tmp") for p in cached.iterdir())


def test_offline_error_says_where_to_put_files(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEKIT_MIRROR", "http://127.0.0.1:9")  # nothing listens on port 9
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(AekitError, match=r"fashion-mnist:train: not found in .*--data-dir DIR "
                                         r"or set AEKIT_DATA=DIR.*train-images-idx3-ubyte.gz"):
        aekit.load_source("fashion-mnist", data_dir=tmp_path / "nowhere")


def test_synthetic_3d_is_the_seed_data() -> None:
    train, test = aekit.load_source("synthetic-3d"), aekit.load_source("synthetic-3d:test")
    assert train.x.shape == (100, 3) and test.x.shape == (100, 3)
    rnd = np.random.RandomState(4)
    angles = rnd.rand(200) * 3 * np.pi / 2 - 0.5
    first_x = np.cos(angles[0]) + np.sin(angles[0]) / 2
    assert abs(train.x[0, 0] - first_x) < 0.2  # noise is 0.1 / 2 in the seed
    standardised = aekit.fit_scaling(train).apply(train.x)
    np.testing.assert_allclose(standardised.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(standardised.std(0), 1, atol=1e-4)


def test_csv_time_and_label_columns(data_dir: Path) -> None:
    path = data_dir / "timeseries" / "ecg-diff-count-3_TEST.csv"
    x, y, names = formats.read_csv(path, label_column="is_anomaly")
    assert x.shape == (10000, 1) and names == ["value-0"]
    assert y is not None and int(y.sum()) == 300


def test_csv_bad_value_names_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,a,b\n1,0.5,1\n2,oops,3\n")
    with pytest.raises(AekitError, match=r"bad.csv: line 3, column 'a': expected a number"):
        formats.read_csv(bad)
    with pytest.raises(AekitError, match=r"no column 'label' \(--label-column\)"):
        formats.read_csv(bad, label_column="label")


def test_npz_and_npy_sources(tmp_path: Path) -> None:
    x = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    np.savez(tmp_path / "d.npz", x=x, y=np.array([0, 1]))
    data = aekit.load_source(str(tmp_path / "d.npz"))
    assert data.x.shape == (2, 1, 3, 4) and data.kind == "image" and data.full_scale == 255
    assert data.y.tolist() == [0, 1]
    with pytest.raises(AekitError, match=r"no array 'z' \(--array\)"):
        aekit.load_source(str(tmp_path / "d.npz"), array="z")
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(AekitError, match=r"obj.npy: not a readable .npy"):
        aekit.load_source(str(tmp_path / "obj.npy"))  # never unpickled


def test_unknown_source_lists_known_ones() -> None:
    with pytest.raises(AekitError, match=r"unknown source 'mnsit'.*mnist:test"):
        aekit.load_source("mnsit")


def test_val_split_is_seeded_and_disjoint() -> None:
    a_train, a_val = train_val_split(100, 0.1, seed=3)
    _b_train, b_val = train_val_split(100, 0.1, seed=3)
    assert len(a_val) == 10 and not set(a_train) & set(a_val)
    np.testing.assert_array_equal(a_val, b_val)
    assert not np.array_equal(a_val, train_val_split(100, 0.1, seed=4)[1])
