"""Semi-supervised classification with a ladder network: the estimator that takes -1 for
unlabelled rows, the gain the unlabelled rows bring on real digits, the CLI run, bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import aekit
from aekit import presets
from aekit.cli.main import main
from aekit.data.mixed_batches import MixedBatches
from aekit.errors import AekitError
from aekit.tasks.semisup import SemiSupervisedClassifier, partial_labels
from aekit.tasks.semisup_run import fit_semisup_run

EPOCHS = 20
"""Passes over digits' ~1,450 unlabelled rows: enough for the gain to show in a few seconds."""
LR = 0.005
"""Above the paper's 0.002: digits gives 29 steps an epoch, 60,000 rows would give 600."""


@pytest.fixture(scope="module", autouse=True)
def _one_thread() -> object:
    """Small batches of a small net: one thread is fastest, and on a busy machine torch's
    default thread count made the fit ten times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def digits() -> dict[str, np.ndarray]:
    train, test = aekit.load_source("digits:train"), aekit.load_source("digits:test")
    scaling = aekit.fit_scaling(train)
    x, x_test = (scaling.apply(d.x).reshape(len(d.x), -1) for d in (train, test))
    return {"x": x, "y": train.y, "x_test": x_test, "y_test": test.y,
            "y_partial": partial_labels(train.y, 50, seed=0)}


def _fit(digits: dict[str, np.ndarray], x: np.ndarray, scale: float = 1.0
         ) -> SemiSupervisedClassifier:
    return SemiSupervisedClassifier((200, 100), denoising_scale=scale, epochs=EPOCHS, lr=LR,
                                    batch_size=50).fit(x, digits["y_partial"])


@pytest.fixture(scope="module")
def ladder(digits: dict[str, np.ndarray]) -> SemiSupervisedClassifier:
    return _fit(digits, digits["x"])


def test_partial_labels_keep_n_balanced_rows(digits: dict[str, np.ndarray]) -> None:
    y_partial = digits["y_partial"]
    kept = y_partial >= 0
    assert kept.sum() == 50 and set(np.bincount(y_partial[kept])) <= {4, 5, 6}
    assert np.array_equal(y_partial[kept], digits["y"][kept])
    assert not np.array_equal(partial_labels(digits["y"], 50, seed=1), y_partial)


def test_mixed_batches_put_labelled_rows_in_every_step() -> None:
    y = torch.full((1000,), -1)
    y[:20] = torch.arange(20) % 10
    batches = MixedBatches(torch.randn(1000, 4), y, batch_size=100, seed=0)
    steps = list(batches.epoch(0))
    assert len(steps) == batches.n_batches == 10
    assert all((yb >= 0).sum() == 20 and (yb == -1).sum() <= 100 for _, yb, _, _ in steps)
    assert sum(count for _, _, count, _ in steps) == batches.n
    again = [yb for _, yb, _, _ in batches.epoch(0, start=3)]
    assert torch.equal(again[0], steps[3][1])  # a resumed epoch draws the same batches


def test_unlabelled_rows_beat_the_labels_alone(digits: dict[str, np.ndarray],
                                               ladder: SemiSupervisedClassifier) -> None:
    """The ladder against the same network with its denoising cost off (labels alone)."""
    semi = ladder.score(digits["x_test"], digits["y_test"])
    alone = _fit(digits, digits["x"], scale=0.0).score(digits["x_test"], digits["y_test"])
    print(f"digits, 50 labels: ladder {semi:.3f}, labels alone {alone:.3f}")
    assert semi >= alone + 0.05


def test_the_gain_comes_from_the_unlabelled_rows(digits: dict[str, np.ndarray],
                                                 ladder: SemiSupervisedClassifier) -> None:
    """Each unlabelled row's pixels shuffled (its intensities kept, its digit gone)."""
    x = digits["x"].copy()
    rng = np.random.default_rng(0)
    for row in np.flatnonzero(digits["y_partial"] < 0):
        x[row] = rng.permutation(x[row])
    noise = _fit(digits, x).score(digits["x_test"], digits["y_test"])
    semi = ladder.score(digits["x_test"], digits["y_test"])
    print(f"digits, 50 labels: ladder {semi:.3f}, unlabelled rows shuffled {noise:.3f}")
    assert noise < semi - 0.03


def test_estimator_api(digits: dict[str, np.ndarray], ladder: SemiSupervisedClassifier) -> None:
    proba = ladder.predict_proba(digits["x_test"])
    assert proba.shape == (len(digits["x_test"]), 10)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-5)
    assert np.array_equal(ladder.predict(digits["x_test"]), ladder.classes_[proba.argmax(1)])
    losses = [r["train_loss"] for r in ladder.history_]
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize(("y", "message"), [
    (lambda y: np.where(y >= 0, y, -2), "got -2"),
    (lambda y: np.where(y >= 0, y + 0.5, -1), r"got \d\.5"),
    (lambda y: np.array(["a"] * len(y)), "got 'a'"),
    (lambda y: np.full(len(y), -1), "every row is -1"),
    (lambda y: np.where(y >= 0, y, 0), "no row is -1"),
])
def test_bad_labels_get_one_line(digits: dict[str, np.ndarray], y, message: str) -> None:
    with pytest.raises(AekitError, match=message) as caught:
        SemiSupervisedClassifier((8,), epochs=1).fit(digits["x"], y(digits["y_partial"]))
    assert "\n" not in str(caught.value)
    assert "integer class labels, or -1" in str(caught.value) or "-1" in str(caught.value)


@pytest.mark.parametrize(("labels", "message"), [
    ("5000", "5000 requested but the data has only"),
    ("5", "fewer than the 10 classes"),
])
def test_cli_labels_out_of_range(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 labels: str, message: str) -> None:
    assert main(["train", "--preset", "semisup-mnist", "--data", "digits:train", "--labels",
                 labels, "--out", str(tmp_path / "run"), "--device", "cpu"]) != 0
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "run").exists()


def test_cli_source_without_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "plain.csv"
    np.savetxt(table, np.random.default_rng(0).random((40, 5)), delimiter=",",
               header="a,b,c,d,e", comments="")
    assert main(["train", "--preset", "semisup-mnist", "--data", str(table), "--labels", "10",
                 "--out", str(tmp_path / "run"), "--device", "cpu"]) != 0
    err = capsys.readouterr().err.strip()
    assert "has no labels" in err and len(err.splitlines()) == 1


def test_progress_lines_show_the_monitored_accuracy(digits: dict[str, np.ndarray],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    clf = SemiSupervisedClassifier((64, 32), epochs=2, batch_size=50, verbose=2,
                                   monitor=(digits["x_test"], digits["y_test"]))
    clf.fit(digits["x"], digits["y_partial"])
    lines = capsys.readouterr().err.strip().splitlines()
    shown = [float(re.search(r"  accuracy (\d\.\d{4})  ", line).group(1)) for line in lines]
    assert shown == pytest.approx([r["accuracy"] for r in clf.history_], abs=5e-5)


def test_cli_train_evaluate_encode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "semi"
    assert main(["train", "--preset", "semisup-mnist", "--hidden", "64,32", "--labels", "50",
                 "--seed", "1", "--epochs", "3", "--data", "digits:train", "--out", str(out),
                 "--device", "cpu"]) == 0
    assert f"aekit evaluate {out} --data digits:test" in capsys.readouterr().out  # the source
    assert main(["evaluate", str(out), "--data", "digits:test"]) == 0
    printed = capsys.readouterr().out
    result = json.loads(printed)
    assert result["n"] == 297 and 0.3 < result["accuracy"] <= 1
    assert np.sum(result["confusion_matrix"]) == 297
    rows = re.findall(r"^ +\[\d+(?:, \d+)+\],?$", printed, re.MULTILINE)
    assert len(rows) == len(result["confusion_matrix"]) == 10  # printed as a matrix
    config = json.loads((out / "config.json").read_text())
    assert config["kind"] == "semi-supervised"
    del config["kind"]  # a run written before runs named their kind: inferred from its keys
    (out / "config.json").write_text(json.dumps(config))
    assert main(["evaluate", str(out), "--data", "digits:test"]) == 0
    assert json.loads(capsys.readouterr().out) == result
    history = json.loads((out / "metrics.json").read_text())["history"]
    assert len(history) == 3 and all("hidden_label_accuracy" in r for r in history)
    assert (out / "figures" / "accuracy.png").stat().st_size > 1000
    assert "accuracy" in (out / "report.html").read_text()
    codes = tmp_path / "codes.npy"
    assert main(["encode", str(out), "--data", "digits:test", "--out", str(codes)]) == 0
    assert np.load(codes, allow_pickle=False).shape == (297, 10)



def test_interrupted_run_resumes_bit_exact(tmp_path: Path, ctrl_c_after: Any, same_run: Any,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A semi-supervised run checkpoints every epoch like every run kind: interrupted after 2
    of 4 epochs and resumed with aekit train --resume, it ends with the weights and history of
    the same run left alone."""
    configs = presets.resolve("semisup-mnist", {"hidden": (64, 32)},
                              {"epochs": 4, "seed": 1, "threads": 1},
                              {"source": "digits:train"})
    full, cut = tmp_path / "full", tmp_path / "cut"
    fit_semisup_run(*configs, full, 50, device="cpu")
    with pytest.raises(KeyboardInterrupt):
        fit_semisup_run(*configs, cut, 50, device="cpu", callbacks=[ctrl_c_after(2)])
    assert (cut / "checkpoints" / "last.safetensors").exists()
    assert not (cut / "model.safetensors").exists()
    written = (cut / "config.json").read_text()
    tampered = json.loads(written)
    tampered["semisup"]["labels"] = "fifty"  # what a resume needs, as a hand edit may leave it
    (cut / "config.json").write_text(json.dumps(tampered))
    assert main(["train", "--resume", str(cut), "--device", "cpu", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'semisup.labels' must be int" in err
    (cut / "config.json").write_text(written)
    assert main(["train", "--resume", str(cut), "--device", "cpu", "--quiet"]) == 0
    same_run(full, cut, epochs=4)
    assert json.loads((cut / "config.json").read_text())["kind"] == "semi-supervised"
    assert aekit.load_run(cut).model_config == aekit.load_run(full).model_config
