"""The command line is made from the config fields and the registry: every field has a flag
with help, every registered name shows in some help text, and the flags parse into the same
config the fields describe."""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from aekit import registry
from aekit.cli.catalog_build import live_catalog
from aekit.cli.options import SECTIONS, flag, values
from aekit.cli.parser import build_parser
from aekit.config import DataConfig, ModelConfig, TrainConfig, from_dict

FROM_THE_DATA = {"input_shape", "encoding", "options"}
"""Fields a run fills in from its data, never from a flag (and the model's part options, whose
flags are their parts' fields)."""


def _commands() -> dict[str, argparse.ArgumentParser]:
    return build_parser()._subparsers._group_actions[0].choices


@pytest.mark.parametrize("section", list(SECTIONS), ids=lambda s: s.__name__)
def test_every_config_field_has_a_train_flag_with_help(section: type) -> None:
    train = _commands()["train"]
    for field in dataclasses.fields(section):
        if field.name in FROM_THE_DATA:
            assert flag(field) is None
            continue
        action = train._option_string_actions.get(str(flag(field)))
        assert action is not None, f"{section.__name__}.{field.name} has no flag"
        assert len(action.help or "") > 15, f"{flag(field)} has no real help text"


def test_every_registered_name_appears_in_the_help() -> None:
    text = " ".join(parser.format_help() for parser in _commands().values())
    live_catalog()  # imports every module that registers a kind
    missing = {kind: name for kind in registry.kinds() for name in registry.names(kind)
               if name not in text}
    assert not missing, f"registered but never shown in a help text: {missing}"


def test_choices_come_from_the_field_and_are_checked_in_both_places() -> None:
    train = _commands()["train"]
    assert train._option_string_actions["--pad"].choices == ("mask", "resample")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--pad", "zeros"])
    with pytest.raises(Exception, match=r"data.pad \(--pad\): expected one of mask, resample"):
        from_dict(DataConfig, {"pad": "zeros"}, "data")


def test_flags_parse_into_the_config_they_describe() -> None:
    args = build_parser().parse_args(
        ["train", "--model", "conv1d", "--hidden", "none", "--channels", "8,4", "--no-linear-path",
         "--lr", "0.01", "--restore-best", "--data", "digits", "--window", "16",
         "--train-normal-only"])
    model = from_dict(ModelConfig, values(args, ModelConfig), "model")
    train = from_dict(TrainConfig, values(args, TrainConfig), "train")
    data = from_dict(DataConfig, values(args, DataConfig), "data")
    conv = model.part_options("arch")
    assert (model.arch, model.hidden, conv.channels, conv.linear_path) == \
        ("conv1d", (), (8, 4), False)
    assert (train.lr, train.restore_best, train.epochs) == (0.01, True, 10)
    assert (data.source, data.window, data.train_normal_only) == ("digits", 16, True)
    assert values(build_parser().parse_args(["train"]), ModelConfig) == {}  # nothing given
