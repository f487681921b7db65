"""A model is checked against the memory this process may use, not the machine's RAM: under
`ulimit -v` (a container, a batch job) an oversized model is refused in one line before
training, instead of failing in the allocator mid-step."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from aekit.data.sources import ram_gib

CAP = 3 * 2**30  # bytes of address space: torch and the data fit, the model's training does not
STEPS = 600_000  # per series: the default model's first layer then holds ~180M weights


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


def _long_series_file(data_dir: Path, path: Path) -> Path:
    """GunPoint's first three series tiled to `STEPS` points each, as a .ts file."""
    lines = (data_dir / "timeseries" / "GunPoint_TRAIN.ts").read_text().splitlines()
    rows = [line for line in lines if line and not line.startswith(("@", "#"))][:3]
    header = [line for line in lines if line.startswith("@")]
    header = [f"@seriesLength {STEPS}" if h.lower().startswith("@serieslength") else h
              for h in header]
    body = []
    for row in rows:
        values, label = row.rsplit(":", 1)
        series = np.array(values.split(","), dtype=np.float64)
        tiled = np.resize(series, STEPS)
        body.append(",".join(f"{v:.4f}" for v in tiled) + ":" + label)
    path.write_text("\n".join(header + body) + "\n")
    return path


def test_the_memory_limit_is_the_address_space_limit_when_lower() -> None:
    code = "from aekit.data.sources import ram_gib; print(ram_gib())"
    capped = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            preexec_fn=_capped, check=True)
    assert float(capped.stdout) == pytest.approx(CAP / 2**30)
    assert ram_gib() > CAP / 2**30  # this machine's own figure is not the cap


def test_an_oversized_model_is_refused_under_a_memory_cap(data_dir, tmp_path) -> None:
    data = _long_series_file(data_dir, tmp_path / "long_TRAIN.ts")
    done = subprocess.run([sys.executable, "-m", "aekit", "train", "--data", str(data),
                           "--epochs", "1", "--threads", "1", "--out", str(tmp_path / "run")],
                          capture_output=True, text=True, preexec_fn=_capped, timeout=300)
    assert done.returncode == 2, done.stderr[-800:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "parameters" in lines[0] and "GiB" in lines[0], lines
    assert not (tmp_path / "run").exists()
