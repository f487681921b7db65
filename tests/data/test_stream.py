"""Out-of-core data: memory-mapped .npy, shard folders, image folders and CSV series streamed
through DataLoader workers give the samples, scaling and loss curve of the in-memory path."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch

from aekit.config import DataConfig, ModelConfig, TrainConfig
from aekit.data import stream
from aekit.data.prepare import read_data
from aekit.data.scaling import fit_scaling
from aekit.data.sources import load_source, read_raw
from aekit.runs.fit import fit_run

ECG = "timeseries/ecg-diff-count-3_TRAIN_NA.csv"


@pytest.fixture(scope="module")
def mnist_u8(data_dir: Path) -> np.ndarray:
    """The first 2,000 MNIST training images as stored: (N, 28, 28) uint8."""
    return read_raw("mnist", DataConfig(data_dir=str(data_dir))).x[:2000, 0]


def _all_batches(source: stream.StreamBatches, epoch: int) -> list[torch.Tensor]:
    return [xb for xb, _, _, _ in source.epoch(epoch)]


def test_streamed_and_in_memory_training_give_the_same_loss_curve(
        tmp_path: Path, mnist_u8: np.ndarray) -> None:
    """Same seed, same batches (same permutation, same uint8 -> float32 scaling): the curves
    agree to 1e-6 (observed: identical), and data over --max-memory streams by itself."""
    np.save(tmp_path / "mnist.npy", mnist_u8)
    model = ModelConfig(arch="stacked", hidden=(64, 16), output="sigmoid")
    train = TrainConfig(lr=1e-3, batch_size=100, epochs=2, seed=1)
    in_memory = DataConfig(source=str(tmp_path / "mnist.npy"))
    too_big = DataConfig(source=str(tmp_path / "mnist.npy"), max_memory=0.001, workers=1)
    assert not isinstance(read_data(in_memory), stream.Streamed)
    assert isinstance(read_data(too_big), stream.Streamed)
    curves = []
    for name, config in (("memory", in_memory), ("streamed", too_big)):
        result = fit_run(model, train, config, tmp_path / name, device="cpu")
        curves.append([(r["train_loss"], r["val_loss"]) for r in result.metrics["history"]])
    np.testing.assert_allclose(curves[0], curves[1], rtol=0, atol=1e-6)
    assert curves[0][1][0] < curves[0][0][0]


def test_mmap_npy_streams_each_sample_once_per_epoch_as_scaled_float(
        tmp_path: Path, mnist_u8: np.ndarray) -> None:
    np.save(tmp_path / "mnist.npy", mnist_u8)
    data = stream.open_stream(DataConfig(source=str(tmp_path / "mnist.npy"), stream=True))
    assert data.x.shape == (2000, 1, 28, 28) and data.x.dtype == np.uint8
    scaling = stream.fit_scaling_streamed(data, np.arange(2000), "auto")
    source = stream.StreamBatches(data, np.arange(300, 2000), scaling, 128, seed=5, workers=2)
    epoch0 = _all_batches(source, 0)
    assert [len(b) for b in epoch0] == [128] * 13 + [36]
    assert all(b.dtype == torch.float32 for b in epoch0)
    seen = torch.cat(epoch0).reshape(1700, -1)
    expected = torch.as_tensor(mnist_u8[300:].reshape(1700, -1), dtype=torch.float32) / 255
    order = torch.as_tensor(300 + stream.epoch_permutation(1700, 5, 0).numpy() - 300)
    torch.testing.assert_close(seen, expected[order], rtol=0, atol=0)
    assert torch.equal(torch.cat(_all_batches(source, 0)), torch.cat(epoch0))  # reproducible
    assert not torch.equal(torch.cat(_all_batches(source, 1)), torch.cat(epoch0))


def test_shard_folder_of_npy_and_npz_streams_shard_then_buffer(
        tmp_path: Path, mnist_u8: np.ndarray) -> None:
    folder = tmp_path / "shards"
    folder.mkdir()
    cuts = [0, 300, 700, 1000, 1600, 2000]
    for i, (a, b) in enumerate(itertools.pairwise(cuts)):
        if i % 2:
            np.savez_compressed(folder / f"part{i}.npz", x=mnist_u8[a:b])
        else:
            np.save(folder / f"part{i}.npy", mnist_u8[a:b])
    data = stream.open_stream(DataConfig(source=str(folder), stream=True))
    assert data.kind == "image" and data.x.shape == (2000, 1, 28, 28)
    idx = np.array([0, 299, 300, 999, 1000, 1999])
    np.testing.assert_array_equal(data.x[idx][:, 0], mnist_u8[idx])
    scaling = fit_scaling(load_source(str(folder / "part0.npy")))
    source = stream.StreamBatches(data, np.arange(2000), scaling, 100, seed=2, workers=2)
    order = source.order(0)
    assert sorted(order.tolist()) == list(range(2000))
    shard_of = np.searchsorted(cuts[1:], order, side="right")
    buffers = [set(shard_of[i:i + 100]) for i in range(0, 2000, 100)]
    assert max(len(b) for b in buffers) <= 2 * stream.BUFFER_SHARDS  # shard-local batches
    streamed = torch.cat(_all_batches(source, 0)).numpy()
    np.testing.assert_array_equal(streamed[:, 0], mnist_u8[order].astype(np.float32) / 255)
    np.testing.assert_array_equal(source.order(0), order)


def test_image_folder_streams_the_same_images_as_the_in_memory_reader(
        tmp_path: Path, mnist_u8: np.ndarray) -> None:
    from PIL import Image

    for i, image in enumerate(mnist_u8[:12]):
        (tmp_path / "images" / f"c{i % 3}").mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(tmp_path / "images" / f"c{i % 3}" / f"{i:02d}.png")
    config = DataConfig(source=str(tmp_path / "images"), stream=True)
    data, whole = stream.open_stream(config), load_source(config.source)
    assert data.x.shape == whole.x.shape == (12, 1, 28, 28)
    np.testing.assert_array_equal(data.x[np.arange(12)], whole.x.astype(np.uint8))
    np.testing.assert_array_equal(data.y, whole.y)
    tiny = DataConfig(source=config.source, max_memory=12 * 28 * 28 * 4 / 2**30 * 0.99)
    assert stream.wants_stream(tiny)
    assert not stream.wants_stream(DataConfig(source=config.source))


def test_csv_series_windows_and_one_pass_standardisation(data_dir: Path) -> None:
    """A long CSV series is parsed once to a memory-mapped file and windowed lazily; the
    one-pass mean/std equals the in-memory two-pass one to float32 precision."""
    path = str(data_dir / ECG)
    config = DataConfig(source=path, label_column="is_anomaly", window=64, stride=8,
                        stream=True)
    data = stream.open_stream(config)
    whole = load_source(path, label_column="is_anomaly", window=64, stride=8)
    assert data.x.shape == whole.x.shape and data.kind == whole.kind == "series"
    idx = np.arange(0, len(whole), 7)
    np.testing.assert_array_equal(data.x[idx], whole.x[idx])
    train_idx = np.arange(len(whole) // 2)
    streamed = stream.fit_scaling_streamed(data, train_idx, "auto")
    in_memory = fit_scaling(type(whole)(whole.x[train_idx], None, "ecg", "series"))
    np.testing.assert_allclose(streamed.offset, in_memory.offset, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(streamed.scale, in_memory.scale, rtol=1e-6)


def test_streamed_nan_is_refused_naming_the_sample(tmp_path: Path) -> None:
    x = np.random.default_rng(0).normal(size=(50, 4))
    x[17, 2] = np.nan
    np.save(tmp_path / "table.npy", x)
    data = stream.open_stream(DataConfig(source=str(tmp_path / "table.npy"), stream=True))
    with pytest.raises(Exception, match="sample 17 contains NaN"):
        stream.fit_scaling_streamed(data, np.arange(50), "auto")
