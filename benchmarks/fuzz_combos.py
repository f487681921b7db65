"""Fuzz what a single-file fuzzer cannot reach: combinations of options, files and runs.

    python -m benchmarks.fuzz_combos [--cases 2000] [--seed 0]

Five families of cases, drawn at random over small real data (rows of ADBench's Pima table as
CSV and .npz, scikit-learn's digits as .npy, unequal-length UCR .ts series, an ECG series CSV)
and tiny runs (1 epoch, hidden 8,2, one thread), each run in this process by
`aekit.cli.main.main`:
- out-is-input: an output flag naming an input (the same path, a ./ or ../ spelling, a symbolic
  or hard link, a file of the input run);
- columns: --train / --data (or a run and --data) whose columns are reordered, renamed, fewer or
  more, or a .npz beside a CSV; scores of reordered columns must equal the original order's;
- ignored: a command run with and without one option that should change what it writes; the
  option passes when the output changes or the command refuses it;
- foreign-checkpoint: a run resumed from a checkpoint copied from another run;
- nested-out: a new run written inside a run.

Every case counts in one outcome: `traceback` (an exception out of main, or an exit code other
than 0, 2 and 130), `internal` (an "internal error ... please report it" line), `input-changed`
(the SHA-256 of an input file, or of a run's own files, differs after the case), `ignored`
(an option accepted and dropped: byte-identical output), `wrong` (columns matched by position,
or runs mixed: a foreign checkpoint or nested run accepted), else `refused` (one
`aekit: error:` line) or `ok`.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import hashlib
import io
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from aekit.cli.main import main

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
TINY = ["--hidden", "8,2", "--epochs", "1", "--quiet", "--device", "cpu"]
RUN_FILES = ("config.json", "model.safetensors", "metrics.json", "checkpoints/last.safetensors",
             ".aekit-manifest.json")
"""A run's own files, hashed as inputs (detect may add scores to detector.safetensors and
report rewrites report.html by design)."""
FAMILIES = ("out-is-input", "columns", "ignored", "foreign-checkpoint", "nested-out")
OUTCOMES = ("ok", "refused", "traceback", "internal", "input-changed", "ignored", "wrong")


@dataclass
class Seeds:
    """The files and runs the cases read, under `folder`."""

    folder: Path
    files: dict[str, Path]
    runs: dict[str, Path]


def _table_csv(path: Path, x: np.ndarray, y: np.ndarray, names: list[str]) -> Path:
    header = ",".join([*names, "label"])
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", header=header, comments="",
               fmt="%.6g")
    return path


def make_seeds(folder: Path, data_dir: Path = DATA_DIR) -> Seeds:
    """Real data in every layout the cases combine, and four tiny runs."""
    from sklearn.datasets import load_digits

    folder.mkdir(parents=True, exist_ok=True)
    pima = np.load(data_dir / "adbench" / "29_Pima.npz")
    x, y = pima["X"].astype(np.float64), pima["y"].astype(np.int64)
    names = [f"f{i}" for i in range(x.shape[1])]
    order = [3, 0, 7, 1, 5, 2, 6, 4]
    files = {
        "train.csv": _table_csv(folder / "train.csv", x[:80], y[:80], names),
        "data.csv": _table_csv(folder / "data.csv", x[80:130], y[80:130], names),
        "reordered.csv": _table_csv(folder / "reordered.csv", x[80:130][:, order], y[80:130],
                                    [names[i] for i in order]),
        "renamed.csv": _table_csv(folder / "renamed.csv", x[80:130], y[80:130],
                                  [f"g{i}" for i in range(x.shape[1])]),
        "swapped.csv": _table_csv(folder / "swapped.csv", x[80:130], y[80:130],
                                  [names[1], names[0], *names[2:]]),
        "fewer.csv": _table_csv(folder / "fewer.csv", x[80:130, :-1], y[80:130], names[:-1]),
        "more.csv": _table_csv(folder / "more.csv", np.column_stack([x[80:130], x[80:130, 0]]),
                               y[80:130], [*names, "extra"]),
        "imgs.npy": folder / "imgs.npy", "data.npz": folder / "data.npz",
        "series.ts": folder / "series.ts", "ecg.csv": folder / "ecg.csv",
        "ecg_t.csv": folder / "ecg_t.csv",
    }
    np.save(files["imgs.npy"], load_digits().images[:60].astype(np.float32))
    np.savez(files["data.npz"], x=x[80:130], y=y[80:130])
    ts = (data_dir / "timeseries" / "JapaneseVowels_TRAIN.ts").read_text().splitlines()
    at = next(i for i, line in enumerate(ts) if line.lower().startswith("@data"))
    files["series.ts"].write_text("\n".join(ts[:at + 31]) + "\n")
    ecg = (data_dir / "timeseries" / "ecg-diff-count-3_TEST.csv").read_text().splitlines()
    files["ecg.csv"].write_text("\n".join(ecg[:401]) + "\n")
    # the same points, newest first, under a time column no default recognises: --time-column
    # then decides both which column is time and the order the points are windowed in
    files["ecg_t.csv"].write_text("\n".join([ecg[0].replace("timestamp", "t", 1),
                                             *reversed(ecg[1:401])]) + "\n")
    runs = {}
    for name, data, extra in (("table", "train.csv", ["--label-column", "label"]),
                              ("table2", "train.csv", ["--label-column", "label", "--seed", "1"]),
                              ("sgd", "train.csv", ["--label-column", "label", "--optimizer",
                                                    "sgd"]),
                              ("image", "imgs.npy", [])):
        runs[name] = folder / f"run-{name}"
        assert main(["train", "--data", str(files[data]), "--out", str(runs[name]), *TINY,
                     *extra]) == 0, f"seed run {name} did not train"
    return Seeds(folder, files, runs)


def digest(paths: list[Path]) -> dict[str, str]:
    """SHA-256 of each input file, and of each run's own files."""
    found = {}
    for path in paths:
        targets = [path / name for name in RUN_FILES] if path.is_dir() else [path]
        for target in targets:
            if target.is_file():
                found[str(target)] = hashlib.sha256(target.read_bytes()).hexdigest()
    return found


def call(argv: list[str]) -> tuple[int | None, str]:
    """(exit code, stderr) of `aekit ARGV` in this process; None when an exception escaped."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            rc = main(argv)
    except SystemExit as exc:  # argparse's refusal of an option: usage and one error line
        return (exc.code if isinstance(exc.code, int) else 2), err.getvalue()
    except Exception as exc:  # escaping main at all is what is counted
        return None, f"{type(exc).__name__}: {exc}"
    return rc, err.getvalue()


def judge(rc: int | None, err: str) -> str:
    if rc is None or rc not in (0, 2, 130) or "Traceback" in err:
        return "traceback"
    if "please report" in err:
        return "internal"
    return "ok" if rc == 0 else "refused"


def checksum(path: Path) -> str | None:
    """SHA-256 of an output file, or of every file under an output folder."""
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    if path.is_dir():
        hasher = hashlib.sha256()
        for item in sorted(p for p in path.rglob("*") if p.is_file()
                           and p.name not in ("config.json", "metrics.json", "report.html")
                           and "figures" not in p.parts and ".aekit" not in p.name):
            hasher.update(item.name.encode() + item.read_bytes())
        return hasher.hexdigest()
    return None


Case = Callable[[Seeds, random.Random, Path], tuple[str, str]]
"""A case: (outcome, what ran) from the seeds, a random source and an empty work folder."""


def _spell(target: Path, rng: random.Random, work: Path) -> str:
    """`target` as another spelling of the same file: itself, ./ or ../ relative to the work
    folder (the current directory), or a symbolic or hard link."""
    how = rng.choice(("same", "dot", "dotdot", "symlink", "hardlink"))
    if how == "dot":
        return "./" + os.path.relpath(target, work)
    if how == "dotdot":
        return os.path.join("..", work.name, os.path.relpath(target, work))
    if how in ("symlink", "hardlink") and target.is_file():
        link = work / f"link-{rng.randrange(10**6)}{target.suffix}"
        (os.symlink if how == "symlink" else os.link)(target, link)
        return str(link)
    return str(target)


def out_is_input(seeds: Seeds, rng: random.Random, work: Path) -> tuple[str, str]:
    f, r = seeds.files, seeds.runs
    table, image = str(r["table"]), str(r["image"])
    choices = [
        (["detect", "--data", "{in}", "--label-column", "label", "--out", "{out}"],
         f["data.csv"]),
        (["detect", "--data", str(f["data.csv"]), "--train", "{in}", "--label-column", "label",
          "--out", "{out}"], f["train.csv"]),
        (["detect", table, "--data", "{in}", "--out", "{out}"], f["data.csv"]),
        (["detect", table, "--data", str(f["data.csv"]), "--out", "{out}"],
         r["table"] / "config.json"),
        (["train", "--data", "{in}", "--label-column", "label", "--out", "{out}", "--overwrite",
          *TINY], f["train.csv"]),
        (["encode", image, "--data", "{in}", "--out", "{out}"], f["imgs.npy"]),
        (["reconstruct", image, "--data", "{in}", "--out", "{out}"], f["imgs.npy"]),
        (["denoise", image, "--data", "{in}", "--noise", "gaussian:0.1", "--out", "{out}"],
         f["imgs.npy"]),
        (["denoise", image, "--data", str(f["imgs.npy"]), "--noise", "gaussian:0.1", "--out",
          str(work / "c.npy"), "--noisy-out", "{out}"], f["imgs.npy"]),
        (["reconstruct", image, "--data", str(f["imgs.npy"]), "--out", str(work / "r.npy"),
          "--figure", "{out}"], r["image"] / "figures" / "loss.png"),
        (["report", image, "--out", "{out}"], r["image"] / "config.json"),
        (["pretrain", image, "--data", str(f["imgs.npy"]), "--labels", "10", "--epochs", "1",
          "--out", "{out}"], r["image"]),
        (["export", image, "--data", "{in}", "--out", "{out}"], f["imgs.npy"]),
    ]
    template, target = rng.choice(choices)
    spelt = _spell(target, rng, work)
    argv = [spelt if a in ("{in}", "{out}") else a for a in template]
    before = digest([*seeds.files.values(), *seeds.runs.values()])
    rc, err = call(argv)
    outcome = judge(rc, err)
    if outcome in ("ok", "refused") and digest([*seeds.files.values(),
                                                *seeds.runs.values()]) != before:
        outcome = "input-changed"
    return outcome, " ".join(argv)


def _scores(path: Path) -> np.ndarray | None:
    if not path.is_file():
        return None
    return np.genfromtxt(path, delimiter=",", names=True)["score"]


COLUMN_VARIANTS = {"reordered.csv": "same", "more.csv": "same", "swapped.csv": "differ",
                   "renamed.csv": "refuse", "fewer.csv": "refuse", "data.npz": "refuse"}
"""What matching columns by name gives for each --data beside the original: the original's
scores (its columns, in another order or with one more), other scores (two names swapped over
their values), or a refusal (names that are not the training's, one column short, no names)."""


def columns(seeds: Seeds, rng: random.Random, work: Path) -> tuple[str, str]:
    """A --data variant scored by a run or by the default detector fitted on --train, against
    the original --data: `wrong` when the outcome is not what matching by name gives."""
    f = seeds.files
    variant = rng.choice(sorted(COLUMN_VARIANTS))
    with_run = rng.random() < 0.5
    head = ["detect", str(seeds.runs["table"])] if with_run else \
        ["detect", "--train", str(f["train.csv"])]
    label = [] if variant.endswith(".npz") else ["--label-column", "label"]
    original, changed = work / "original.csv", work / "changed.csv"
    before = digest([*seeds.files.values(), *seeds.runs.values()])
    call([*head, "--data", str(f["data.csv"]), "--label-column", "label", "--out",
          str(original), "--device", "cpu"])
    argv = [*head, "--data", str(f[variant]), *label, "--out", str(changed), "--device", "cpu"]
    rc, err = call(argv)
    outcome = judge(rc, err)
    expected = COLUMN_VARIANTS[variant]
    if outcome == "ok":
        scores = _scores(original), _scores(changed)
        same = scores[0] is not None and np.allclose(*scores, atol=1e-6)
        if expected == "refuse" or same != (expected == "same"):
            outcome = "wrong"
    if digest([*seeds.files.values(), *seeds.runs.values()]) != before:
        outcome = "input-changed"
    return outcome, " ".join(argv)


def _ignored_choices(seeds: Seeds) -> list[tuple[list[str], list[str], str]]:
    """(command, option, output name): the option should change what the command writes."""
    f, r = seeds.files, seeds.runs
    table, image = str(r["table"]), str(r["image"])
    table_data = ["--data", str(f["data.csv"]), "--label-column", "label"]
    series = ["--data", str(f["ecg.csv"]), "--label-column", "is_anomaly"]
    return [
        (["detect", *table_data], ["--limit", "20"], "s.csv"),
        (["detect", *table_data], ["--contamination", "0.3"], "s.csv"),
        (["detect", *table_data], ["--threshold", "0"], "s.csv"),
        (["detect", *table_data], ["--train", str(f["train.csv"])], "s.csv"),
        (["detect", "--data", str(f["ecg_t.csv"]), "--label-column", "is_anomaly"],
         ["--time-column", "t"], "s.csv"),
        (["detect", *series], ["--window", "16"], "s.csv"),
        (["detect", *series, "--window", "16"], ["--stride", "4"], "s.csv"),
        (["detect", "--data", str(f["series.ts"])], ["--pad", "resample", "--limit", "10"],
         "s.csv"),
        (["detect", table, *table_data], ["--score", "knn"], "s.csv"),
        (["detect", table, *table_data], ["--limit", "10"], "s.csv"),
        (["detect", table, *table_data], ["--contamination", "0.3"], "s.csv"),
        (["encode", image, "--data", str(f["imgs.npy"])], ["--limit", "10"], "c.npy"),
        (["reconstruct", image, "--data", str(f["imgs.npy"])], ["--limit", "10"], "r.npy"),
        (["denoise", image, "--data", str(f["imgs.npy"]), "--noise", "gaussian:0.3"],
         ["--seed", "1"], "d.npy"),
        (["denoise", image, "--data", str(f["imgs.npy"])], ["--noise", "saltpepper:0.3"],
         "d.npy"),
        (["train", "--data", str(f["train.csv"]), "--label-column", "label", *TINY],
         ["--seed", "3"], "run"),
        (["train", "--data", str(f["train.csv"]), "--label-column", "label", *TINY],
         ["--limit", "30"], "run"),
    ]


def ignored(seeds: Seeds, rng: random.Random, work: Path) -> tuple[str, str]:
    command, option, name = rng.choice(_ignored_choices(seeds))
    before = digest([*seeds.files.values(), *seeds.runs.values()])
    plain, given = work / "plain" / name, work / "given" / name
    plain.parent.mkdir()
    given.parent.mkdir()
    call([*command, "--out", str(plain)])
    argv = [*command, *option, "--out", str(given)]
    rc, err = call(argv)
    outcome = judge(rc, err)
    if outcome == "ok" and checksum(plain) is not None and checksum(plain) == checksum(given):
        outcome = "ignored"
    if digest([*seeds.files.values(), *seeds.runs.values()]) != before:
        outcome = "input-changed"
    return outcome, " ".join(argv)


def foreign_checkpoint(seeds: Seeds, rng: random.Random, work: Path) -> tuple[str, str]:
    """A copy of one run with the checkpoint of another (its twin with another seed, or an
    SGD run) resumed: refused, or it would continue another run under this one's name."""
    mine, theirs = rng.choice((("table", "table2"), ("table", "sgd"), ("table2", "table"),
                               ("sgd", "table")))
    run = work / "run"
    shutil.copytree(seeds.runs[mine], run)
    shutil.copy(seeds.runs[theirs] / "checkpoints" / "last.safetensors",
                run / "checkpoints" / "last.safetensors")
    argv = ["train", "--resume", str(run), "--epochs", str(rng.randint(2, 3)), "--quiet",
            "--device", "cpu"]
    rc, err = call(argv)
    outcome = judge(rc, err)
    return ("wrong" if outcome == "ok" else outcome), " ".join(argv)


def nested_out(seeds: Seeds, rng: random.Random, work: Path) -> tuple[str, str]:
    """A new run (train or pretrain) inside a copy of a run, at some depth."""
    run = work / "run"
    shutil.copytree(seeds.runs["image"], run)
    inner = run.joinpath(*rng.sample(["sub", "deeper", "figures", "x"], rng.randint(1, 2)))
    if rng.random() < 0.5:
        argv = ["train", "--data", str(seeds.files["imgs.npy"]), "--out", str(inner), *TINY]
    else:
        argv = ["pretrain", str(run), "--data", str(seeds.files["imgs.npy"]), "--labels", "10",
                "--epochs", "1", "--out", str(inner), "--device", "cpu"]
    before = digest([run])
    rc, err = call(argv)
    outcome = judge(rc, err)
    if outcome == "ok":
        outcome = "wrong"
    if digest([run]) != before:
        outcome = "input-changed"
    return outcome, " ".join(argv)


CASES: dict[str, Case] = {"out-is-input": out_is_input, "columns": columns,
                          "ignored": ignored, "foreign-checkpoint": foreign_checkpoint,
                          "nested-out": nested_out}
WEIGHTS = {"out-is-input": 10, "columns": 2, "ignored": 2, "foreign-checkpoint": 3,
           "nested-out": 3}
"""Cheap refusals are drawn more often than the cases that train a detector twice."""


def run_cases(seeds: Seeds, cases: int, seed: int, root: Path,
              families: tuple[str, ...] = FAMILIES
              ) -> tuple[dict[str, collections.Counter], list[str]]:
    """Run `cases` drawn cases; (outcome counts per family, the first bad cases)."""
    rng = random.Random(seed)
    pool = [name for name in families for _ in range(WEIGHTS[name])]
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    bad: list[str] = []
    here = Path.cwd()
    for index in range(cases):
        family = pool[index % len(pool)] if index < len(pool) else rng.choice(pool)
        work = root / f"case{index}"
        work.mkdir()
        os.chdir(work)  # ./ and ../ spellings are relative to the case's folder
        try:
            outcome, argv = CASES[family](seeds, rng, work)
        finally:
            os.chdir(here)
        counts[family][outcome] += 1
        if outcome not in ("ok", "refused"):
            bad.append(f"{outcome} [{family}] " + argv.replace(str(root), "ROOT")
                       .replace(f"case{index}", "CASE"))
        shutil.rmtree(work, ignore_errors=True)
    return counts, bad


def main_cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    root = Path(tempfile.mkdtemp(prefix="aekit-combos-"))
    try:
        started = time.perf_counter()
        seeds = make_seeds(root / "seeds")
        counts, bad = run_cases(seeds, args.cases, args.seed, root)
        print(f"{'family':<22}" + "".join(f"{o:>14}" for o in OUTCOMES))
        total: collections.Counter = collections.Counter()
        for family in FAMILIES:
            total.update(counts[family])
            print(f"{family:<22}" + "".join(f"{counts[family][o]:>14}" for o in OUTCOMES))
        print(f"{'all':<22}" + "".join(f"{total[o]:>14}" for o in OUTCOMES))
        print(f"\n{args.cases} cases in {time.perf_counter() - started:.0f} s")
        for line, times in collections.Counter(bad).most_common():  # each distinct one once
            print(f"{times:>5} x {line[:400]}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main_cli()
