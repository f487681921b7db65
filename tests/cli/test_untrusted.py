"""Untrusted input, case by case: each crafted data file, run-directory file and output path
ends in one `aekit: error:` line naming the file or option (or a note when aekit goes on)."""

from __future__ import annotations

import json
import os
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

import aekit
from aekit.cli.main import main
from aekit.errors import AekitError
from aekit.tensors import sha256_file


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("untrusted") / "run"
    assert main(["train", "--data", "digits", "--limit", "300", "--hidden", "16,4", "--epochs",
                 "2", "--out", str(out), "--quiet", "--device", "cpu"]) == 0
    return out


def _one_error(capsys: pytest.CaptureFixture, *expected: str) -> str:
    lines = [line for line in capsys.readouterr().err.splitlines()
             if not line.startswith("aekit: note:")]
    assert len(lines) == 1 and lines[0].startswith("aekit: error: "), lines
    assert all(text in lines[0] for text in expected), lines[0]
    return lines[0]


def _npz(path: Path, **arrays: np.ndarray) -> Path:
    np.savez(path, **arrays)
    return path


def _data_cases(tmp: Path) -> list[tuple[Path, str]]:
    np.save(tmp / "empty.npy", np.zeros((0, 8, 8), np.float32))
    _npz(tmp / "empty.npz", x=np.zeros((0, 8, 8), np.float32))
    _npz(tmp / "scalar_y.npz", x=np.zeros((5, 8, 8), np.float32), y=np.array(3))
    (tmp / "zip.npy").write_bytes(_npz(tmp / "z.npz", x=np.ones((4, 8, 8))).read_bytes())
    good = _npz(tmp / "good.npz", x=np.ones((40, 8, 8), np.float32)).read_bytes()
    (tmp / "cut.npz").write_bytes(good[: len(good) // 2])
    flipped = bytearray(good)
    flipped[len(good) // 3] ^= 0xFF
    (tmp / "flipped.npz").write_bytes(bytes(flipped))
    (tmp / "text.npz").write_text("not a zip")
    negative = tmp / "negative.npy"
    with negative.open("wb") as handle:
        np.lib.format.write_array_header_1_0(
            handle, {"descr": "<f4", "fortran_order": False, "shape": (10, 8, 8)})
    negative.write_bytes(negative.read_bytes().replace(b"(10, 8, 8)", b"(-1, 8, 8)"))
    fifo = tmp / "pipe.npy"
    os.mkfifo(fifo)
    return [(tmp / "empty.npy", "0 samples"), (tmp / "empty.npz", "0 samples"),
            (tmp / "scalar_y.npz", "scalar_y.npz:y: expected an array of N samples"),
            (tmp / "zip.npy", "is an .npz archive (zip), not an .npy array; name it .npz"),
            (tmp / "cut.npz", "not a readable .npz archive"),
            (tmp / "flipped.npz", "not a readable .npz archive"),
            (tmp / "text.npz", "not a readable .npz archive"),
            (negative, "expected an array of N samples, the header says shape (-1, 8, 8)"),
            (fifo, "not a regular file")]


def test_crafted_data_files_give_one_line(run_dir: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture) -> None:
    for path, message in _data_cases(tmp_path):
        assert main(["encode", str(run_dir), "--data", str(path), "--out",
                     str(tmp_path / "codes.npy")]) == 2, path
        _one_error(capsys, str(path), message)


def _edited(run_dir: Path, tmp_path: Path, edit: dict) -> Path:
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("config.json", "model.safetensors", "metrics.json"):
        (copy / name).write_bytes((run_dir / name).read_bytes())
    config = json.loads((copy / "config.json").read_text())
    for dotted, value in edit.items():
        *path, last = dotted.split(".")
        node = config
        for key in path:
            node = node[key]
        node[last] = value
    (copy / "config.json").write_text(json.dumps(config))
    return copy


@pytest.mark.parametrize(("edit", "message"), [
    ({"weights": "x"}, "'weights' must be null or an object"),
    ({"model.hidden": [2**63, 4]}, "the model cannot be built"),
    ({"train.lr": float("nan")}, "train.lr (--lr): must be a finite number"),
    ({"train.seed": -1}, "train.seed (--seed): must be >= 0"),
    ({"classes": [0, 1]}, "'classes' belongs to a classifier run"),
    ({"kind": "detector"}, "'kind' must be one of 'autoencoder', 'classifier'"),
    ({"kind": "classifier"}, "a classifier run has format 'aekit-classifier/1'"),
    ({"model": 3.5}, "'model' must be an object"),
])
def test_crafted_config_json_gives_one_line(edit: dict, message: str, run_dir: Path,
                                            tmp_path: Path, capsys: pytest.CaptureFixture
                                            ) -> None:
    copy = _edited(run_dir, tmp_path, edit)
    assert main(["evaluate", str(copy), "--data", "digits:test"]) == 2
    _one_error(capsys, str(copy / "config.json"), message)


@pytest.mark.parametrize(("content", "message"), [
    (b"", "not valid JSON"), (b"\x00\xff\xfe binary", "not valid JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"), (b'{"history": [1, 2]}',
                                                            "'history' list of epoch records"),
    (None, "not a regular file"),
])
def test_crafted_metrics_json_gives_one_line(content: bytes | None, message: str, run_dir: Path,
                                             tmp_path: Path, capsys: pytest.CaptureFixture
                                             ) -> None:
    copy = _edited(run_dir, tmp_path, {})
    (copy / "metrics.json").unlink()
    if content is None:
        (copy / "metrics.json").mkdir()
    else:
        (copy / "metrics.json").write_bytes(content)
    for command in (["evaluate", str(copy), "--data", "digits:test"], ["report", str(copy)]):
        assert main(command) == 2
        _one_error(capsys, "metrics.json", message)


def test_nan_weights_with_a_consistent_sha_are_refused(run_dir: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture) -> None:
    copy = _edited(run_dir, tmp_path, {})
    tensors = load_file(str(copy / "model.safetensors"))
    first = next(iter(tensors))
    tensors[first] = torch.full_like(tensors[first], float("nan"))
    save_file(tensors, str(copy / "model.safetensors"))
    config = json.loads((copy / "config.json").read_text())
    config["weights"]["sha256"] = sha256_file(copy / "model.safetensors")
    (copy / "config.json").write_text(json.dumps(config))
    for command in (["evaluate", str(copy), "--data", "digits:test"],
                    ["detect", str(copy), "--data", "digits:test", "--out",
                     str(tmp_path / "s.csv")]):
        assert main(command) == 2
        _one_error(capsys, "model.safetensors", "NaN or infinite values")


def test_fifo_model_file_and_special_out_files_do_not_block(run_dir: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture
                                                            ) -> None:
    copy = _edited(run_dir, tmp_path, {})
    (copy / "model.safetensors").unlink()
    os.mkfifo(copy / "model.safetensors")
    assert main(["evaluate", str(copy), "--data", "digits:test"]) == 2
    _one_error(capsys, "model.safetensors: not a regular file")
    os.mkfifo(tmp_path / "out.npy")
    encode = ["encode", str(run_dir), "--data", "digits:test", "--out"]
    assert main([*encode, str(tmp_path / "out.npy")]) == 2
    _one_error(capsys, "out.npy: not a regular file (a device, FIFO or socket)")
    (tmp_path / "folder.npy").mkdir()  # named like an array, so it passes the suffix check
    for out, meaning in ((tmp_path / "folder.npy", "Is a directory (EISDIR)"),
                         (run_dir / "config.json" / "x.npy", "Not a directory (ENOTDIR)"),
                         (tmp_path / ("n" * 300 + ".npy"), "File name too long (ENAMETOOLONG)")):
        assert main([*encode, str(out)]) == 2
        _one_error(capsys, meaning)
    target = tmp_path / "real.npy"
    target.write_bytes(b"old")
    (tmp_path / "link.npy").symlink_to(target)
    assert main([*encode, str(tmp_path / "link.npy")]) == 0  # a symlinked --out is followed
    assert (tmp_path / "link.npy").is_symlink() and np.load(target).shape == (297, 4)


def test_checkpoint_payload_of_the_wrong_type_is_refused(run_dir: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture) -> None:
    from aekit.train import checkpoint

    copy = tmp_path / "run"
    copy.mkdir()
    (copy / "checkpoints").mkdir()
    for name in ("config.json", "checkpoints/last.safetensors"):
        (copy / name).write_bytes((run_dir / name).read_bytes())
    config = json.loads((copy / "config.json").read_text())
    config["weights"] = None
    (copy / "config.json").write_text(json.dumps(config))
    path = copy / "checkpoints" / "last.safetensors"
    tensors, meta = checkpoint.load_checkpoint_file(path)
    checkpoint.save_checkpoint_file(path, tensors, {**meta, "history": "epochs"})
    assert main(["train", "--resume", str(copy)]) == 2  # a consistent checksum, a bad type
    _one_error(capsys, "checkpoint field 'history' must be a list of epoch records")


def test_long_messages_are_cut_and_notes_say_what_aekit_changed(
        tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"column_{i}" for i in range(100_000)) + "\n"
                    + ",".join("1" for _ in range(100_000)) + "\n")
    assert main(["train", "--data", str(wide), "--label-column", "nope", "--out",
                 str(tmp_path / "r")]) == 2
    line = _one_error(capsys, "wide.csv", "characters cut")
    assert len(line) < 700
    monkeypatch.chdir(tmp_path)
    np.save(tmp_path / "rel.npy", aekit.load_source("digits").x[:300, 0])
    assert main(["train", "--data", "rel.npy", "--hidden", "8,2", "--epochs", "1", "--lr", "1e6",
                 "--out", "r2", "--quiet", "--device", "cpu"]) == 0
    assert "worse than predicting the training mean" in capsys.readouterr().err
    config = json.loads((tmp_path / "r2" / "config.json").read_text())
    assert config["data"]["source"] == str(tmp_path / "rel.npy")  # stored resolved
    config["data"]["workers"], config["train"]["threads"] = 16, 100_000
    (tmp_path / "r2" / "config.json").write_text(json.dumps(config))
    assert main(["train", "--resume", "r2", "--epochs", "2", "--quiet", "--device", "cpu"]) == 0
    err = capsys.readouterr().err
    assert f"threads 100000 is more than this machine's {os.cpu_count()} cores" in err


def test_images_over_the_pixel_limit_and_16_bit_pngs(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    from PIL import Image

    digits = aekit.load_source("digits").x[:6, 0]
    forged, deep = tmp_path / "forged", tmp_path / "deep"
    forged.mkdir(), deep.mkdir()
    for i, image in enumerate(digits):
        Image.fromarray((image * 16).astype(np.uint8)).save(forged / f"{i}.png")
        Image.fromarray((image * 4095).astype(np.uint16)).save(deep / f"{i}.png")
    data = bytearray((forged / "0.png").read_bytes())
    data[16:24] = struct.pack(">II", 100_000, 100_000)  # IHDR width and height, and its CRC
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    (forged / "0.png").write_bytes(bytes(data))
    assert main(["train", "--data", str(forged), "--out", str(tmp_path / "r")]) == 2
    _one_error(capsys, "0.png: over the decoding pixel limit")
    assert main(["train", "--data", str(deep), "--image-size", "100000",
                 "--out", str(tmp_path / "r")]) == 2
    _one_error(capsys, "--image-size 100000", "decoding limit")
    loaded = aekit.load_source(str(deep))
    assert loaded.x.dtype == np.float32 and loaded.x.max() == pytest.approx(16 * 4095 / 65535)
    assert len(np.unique(loaded.x)) == len(np.unique(digits))  # every 16-bit level kept
    cut = tmp_path / "cut"
    cut.mkdir()
    for i in range(4):
        (cut / f"{i}.png").write_bytes((deep / f"{i}.png").read_bytes())
    (cut / "3.png").write_bytes((deep / "3.png").read_bytes()[:60])
    assert main(["train", "--data", str(cut), "--stream", "--workers", "0",
                 "--out", str(tmp_path / "r")]) == 2
    _one_error(capsys, "3.png")
    with zipfile.ZipFile(tmp_path / "nested.npz", "w") as archive:
        archive.writestr("x.npy", b"\x93NUMPY\x01\x00" + b"(" * 50)
    assert main(["train", "--data", str(tmp_path / "nested.npz"), "--out",
                 str(tmp_path / "r")]) == 2
    _one_error(capsys, "nested.npz:x: not a readable .npy array")


def test_a_python_2_style_npy_header_reads_without_a_warning(tmp_path: Path) -> None:
    """numpy's note on such a header printed as a warning with source lines (found by the
    fuzzer); the array is fine and reads quietly."""
    import warnings

    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3L, 4L), }"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    path = tmp_path / "old.npy"
    path.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little")
                     + header.encode("latin1") + np.ones((3, 4), np.float32).tobytes())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert aekit.load_source(str(path)).x.shape == (3, 4)


def test_fuzzer_warnings_become_errors_or_nothing(tmp_path: Path) -> None:
    """A scaling past float32 in config.json is refused in one line, and a score figure with
    no anomaly among the labels draws without a division warning (both found by the fuzzer)."""
    import warnings

    from aekit.data.scaling import Scaling
    from aekit.report import plots

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AekitError, match="finite offset and scale"):
            Scaling.from_dict({"offset": [1e300], "scale": [1.0]})
        path = plots.score_histogram(np.linspace(0, 1, 50), np.zeros(50, int), 0.5,
                                     tmp_path / "h.png")
    assert path.read_bytes()[:4] == b"\x89PNG"
