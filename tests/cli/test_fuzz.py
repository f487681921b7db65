"""Fuzzing in the default suite: 200 mutated inputs per data format and per run-directory file,
each through a command that reads it (evaluate, encode, reconstruct, detect, report, resume),
called by the CLI's own main(), must end in success or one `aekit: error:` line naming the file
or option: no traceback, no hang. `python -m benchmarks.fuzz` runs 10,000 with training too."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from benchmarks.fuzz_cases import DATA_TARGETS, RUN_TARGETS, Seeds, build_case, make_seeds, run_case

CASES = 200
SCORING = ("evaluate", "encode", "reconstruct", "detect")


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Seeds:
    return make_seeds(tmp_path_factory.mktemp("fuzz") / "seeds", data_dir)


def _fuzz(seeds: Seeds, target: str, commands: tuple[str, ...], tmp_path: Path,
          cases: int = CASES) -> None:
    rng = random.Random(f"{target}")
    outcomes: dict[str, int] = {}
    failures = []
    for index in range(cases):
        work = tmp_path / f"case{index}"
        work.mkdir()
        argv = build_case(seeds, target, commands[index % len(commands)], rng, work)
        outcome, message = run_case(argv, timeout=30)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if outcome not in ("ok", "error", "warning"):
            failures.append(f"{outcome}: {' '.join(argv)} -> {message}")
        elif outcome == "error":
            assert "/" in message or "--" in message, message  # names the file or option
        shutil.rmtree(work)
    assert not failures, "\n".join(failures[:5])
    assert outcomes.get("error", 0) > cases // 10  # the mutations do reach the checks


@pytest.mark.parametrize("target", DATA_TARGETS)
def test_fuzz_data_format(target: str, seeds: Seeds, tmp_path: Path) -> None:
    _fuzz(seeds, target, SCORING, tmp_path)


READERS = {"config.json": (*SCORING, "report"), "metrics.json": ("report", "evaluate"),
           "model.safetensors": SCORING, "checkpoints/last.safetensors": ("resume",),
           "detector.safetensors": ("detect",), ".aekit-manifest.json": ("overwrite",)}


@pytest.mark.parametrize("target", RUN_TARGETS)
def test_fuzz_run_directory_file(target: str, seeds: Seeds, tmp_path: Path) -> None:
    """Each file through the commands that read it; a manifest through --overwrite, which
    trains when the manifest survives, so it gets fewer cases."""
    _fuzz(seeds, target, READERS[target], tmp_path, 40 if "manifest" in target else CASES)
