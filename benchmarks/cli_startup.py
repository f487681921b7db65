"""How long `aekit --help` and `aekit --version` take, beside Python's own start-up and an
`import torch` measured in the same run (the machines are shared, absolute times drift).

    python -m benchmarks.cli_startup [--repeats 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def _median_seconds(command: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    repeats = parser.parse_args().repeats
    aekit = shutil.which("aekit") or "aekit"
    rows = [("python -c pass (anchor)", [sys.executable, "-c", "pass"]),
            ("aekit --help", [aekit, "--help"]),
            ("aekit --version", [aekit, "--version"]),
            ("aekit train --help", [aekit, "train", "--help"]),
            ("python -c 'import torch' (what --help used to pay)",
             [sys.executable, "-c", "import torch"])]
    print(f"| command | median s of {repeats} |\n|---|---|")
    for name, command in rows:
        print(f"| {name} | {_median_seconds(command, repeats):.3f} |")


if __name__ == "__main__":
    main()
