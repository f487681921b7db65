"""A seeded mutator over every file aekit reads, and the CLI in-process as the oracle.

Seeds are real data (MNIST images as IDX, .gz, .npy, .npz and PNGs; an ECG CSV; a UCR .ts) and
the files of real run directories. Each case mutates one seed (bit flips, interesting integers
in the header, cuts, appends; for JSON, values swapped for wrong types, huge numbers, NaN, deep
nesting) and runs one command through `aekit.cli.main.main`. The outcome is `ok`, `error` (one
`aekit: error:` line, exit 2), `warning` (exit 0 with a line on stderr), `traceback` (anything
else: an internal error, more lines, an exception out of main), `hang` (over the per-case
timeout) or `oom`.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import random
import shutil
import signal
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import aekit
from aekit.cli.main import main

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
DATA_TARGETS = ("idx", "idx.gz", "npy", "npz", "csv", "ts", "png")
RUN_TARGETS = ("config.json", "metrics.json", "model.safetensors", "checkpoints/last.safetensors",
               "detector.safetensors", ".aekit-manifest.json")
DATA_COMMANDS = ("train", "evaluate", "encode", "reconstruct", "detect")
RUN_COMMANDS = ("evaluate", "encode", "reconstruct", "detect", "report", "resume", "overwrite")
TRAINS = ("train", "resume", "overwrite")  # seconds each when they succeed: drawn less often


def plan() -> list[tuple[str, str]]:
    """(target, command) pairs in the proportions the fuzzer cycles through."""
    def weight(command: str) -> int:
        return 1 if command in TRAINS else 8

    return [(t, c) for t in DATA_TARGETS for c in DATA_COMMANDS for _ in range(weight(c))] + \
           [(t, c) for t in RUN_TARGETS for c in RUN_COMMANDS for _ in range(weight(c))]
COMMON = ["--max-memory", "0.25", "--device", "cpu"]
INTERESTING = (0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)
JSON_VALUES = (None, True, -1, 0, 2**63, 1e308, float("nan"), "x", [], {}, [1.5], "../../etc")


class Hang(BaseException):
    """Raised by the per-case alarm; a BaseException so that main's handlers let it through."""


@dataclass
class Seeds:
    """Seed files per data format, and the run each format is scored with."""

    folder: Path
    files: dict[str, Path]
    runs: dict[str, Path]


def _write_idx(path: Path, x: np.ndarray) -> None:
    head = b"\x00\x00\x08" + bytes([x.ndim]) + struct.pack(f">{x.ndim}I", *x.shape)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as handle:
        handle.write(head + x.astype(np.uint8).tobytes())


def make_seeds(folder: Path, data_dir: Path = DATA_DIR) -> Seeds:
    """Seed files from the shared real data, and three small trained runs (images, the CSV
    series, the .ts series) to evaluate, encode, reconstruct and detect them with."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    mnist = aekit.load_source("mnist:test", data_dir=data_dir, limit=48)
    x, y = mnist.x[:, 0].astype(np.uint8), mnist.y
    files = {"idx": folder / "seed-idx3-ubyte", "idx.gz": folder / "seed.gz",
             "npy": folder / "seed.npy", "npz": folder / "seed.npz", "csv": folder / "seed.csv",
             "ts": folder / "seed.ts", "png": folder / "pngs"}
    _write_idx(files["idx"], x)
    _write_idx(files["idx.gz"], x)
    np.save(files["npy"], x)
    np.savez(files["npz"], x=x, y=(y == 7).astype(np.int64))
    csv_lines = (data_dir / "timeseries" / "ecg-diff-count-3_TEST.csv").read_text().splitlines()
    files["csv"].write_text("\n".join(csv_lines[:400]) + "\n")
    ts_lines = (data_dir / "timeseries" / "ItalyPowerDemand_TRAIN.ts").read_text().splitlines()
    at = next(i for i, line in enumerate(ts_lines) if line.lower().startswith("@data"))
    files["ts"].write_text("\n".join(ts_lines[:at + 31]) + "\n")
    files["png"].mkdir(exist_ok=True)
    for i in range(12):
        Image.fromarray(x[i]).save(files["png"] / f"{i:02d}.png")
    runs = {}
    for name, data, extra in (("image", files["npy"], []),
                              ("csv", files["csv"], ["--label-column", "is_anomaly"]),
                              ("ts", files["ts"], [])):
        runs[name] = folder / f"run-{name}"
        rc = main(["train", "--data", str(data), "--hidden", "8,2", "--epochs", "2",
                   "--batch-size", "16", "--out", str(runs[name]), "--quiet", *extra, *COMMON])
        assert rc == 0, f"seed run {name} did not train"
    return Seeds(folder, files, runs)


def run_for(target: str) -> str:
    return {"csv": "csv", "ts": "ts"}.get(target, "image")


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    raw = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        head = rng.random() < 0.5  # headers are where the sizes live
        at = rng.randrange(min(len(raw), 160) if head else len(raw)) if raw else 0
        op = rng.randrange(7)
        if op == 0 and raw:
            raw[at] ^= 1 << rng.randrange(8)
        elif op == 1 and raw:
            raw[at] = rng.randrange(256)
        elif op == 2:
            value, width = rng.choice(INTERESTING), rng.choice((1, 2, 4, 8))
            order = rng.choice(("big", "little"))
            raw[at:at + width] = (value % 256**width).to_bytes(width, order)
        elif op == 3:
            del raw[rng.randrange(len(raw) + 1):]
        elif op == 4:
            raw += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
        elif op == 5 and raw:
            raw[at:at] = raw[at:at + rng.randrange(1, 64)]
        elif raw:
            del raw[at:at + rng.randrange(1, 64)]
    return bytes(raw)


def mutate_json(text: bytes, rng: random.Random) -> bytes:
    if rng.random() < 0.25:
        return mutate_bytes(text, rng)
    if rng.random() < 0.05:
        return b"[" * 100_000 + b"]" * 100_000
    doc = json.loads(text)
    parent, key, node = None, None, doc
    for _ in range(rng.randint(1, 4)):
        keys = list(node) if isinstance(node, dict) else list(range(len(node))) \
            if isinstance(node, list) else []
        if not keys:
            break
        parent, key = node, rng.choice(keys)
        node = parent[key]
        if rng.random() < 0.5:
            break
    if parent is None:
        return json.dumps(rng.choice(JSON_VALUES)).encode()
    if isinstance(parent, dict) and rng.random() < 0.2:
        del parent[key]
    else:
        parent[key] = rng.choice(JSON_VALUES)
    return json.dumps(doc).encode()


def mutate(target: str, data: bytes, rng: random.Random) -> bytes:
    return (mutate_json if target.endswith(".json") else mutate_bytes)(data, rng)


def build_case(seeds: Seeds, target: str, command: str, rng: random.Random, work: Path
               ) -> list[str]:
    """Write the mutated input under `work` and return the command line that reads it."""
    if target in DATA_TARGETS:
        seed = seeds.files[target]
        if target == "png":
            path = work / "pngs"
            shutil.copytree(seed, path)
            victim = rng.choice(sorted(path.iterdir()))
            victim.write_bytes(mutate_bytes(victim.read_bytes(), rng))
        else:
            path = work / seed.name
            path.write_bytes(mutate(target, seed.read_bytes(), rng))
        data = ["--data", str(path), "--limit", "40", *COMMON]
        run = str(seeds.runs[run_for(target)])
        if target == "csv":
            data += ["--label-column", "is_anomaly"]
        if command == "train":
            stream = ["--stream", "--workers", "0"] if rng.random() < 0.3 else []
            return ["train", *data, "--hidden", "8,2", "--epochs", "1", "--batch-size", "16",
                    "--out", str(work / "out"), "--quiet", *stream]
        return _scored(command, run, data, work)
    run = work / "run"
    shutil.copytree(seeds.runs["image"], run)
    victim = run / target
    victim.write_bytes(mutate(target, victim.read_bytes(), rng))
    data = ["--data", str(seeds.files["npy"]), "--limit", "40", *COMMON]
    if command == "resume":
        return ["train", "--resume", str(run), "--epochs", "3", "--quiet", "--device", "cpu"]
    if command == "overwrite":
        return ["train", *data, "--hidden", "8,2", "--epochs", "1", "--out", str(run),
                "--overwrite", "--quiet"]
    if command == "report":
        return ["report", str(run)]
    return _scored(command, str(run), data, work)


def _scored(command: str, run: str, data: list[str], work: Path) -> list[str]:
    outs = {"encode": "codes.npy", "reconstruct": "recon.npy", "detect": "scores.csv"}
    if command == "evaluate":
        return ["evaluate", run, *data]
    return [command, run, *data, "--out", str(work / outs[command])]


def run_case(argv: list[str], timeout: float) -> tuple[str, str]:
    """(outcome, the last line of stderr) of `aekit ARGV`, in this process."""
    def alarm(signum: int, frame: object) -> None:
        raise Hang

    err, out = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            rc = main(argv)
    except Hang:
        return "hang", " ".join(argv)
    except MemoryError:
        return "oom", " ".join(argv)
    except Exception as exc:  # escaping main at all is what is counted
        return "traceback", f"{type(exc).__name__}: {exc}"[:300]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    lines = [line for line in err.getvalue().splitlines() if not line.startswith("aekit: note:")]
    last = lines[-1] if lines else ""
    if rc == 0:  # what else it printed is a warning (e.g. numpy's), not a traceback
        return ("warning", last) if lines and "Traceback" not in err.getvalue() else ("ok", "")
    if rc == 2 and len(lines) == 1 and last.startswith("aekit: error: "):
        return ("oom" if "out of memory" in last else "error"), last
    return "traceback", f"rc {rc}: " + " | ".join(lines)[-400:]
