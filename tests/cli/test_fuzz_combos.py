"""A handful of the combination fuzzer's cases in the default suite (`python -m
benchmarks.fuzz_combos` runs thousands): outputs named as inputs in every spelling, checkpoints
copied from another run and runs inside runs are refused in one line, no input changes."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from benchmarks.fuzz_combos import Seeds, make_seeds, run_cases

CASES = 24


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Seeds:
    return make_seeds(tmp_path_factory.mktemp("combos") / "seeds", data_dir)


def test_run_and_path_combinations(seeds: Seeds, tmp_path: Path) -> None:
    counts, bad = run_cases(seeds, CASES, 0, tmp_path,
                            ("out-is-input", "foreign-checkpoint", "nested-out"))
    total: collections.Counter = sum(counts.values(), collections.Counter())
    assert not bad, "\n".join(bad[:5])
    assert total["refused"] == CASES
