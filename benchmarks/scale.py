"""Streaming and DDP throughput of `stacked-mnist`, and peak memory, measured in one run.

Writes MNIST as uint8 .npy files in a temp folder (1x: 60k images; 20x: MNIST tiled 20 times,
1.2 M images, 941 MB), then trains stacked-mnist (batch 150, one thread per process) in a fresh
subprocess per measurement, each for `--steps` batches per epoch over `--epochs` epochs:

  in-memory 60k (the reference) | streamed 1x | streamed 20x | 2 processes (gloo) streamed 20x

and prints samples/s with the ratio to the in-memory path (target >= 0.8), the peak RSS of the
training process and of its largest DataLoader worker (target < 1.5 GB each, for 1x and 20x),
and the 2-process scaling efficiency = samples/s(2 ranks) / (2 x samples/s(1 rank)) with the
same global batch. The temp folder is deleted at the end.

    python -m benchmarks.scale [--data-dir ../shared/data] [--steps 400] [--epochs 2]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ROOT = Path(__file__).resolve().parents[1]


class FirstSteps:
    """The first `steps` global batches of each epoch of a batch source (short runs)."""

    def __init__(self, source, steps: int, batch: int):
        self.source, self.n_batches = source, min(steps, source.n_batches)
        self.n = min(source.n, self.n_batches * batch)

    def epoch(self, epoch: int, start: int = 0) -> Iterator:
        return itertools.islice(self.source.epoch(epoch, start), self.n_batches - start)


def child(args: argparse.Namespace) -> None:
    """One measurement, in its own process (or one rank of torchrun): prints a JSON line."""
    import torch

    from aekit.config import DataConfig, ModelConfig, TrainConfig, from_dict
    from aekit.data.batches import MemoryBatches
    from aekit.data.prepare import prepare_data, read_data
    from aekit.model import Autoencoder
    from aekit.presets import load_preset
    from aekit.train import distributed
    from aekit.train.trainer import Trainer

    preset = load_preset("stacked-mnist")
    train = TrainConfig(**{**preset.train, "epochs": args.epochs, "val_split": 0.0})
    data = DataConfig(source=args.source, data_dir=args.data_dir, stream=args.stream,
                      workers=args.workers)
    prepared = prepare_data(read_data(data), from_dict(ModelConfig, preset.model, "model"),
                            train, workers=args.workers, device="cpu")
    torch.manual_seed(0)
    trainer = Trainer(Autoencoder(prepared.model_config), train, device="cpu")
    here = distributed.world()
    source = prepared.fit_train or MemoryBatches(torch.as_tensor(prepared.train), None,
                                                 train.batch_size, train.seed, here.rank,
                                                 here.size)
    limited = FirstSteps(source, args.steps, train.batch_size)
    history = trainer.fit(limited)
    seconds = statistics.median(r["seconds"] for r in history[1:] or history)
    if distributed.is_main():
        print(json.dumps({"samples_per_s": limited.n / seconds, "n": len(prepared.data),
                          "loss": history[-1]["train_loss"]}), flush=True)
    distributed.shutdown()


def measure(args: argparse.Namespace, source: str, stream: bool, nproc: int = 1) -> dict:
    options = ["--child", "--source", source, "--data-dir", args.data_dir, "--steps",
               str(args.steps), "--epochs", str(args.epochs), "--workers", str(args.workers)]
    options += ["--stream"] if stream else []
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                f"--nproc-per-node={nproc}"] if nproc > 1 else [sys.executable]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT / "src")}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([*launcher, "-m", "benchmarks.scale", *options], cwd=ROOT,
                                env=env, stdout=out, stderr=err, text=True)
        peaks = watch_rss(proc)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            raise SystemExit(f"measurement failed:\n{err.read()[-3000:]}")
        result = json.loads([line for line in out.read().splitlines()
                             if line.startswith("{")][-1])
    return {**result, **peaks}


def _proc(pid: int) -> tuple[int, str, float] | None:
    """(parent pid, command line, resident MB) of a live process, or None."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    rss_kb = int(fields.get("VmRSS", "0 kB").split()[0])
    return int(fields["PPid"]), cmdline, rss_kb / 1024


def watch_rss(proc: subprocess.Popen, every: float = 0.05) -> dict[str, float]:
    """Peak resident memory of the training processes (ranks) and of their DataLoader
    workers, sampled from /proc while `proc` runs (ru_maxrss would carry the parent's peak
    across exec)."""
    peaks = {"rss_main_mb": 0.0, "rss_worker_mb": 0.0}
    while proc.poll() is None:
        table = {int(d): info for d in os.listdir("/proc") if d.isdigit()
                 if (info := _proc(int(d))) is not None}
        training = {pid for pid, (_, cmd, _) in table.items()
                    if "--child" in cmd and "torch.distributed.run" not in cmd}
        for pid in training:
            parent, _, rss = table[pid]
            key = "rss_worker_mb" if parent in training else "rss_main_mb"
            peaks[key] = max(peaks[key], rss)
        time.sleep(every)
    return peaks


def write_tiled(raw: np.ndarray, times: int, path: Path) -> None:
    """MNIST repeated `times` times into a .npy written chunk by chunk (never all in memory)."""
    out = np.lib.format.open_memmap(path, "w+", np.uint8, (len(raw) * times, *raw.shape[1:]))
    for i in range(times):
        out[i * len(raw):(i + 1) * len(raw)] = raw
    out.flush()
    del out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA))
    parser.add_argument("--steps", type=int, default=400,
                        help="batches per epoch (400 x 150 = 60k samples)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs; the first warms up")
    parser.add_argument("--workers", type=int, default=2, help="DataLoader workers per rank")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    parser.add_argument("--stream", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    from aekit.config import DataConfig
    from aekit.data.sources import read_raw

    raw = read_raw("mnist", DataConfig(data_dir=args.data_dir)).x[:, 0]  # (60000, 28, 28) uint8
    with tempfile.TemporaryDirectory(prefix="aekit-scale-") as folder:
        one, twenty = Path(folder) / "mnist1x.npy", Path(folder) / "mnist20x.npy"
        np.save(one, raw)
        write_tiled(raw, 20, twenty)
        runs = {
            "in-memory 60k": measure(args, "mnist", stream=False),
            "streamed 1x (60k)": measure(args, str(one), stream=True),
            "streamed 20x (1.2M)": measure(args, str(twenty), stream=True),
            "2 processes, streamed 20x": measure(args, str(twenty), stream=True, nproc=2),
        }
    reference = runs["in-memory 60k"]["samples_per_s"]
    print(f"stacked-mnist, batch 150, {args.steps} steps x {args.epochs} epochs per run, "
          f"1 thread per process, {args.workers} DataLoader workers per streamed rank")
    print(f"{'run':<28}{'samples/s':>11}{'vs memory':>11}{'RSS main MB':>13}"
          f"{'RSS worker MB':>15}")
    for name, r in runs.items():
        print(f"{name:<28}{r['samples_per_s']:>11.0f}{r['samples_per_s'] / reference:>11.2f}"
              f"{r['rss_main_mb']:>13.0f}{r['rss_worker_mb']:>15.0f}")
    single, double = (runs[k]["samples_per_s"] for k in ("streamed 20x (1.2M)",
                                                         "2 processes, streamed 20x"))
    print(f"streamed 20x / in-memory 60k = {single / reference:.2f} (target >= 0.80)")
    print(f"2-process scaling efficiency = {double / (2 * single):.2f} "
          f"(speed-up {double / single:.2f}x)")


if __name__ == "__main__":
    main()
