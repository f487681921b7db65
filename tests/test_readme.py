"""Every command in README.md and in the user guide (docs/guide/*.md), run in order as written,
exits 0.

The commands are extracted from the pages' fenced blocks (nothing is kept in a second list):
`aekit ...` commands run in a fresh folder beside a link to the shared data (as a checkout sits
beside ../shared), offline, in this process (one torch import instead of fifty). README.md runs
in a folder of its own; the guide pages run one after another in a second one, in the order of
mkdocs.yml's nav, as a reader follows them (a later page uses the runs an earlier one trained).
They run as written plus small scale-down options a sub-command accepts (`--limit`, `--epochs`,
...), so the suite stays within a couple of minutes; the one command whose cost is not data but
compiling (`--compile`: minutes on a busy 2-core machine) runs only in the slow tests. Other
commands (pip, torchrun, benchmarks) are not run; each sits in NOT_RUN with the reason, and a
test keeps that list in sync with the pages.
The commands' outputs must all be ignored by the checkout's .gitignore. Each page's Python
blocks run after its folder's commands; fragments that assume data of their own
(`X`, `x_normal`) get it from real data in PRELUDES.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from aekit.cli.main import build_parser, main

pytestmark = pytest.mark.subprocess  # every test here starts other programs

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
NOT_RUN = {
    "python3 -m venv": "creates the environment these tests run in",
    ". .venv/bin/activate": "activates that environment",
    "pip install": "installs packages (the test extra has them all)",
    "python -m pytest": "this test suite itself",
    "tensorboard --logdir": "starts a web server; tests/train/test_tensorboard.py reads the logs",
    "torchrun": "DDP across machines; tests/train/test_distributed.py runs torchrun on this one",
    "python -m benchmarks": "on-demand measurements that take minutes",
}
SLOW = ("--compile",)
"""Options whose commands cost minutes however small the data: run by `-m slow` only."""
SCALE = {"--limit": "300", "--epochs": "1", "--iw-samples": "20", "--greedy-epochs": "1",
         "--fine-tune-epochs": "1"}
"""Appended (argparse keeps the last value) to each sub-command that accepts them."""
PRELUDES = {
    "x_normal": "import aekit\n_d = aekit.load_source('mnist:test', data_dir='../shared/data', "
                "limit=600)\nx_normal = aekit.fit_scaling(_d).apply(_d.x)[:500]\n"
                "x_test = aekit.fit_scaling(_d).apply(_d.x)[500:]\n",
    "GridSearchCV(": "import aekit\n_d = aekit.load_source('digits', limit=300)\n"
                     "X, y = _d.x.reshape(300, -1), _d.y\n",
}


def guide_pages() -> list[Path]:
    """The guide pages in the order of the site's nav (mkdocs.yml), which is the order a reader
    follows and the order their commands run in."""
    def flat(nav: list) -> list[str]:
        pages = []
        for entry in nav:
            value = next(iter(entry.values())) if isinstance(entry, dict) else entry
            pages += flat(value) if isinstance(value, list) else [value]
        return pages
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"]
    return [ROOT / "docs" / page for page in flat(nav) if page.startswith("guide/")]


def _blocks(page: Path, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", page.read_text(), re.S | re.M)


def page_commands(page: Path) -> list[str]:
    """Each shell command of the page's bash blocks, in order: continuation lines joined,
    comments dropped, `a && b` split."""
    commands = []
    for block in _blocks(page, "bash"):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            text = " ".join(shlex.quote(w) if w != "&&" else w for w in words)
            commands += [part.strip() for part in text.split("&&") if part.strip()]
    return commands


def all_commands() -> list[str]:
    return [c for page in [README, *guide_pages()] for c in page_commands(page)]


def _scaled(argv: list[str]) -> list[str]:
    name = argv[0]
    if name == "reproduce":
        return argv + ([] if "--quick" in argv or "--list" in argv else ["--quick"])
    if name == "train" and "--resume" in argv:
        return [*argv, "--epochs", "2"]  # more epochs than the run has: it trains on
    sub = build_parser()._subparsers._group_actions[0].choices[name]
    extra = [[flag, value] for flag, value in SCALE.items()
             if flag in sub._option_string_actions
             and (flag not in ("--greedy-epochs", "--fine-tune-epochs") or flag in argv)]
    if name in ("pretrain", "demo"):
        extra = [[f, "2" if f == "--epochs" else v] for f, v in extra]
    return argv + [w for pair in extra for w in pair]


def test_every_guide_page_is_in_the_nav() -> None:
    assert sorted(guide_pages()) == sorted((ROOT / "docs" / "guide").glob("*.md"))


def test_every_command_is_run_or_listed_with_a_reason() -> None:
    commands = all_commands()
    assert len(commands) > 40
    unknown = [c for c in commands if not c.startswith("aekit ")
               and not any(c.startswith(prefix) for prefix in NOT_RUN)]
    assert unknown == []
    unused = [p for p in NOT_RUN if not any(c.startswith(p) for c in commands)]
    assert unused == []  # a NOT_RUN entry the pages no longer need


def test_every_aekit_command_parses() -> None:
    parser = build_parser()
    for command in all_commands():
        if command.startswith("aekit "):
            parser.parse_args(shlex.split(command)[1:])  # exits 2, naming the option, if not


def _run_pages(pages: list[Path], root: Path, data_dir: Path,
               monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
               slow: bool) -> list[str]:
    """Run the pages' aekit commands, then their Python blocks, in order in `root`/aekit,
    beside a link to the shared data, offline; returns the commands left for the slow tests."""
    checkout = root / "aekit"
    checkout.mkdir()
    shutil.copyfile(ROOT / ".gitignore", checkout / ".gitignore")
    (root / "shared").symlink_to(data_dir.parent, target_is_directory=True)
    monkeypatch.chdir(checkout)
    monkeypatch.delenv("AEKIT_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(root / "cache"))
    monkeypatch.setenv("AEKIT_MIRROR", "http://127.0.0.1:9/")  # offline: nothing downloads
    left = []
    for page in pages:
        for command in page_commands(page):
            if not command.startswith("aekit "):
                continue
            if not slow and any(option in command.split() for option in SLOW):
                left.append(command)
                continue
            code = main(_scaled(shlex.split(command)[1:]))
            err = capsys.readouterr().err
            assert code == 0, f"{page.name}: {command}\n{err[-2000:]}"
    for page in pages:
        for block in _blocks(page, "python"):
            prelude = "".join(p for marker, p in PRELUDES.items() if marker in block)
            exec(compile(prelude + block, page.name, "exec"), {})
    return left


def _assert_outputs_ignored(checkout: Path) -> None:
    git = ["git", "-C", str(checkout)]
    subprocess.run([*git, "init", "-q"], check=True)
    status = subprocess.run([*git, "status", "--porcelain", "--untracked-files=all"],
                            check=True, capture_output=True, text=True).stdout.split("\n")
    assert [line for line in status if line and not line.endswith(".gitignore")] == []


def test_readme_commands_run_in_order_from_a_fresh_checkout(
        tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert _run_pages([README], tmp_path, data_dir, monkeypatch, capsys, slow=False) == []
    _assert_outputs_ignored(tmp_path / "aekit")


def test_guide_commands_run_in_order_from_a_fresh_checkout(
        tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    left = _run_pages(guide_pages(), tmp_path, data_dir, monkeypatch, capsys, slow=False)
    assert len(left) == 1 and "--compile" in left[0]
    _assert_outputs_ignored(tmp_path / "aekit")


@pytest.mark.slow
def test_guide_commands_with_compile_run_too(
        tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert _run_pages(guide_pages(), tmp_path, data_dir, monkeypatch, capsys, slow=True) == []
