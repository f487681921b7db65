"""The CLI's manners: progress a log can keep, runs never replaced without --overwrite, data
errors that say how to point at local files, and help that answers at once."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aekit.cli.main import main

EPOCH_LINE = re.compile(r"^epoch (\d+)/(\d+)  train \d\.\d{5}  val \d\.\d{5}  \d+\.\ds  "
                        r"ETA \d+:\d\d$")


def test_demo_without_a_terminal_logs_one_line_per_epoch(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--epochs", "3", "--out", str(tmp_path / "demo")]) == 0
    err = capsys.readouterr().err.splitlines()
    epochs = [EPOCH_LINE.match(line) for line in err]
    assert [int(m.group(1)) for m in epochs if m] == [1, 2, 3], err
    assert len(err) == 3


def test_demo_refuses_an_existing_run_without_overwrite(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "precious"
    assert main(["demo", "--epochs", "1", "--quiet", "--out", str(out)]) == 0
    kept = (out / "model.safetensors").read_bytes()
    assert main(["demo", "--epochs", "2", "--quiet", "--out", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "model.safetensors").read_bytes() == kept
    assert main(["demo", "--epochs", "2", "--quiet", "--out", str(out), "--overwrite"]) == 0


@pytest.mark.parametrize(("argv", "suffix"), [
    (["reconstruct", "RUN", "--out", "recon.png"], ".npy"),
    (["export", "RUN", "--out", "e.pt"], ".onnx"),
    (["encode", "RUN", "--out", "codes.csv"], ".npy"),
    (["reconstruct", "RUN", "--out", "r.npy", "--figure", "r.npy"], ".png"),
])
def test_output_names_must_match_what_is_written(
        argv: list[str], suffix: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    assert f"ending in {suffix}" in capsys.readouterr().err


def test_offline_named_data_error_names_both_ways_to_local_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("AEKIT_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("AEKIT_MIRROR", "http://127.0.0.1:9/")  # nothing listens: offline
    assert main(["train", "--data", "mnist", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "--data-dir" in err and "AEKIT_DATA" in err and "shared" not in err


def test_data_dir_may_be_the_mnist_folder_itself(tmp_path: Path, data_dir: Path) -> None:
    assert main(["train", "--data", "mnist:test", "--data-dir", str(data_dir / "mnist"),
                 "--limit", "200", "--epochs", "1", "--hidden", "8", "--quiet",
                 "--out", str(tmp_path / "run")]) == 0


def test_train_without_data_says_which_data_it_uses(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--hidden", "8", "--epochs", "1", "--quiet",
                 "--out", str(tmp_path / "run")]) == 0
    first = capsys.readouterr().err.splitlines()[0]
    assert "digits" in first and "--data" in first


def test_misspelt_option_gets_the_nearest_one(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--epcohs", "3"])
    assert "did you mean --epochs?" in capsys.readouterr().err


def test_train_help_is_grouped_with_examples_and_every_option_placed() -> None:
    from aekit.cli.main import build_parser

    train = build_parser()._subparsers._group_actions[0].choices["train"]
    titles = [g.title for g in train.complete()._action_groups]
    assert titles[-5:] == ["regularisers", "training", "data", "output", "other options"]
    parts = titles[titles.index("model") + 1:-5]  # the parts' own options, after the model's
    assert {"conv, conv1d architectures", "gaussian, gaussian-sigma latents",
            "gaussian, mixture priors"} <= set(parts)
    assert all(title.endswith(("architecture", "architectures", "latents", "priors"))
               for title in parts)
    strays = [a.dest for a in train._action_groups[-1]._group_actions if a.dest != "help"]
    assert strays == []  # every train option sits in a named group
    assert train.epilog.count("aekit train") == 2


@pytest.mark.subprocess
def test_help_and_version_do_not_import_torch() -> None:
    code = ("import sys; from aekit.cli.main import main\n"
            "try: main(['--help'])\nexcept SystemExit: pass\n"
            "try: main(['--version'])\nexcept SystemExit: pass\n"
            "assert 'torch' not in sys.modules and 'numpy' not in sys.modules, 'imported'")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_quick_reproduction_is_labelled_beside_the_gallery_full_run(
        tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "quick"
    assert main(["reproduce", "keras-simple", "--quick", "--data-dir", str(data_dir),
                 "--out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert list(printed)[:2] == ["quick_run", "full_run"]
    assert printed["quick_run"].startswith("QUICK SMOKE TEST")
    assert printed["full_run"]["epochs"] == 25 and printed["full_run"]["test_mse"] < 0.02
    page = (out / "run" / "report.html").read_text()
    assert "QUICK SMOKE TEST" in page and "full_run_reconstructions.png" in page


def test_a_missing_required_option_does_not_hide_a_typo(capsys) -> None:
    """`detect` without --out and with a misspelt option names both, the typo first."""
    with pytest.raises(SystemExit):
        main(["detect", "--data", "digits", "--contaminaton", "0.1", "--threshold", "-1"])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "unrecognized arguments: --contaminaton (did you mean --contamination?)" in err
    assert "required: --out" in err and "-1" not in err.split("required")[0]
