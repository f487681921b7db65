"""How long `aekit --help`, `aekit --version` and every command's `--help` take (target: under
0.5 s each, without importing torch), beside Python's own start-up and an `import torch`
measured in the same run (the machines are shared, absolute times drift).

    python -m benchmarks.cli_startup [--repeats 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

from aekit.cli.parser import build_parser

TARGET_S = 0.5


def _median_seconds(command: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    aekit = shutil.which("aekit") or "aekit"
    commands = build_parser()._subparsers._group_actions[0].choices
    rows = [("python -c pass (anchor)", [sys.executable, "-c", "pass"], False),
            ("aekit --help", [aekit, "--help"], True),
            ("aekit --version", [aekit, "--version"], True),
            *((f"aekit {name} --help", [aekit, name, "--help"], True) for name in commands),
            ("python -c 'import torch' (what --help used to pay)",
             [sys.executable, "-c", "import torch"], False)]
    print(f"| command | median s of {repeats} | under {TARGET_S} s |\n|---|---|---|")
    for name, command, judged in rows:
        seconds = _median_seconds(command, repeats)
        verdict = ("yes" if seconds < TARGET_S else "NO") if judged else ""
        print(f"| {name} | {seconds:.3f} | {verdict} |")


if __name__ == "__main__":
    main()
