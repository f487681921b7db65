"""Few-label classification on a pretrained encoder: the scikit-learn API, the CLI, and the
comparison with the same net trained from scratch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import aekit
from aekit.cli.main import main
from aekit.config import DataConfig, ModelConfig, TrainConfig
from aekit.tasks.classify import (
    PretrainedClassifier,
    few_labels,
    fine_tuning_config,
    linear_probe_accuracy,
)
from aekit.tasks.classify_run import fit_classifier_run


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory: pytest.TempPathFactory) -> aekit.Run:
    out = tmp_path_factory.mktemp("runs") / "ae"
    return aekit.fit_run(ModelConfig(hidden=(32, 8), output="sigmoid"),
                         TrainConfig(lr=3e-3, batch_size=64, epochs=60),
                         DataConfig(source="digits:train"), out, device="cpu")


def _digits(run: aekit.Run, split: str) -> tuple[np.ndarray, np.ndarray]:
    data = aekit.load_source(f"digits:{split}")
    return run.scaling.apply(data.x), data.y


def test_classifier_api_and_pretraining_beats_scratch(pretrained: aekit.Run) -> None:
    x, y = _digits(pretrained, "train")
    x_test, y_test = _digits(pretrained, "test")
    idx = few_labels(y, 50, seed=0)
    assert len(idx) == 50 and set(np.bincount(y[idx])) <= {4, 5, 6}  # stratified
    with pytest.raises(NotFittedError):
        PretrainedClassifier(pretrained.model).predict(x_test)
    tuned = PretrainedClassifier(pretrained.model, epochs=300).fit(x[idx], y[idx])
    proba = tuned.predict_proba(x_test)
    assert proba.shape == (len(x_test), 10)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-5)
    assert set(tuned.predict(x_test)) <= set(range(10))
    scratch = PretrainedClassifier(pretrained.model, from_scratch=True, epochs=300)
    scratch.fit(x[idx], y[idx])
    assert tuned.score(x_test, y_test) > scratch.score(x_test, y_test)
    assert linear_probe_accuracy(pretrained.model, x[idx], y[idx], x_test, y_test) > 0.6
    assert tuned.net_.ae is not pretrained.model  # the user's model is never changed


def test_cli_pretrain_then_evaluate_and_encode(pretrained: aekit.Run, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "clf"
    assert main(["pretrain", str(pretrained.path), "--data", "digits:train", "--test-data",
                 "digits:test", "--labels", "30", "--epochs", "20", "--out", str(out),
                 "--device", "cpu"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["labels"] == 30 and report["n_test"] == 297
    assert {"accuracy", "scratch_accuracy", "probe_accuracy"} <= set(report)
    assert (out / "figures" / "confusion.png").stat().st_size > 1000
    assert main(["evaluate", str(out), "--data", "digits:test"]) == 0
    evaluated = json.loads(capsys.readouterr().out)
    assert evaluated["accuracy"] == pytest.approx(report["accuracy"])
    assert np.asarray(evaluated["confusion_matrix"]).sum() == 297
    config = json.loads((out / "config.json").read_text())
    assert config["kind"] == "classifier"
    del config["kind"]  # a run written before runs named their kind: inferred from its keys
    (out / "config.json").write_text(json.dumps(config))
    assert main(["evaluate", str(out), "--data", "digits:test"]) == 0
    assert json.loads(capsys.readouterr().out) == evaluated
    assert main(["encode", str(out), "--data", "digits:test", "--out",
                 str(tmp_path / "codes.npy")]) == 0
    assert np.load(tmp_path / "codes.npy").shape == (297, 8)


def test_pretrain_bad_input(pretrained: aekit.Run, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    base = ["pretrain", str(pretrained.path), "--out", str(tmp_path / "c"), "--device", "cpu"]
    assert main([*base, "--data", "digits:train", "--labels", "5000"]) == 2
    assert "--labels: 5000 requested but the data has only 1500" in capsys.readouterr().err
    np.save(tmp_path / "unlabelled.npy", aekit.load_source("digits").x[:, 0].astype(np.uint8))
    assert main([*base, "--data", str(tmp_path / "unlabelled.npy"), "--labels", "20"]) == 2
    assert "has no labels" in capsys.readouterr().err



@pytest.mark.parametrize("after", [2, 6], ids=["fine-tuning", "from-scratch"])
def test_interrupted_classifier_run_resumes_bit_exact(pretrained: aekit.Run, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      after: int, ctrl_c_after: Any,
                                                      same_run: Any) -> None:
    """A classifier run checkpoints every epoch of both its fits (fine-tuning, then the
    from-scratch baseline): interrupted in either and resumed with aekit train --resume, it
    ends with the weights, history and accuracies of the same run left alone."""
    train = fine_tuning_config(epochs=4, lr=1e-3, batch_size=16, seed=1, threads=1)
    full, cut = tmp_path / "full", tmp_path / "cut"
    expected = fit_classifier_run(pretrained, train, full, labels=50, device="cpu")
    with pytest.raises(KeyboardInterrupt):
        fit_classifier_run(pretrained, train, cut, labels=50, device="cpu",
                           callbacks=[ctrl_c_after(after)])
    assert (cut / "checkpoints" / "last.safetensors").exists()
    assert not (cut / "model.safetensors").exists()
    capsys.readouterr()
    assert main(["train", "--resume", str(cut), "--device", "cpu"]) == 0
    resumed_results = json.loads(capsys.readouterr().out)
    assert {k: v for k, v in resumed_results.items() if k != "run"} == \
        {k: v for k, v in expected.items() if k != "run"}
    same_run(full, cut, epochs=4)
    config = json.loads((cut / "config.json").read_text())
    assert config["kind"] == "classifier" and config["labels"] == 50
    assert config["train"]["epochs"] == 4 and config["train"]["lr"] == 1e-3
    assert main(["train", "--resume", str(cut), "--device", "cpu"]) == 2
    assert "is finished (4 of 4 epochs)" in capsys.readouterr().err
