"""Each part owns its options: a frozen dataclass registered with the part, checked while the
part is chosen and refused in one line, naming the part, when it is not; flat keys of runs and
presets written before are routed to their part."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

import aekit
from aekit import metrics, registry
from aekit.cli.main import main
from aekit.cli.parser import build_parser
from aekit.config import ModelConfig, from_dict, to_dict
from aekit.model import Autoencoder
from aekit.parts.conv import ConvOptions
from aekit.parts.latent import GaussianOptions

OLD_STACKED_RUN = {  # a stacked run's config.json "model" section before parts owned options
    "arch": "stacked", "input_shape": [1, 8, 8], "hidden": [32, 8], "activation": "elu",
    "code_activation": None, "init": "he", "output": "sigmoid", "loss": "mse", "l2": 0.0,
    "penalties": {}, "noise": None, "sparsity": None, "contractive": 0.0, "k_sparse": None,
    "k_sparse_lifetime": None, "conv_mode": "pool", "channels": [16, 8, 8], "kernel": 3,
    "patch": None, "linear_path": False, "latent": None, "beta": 1.0, "prior": None,
    "adversary_weight": 0.1, "mmd_weight": 1.0, "code_calibration": True, "iw_train": 1}


def test_an_option_the_architecture_does_not_take_is_refused_by_name() -> None:
    with pytest.raises(aekit.AekitError,
                       match=r"--kernel\): the stacked architecture takes no --kernel \(an "
                             r"option of conv, conv1d\)"):
        aekit.create_model("stacked", input_shape=(64,), hidden=(8,), kernel=7)
    with pytest.raises(aekit.AekitError, match=r"the identity latent takes no --beta"):
        aekit.create_model("stacked", input_shape=(64,), hidden=(8,), beta=2.0)
    with pytest.raises(aekit.AekitError, match=r"no prior is chosen.*--mmd-weight"):
        aekit.create_model("vae", input_shape=(64,), hidden=(8,), mmd_weight=2.0)


def test_the_cli_refuses_it_in_one_line_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["train", "--model", "stacked", "--kernel", "7", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("aekit: error: ")
    assert "--kernel" in err and "the stacked architecture" in err and "conv, conv1d" in err
    assert not out.exists()


def test_parts_read_their_typed_options() -> None:
    conv = aekit.create_model("conv", input_shape=(1, 16, 16), channels=(4, 2), kernel=5)
    assert conv.config.part_options("arch") == ConvOptions(channels=(4, 2), kernel=5)
    assert next(m.kernel_size for m in conv.encoder.modules()
                if isinstance(getattr(m, "kernel_size", None), tuple)) == (5, 5)
    vae = aekit.create_model("vae", input_shape=(64,), hidden=(8,), beta=0.5)
    assert vae.config.part_options("latent") == GaussianOptions(beta=0.5)
    assert vae.latent.beta == 0.5
    with pytest.raises(aekit.AekitError, match=r"model.kernel \(--kernel\): must be > 0"):
        aekit.create_model("conv", input_shape=(1, 8, 8), kernel=0)


def test_an_old_config_with_every_field_loads_with_the_same_weights() -> None:
    """Old runs wrote every option at its default, used or not: they load, and build the same
    model; a conv run's flat options reach the conv."""
    old = from_dict(ModelConfig, OLD_STACKED_RUN, "model")
    assert old == ModelConfig(arch="stacked", input_shape=(1, 8, 8), hidden=(32, 8))
    assert "kernel" not in to_dict(old) and old.options == {}
    conv = from_dict(ModelConfig, {**OLD_STACKED_RUN, "arch": "conv", "channels": [8, 4],
                                   "hidden": []}, "model")
    assert conv.part_options("arch").channels == (8, 4)
    assert to_dict(conv)["channels"] == [8, 4]  # written flat, as before
    x = np.random.default_rng(0).random((4, 1, 8, 8), dtype=np.float32)
    codes = []
    for config in (old, ModelConfig(arch="stacked", input_shape=(1, 8, 8), hidden=(32, 8))):
        torch.manual_seed(0)
        codes.append(metrics.encode(Autoencoder(config).eval(), x))
    assert np.array_equal(*codes)


def test_every_part_option_has_one_train_flag_in_its_parts_group() -> None:
    train = build_parser()._subparsers._group_actions[0].choices["train"].complete()
    takers = registry.option_takers()
    shared = {f.name for f in dataclasses.fields(ModelConfig)}
    titles = {action.dest: group.title for group in train._action_groups
              for action in group._group_actions}
    for option, parts in takers.items():
        assert option not in shared  # each option written once, in its part's dataclass
        assert titles[option].startswith(", ".join(name for kind, name in parts
                                                   if kind == parts[0][0])), option
    assert titles["kernel"] == "conv, conv1d architectures"
    assert titles["beta"] == "gaussian, gaussian-sigma latents"
