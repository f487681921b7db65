"""The command line's help and argument checks, kept apart from `cli/main.py`'s list of options.

Only the standard library is imported here: `aekit --help` answers without importing torch.
Each sub-command gets a description and two examples; `train`'s options are shown in groups;
a misspelt option is answered with the nearest real one; output names must carry the suffix
of what is written to them.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aekit.cli import catalog

EXAMPLES: dict[str, tuple[str, str]] = {
    "demo": ("aekit demo", "aekit demo --epochs 20 --out runs/demo20 --overwrite"),
    "train": ("aekit train --preset stacked-mnist --data-dir ../shared/data --out runs/stacked",
              "aekit train --data my.csv --label-column label --hidden 16,4 --out runs/mine"),
    "evaluate": ("aekit evaluate runs/stacked --data mnist:test",
                 "aekit evaluate runs/vae --data mnist:test --iw-samples 100"),
    "encode": ("aekit encode runs/stacked --data mnist:test --out codes.npy",
               "aekit encode runs/stacked --data big.npy --precision bf16 --out codes.npy"),
    "reconstruct": ("aekit reconstruct runs/stacked --data mnist:test --out recon.npy",
                    "aekit reconstruct runs/demo --data digits:test --out recon.npy "
                    "--figure recon.png"),
    "denoise": ("aekit denoise runs/dae --data mnist:test --out cleaned.npy",
                "aekit denoise runs/dae --data mnist:test --noise gaussian:1.0 --seed 1 "
                "--out cleaned.npy --figure denoise.png"),
    "features": ("aekit features runs/stacked --out features/",
                 "aekit features runs/stacked --unit 7 --units 50 --out features/"),
    "generate": ("aekit generate runs/vae --n 64 --out samples.png",
                 "aekit generate runs/vae --interpolate 0 1 --data mnist:test --out interp.png"),
    "pretrain": ("aekit pretrain runs/stacked --data mnist --labels 100 --out runs/clf100",
                 "aekit pretrain runs/stacked --data mnist --labels 1000 --freeze --out "
                 "runs/clf1000"),
    "map": ("aekit map runs/2d --data mnist:test --out map.png",
            "aekit map runs/stacked --data mnist:test --method tsne --limit 2000 --out map.png"),
    "report": ("aekit report runs/stacked", "aekit report runs/stacked --out page.html"),
    "export": ("aekit export runs/stacked --part encoder --out encoder.onnx",
               "aekit export runs/stacked --part full --limit 256 --out model.onnx"),
    "detect": ("aekit detect runs/ecg --data test.csv --out scores.csv",
               "aekit detect runs/ecg --data test.csv --contamination 0.01 --out scores.csv"),
    "reproduce": ("aekit reproduce --list", "aekit reproduce keras-deep --quick --out /tmp/deep"),
    "models": ("aekit models", "aekit models | grep conv"),
    "presets": ("aekit presets", "aekit presets | grep vae"),
}

class Parser(argparse.ArgumentParser):
    """argparse that answers a misspelt option with the nearest real one of its sub-command,
    as Python 3.14's argparse does (`--epcohs` -> did you mean --epochs?), and that adds some
    flags only when its command is parsed or its help shown (`add_later`)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._later: list[tuple[Callable[[], None], Callable[[], None]]] = []

    def add_later(self, add: Callable[[], None], add_for_help: Callable[[], None]) -> None:
        """Run `add` (which adds flags) before this parser first parses, or `add_for_help`
        (the same flags as the help lists them) when it only shows its help: `train`'s part
        options need the parts imported (torch) to parse, not to be listed."""
        self._later.append((add, add_for_help))

    def complete(self, for_help: bool = False) -> Parser:
        """This parser with every flag added later in place (for its help alone: as listed)."""
        while self._later:
            add, add_for_help = self._later.pop(0)
            (add_for_help if for_help else add)()
        return self

    def parse_known_args(self, args: Any = None, namespace: Any = None
                         ) -> tuple[argparse.Namespace, list[str]]:
        given = list(args) if args is not None else []
        self._given = given[:given.index("--")] if "--" in given else given
        self.complete(for_help=bool({"-h", "--help"} & set(self._given)))
        return super().parse_known_args(args, namespace)

    def format_help(self) -> str:
        """The help, with each `{kind}` in an option's text replaced by the names registered
        under that kind (from the catalog: no part is imported)."""
        self.complete(for_help=True)
        kinds = catalog.wanted([action.help or "" for action in self._actions])
        if kinds:
            names = catalog.registered(kinds)
            for action in self._actions:
                action.help = action.help and action.help.format_map(names)
        return super().format_help()

    def error(self, message: str) -> Any:
        """argparse's error; a missing required option is reported after any option it does
        not know on the same line, which argparse's required check would hide."""
        unknown = [arg for arg in getattr(self, "_given", []) if arg.startswith("-")
                   and not self._negative_number_matcher.match(arg)
                   and arg.split("=")[0] not in self._option_string_actions]
        if unknown and message.startswith("the following arguments are required"):
            message = (f"unrecognized arguments: {' '.join(self.hints(self, unknown))}; "
                       f"{message.replace('the following arguments are', 'also')}")
        super().error(message)

    def parse_args(self, args: Any = None, namespace: Any = None) -> argparse.Namespace:
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            chosen = self._subparsers_choice(parsed)
            self.error_unknown(chosen or self, extra)
        return parsed

    def _subparsers_choice(self, parsed: argparse.Namespace) -> argparse.ArgumentParser | None:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                return action.choices.get(getattr(parsed, action.dest, None) or "")
        return None

    @staticmethod
    def hints(parser: argparse.ArgumentParser, extra: list[str]) -> list[str]:
        """The unknown options among `extra`, each with the nearest real one."""
        known = [s for s in parser._option_string_actions if s.startswith("--")]
        hints = []
        for arg in extra:
            if arg.startswith("-"):
                close = difflib.get_close_matches(arg.split("=")[0], known, n=1, cutoff=0.6)
                hints += [f"{arg} (did you mean {close[0]}?)" if close else arg]
        return hints

    @staticmethod
    def error_unknown(parser: argparse.ArgumentParser, extra: list[str]) -> None:
        parser.error(f"unrecognized arguments: {' '.join(Parser.hints(parser, extra) or extra)}")


def finish(sub: argparse._SubParsersAction) -> None:
    """Give every sub-command a description, two examples and a short usage line; options
    outside a titled group are listed last, as 'other options'."""
    helps = {action.dest: action.help or "" for action in sub._choices_actions}
    for name, parser in sub.choices.items():
        parser.description = (helps.get(name) or "").rstrip(".") + "."
        examples = EXAMPLES.get(name)
        if examples:
            parser.epilog = "examples:\n" + "\n".join(f"  {line}" for line in examples)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        positional = " ".join(a.metavar or a.dest.upper() for a in parser._positionals
                              ._group_actions)
        parser.usage = f"aekit {name} {positional + ' ' if positional else ''}[options]"
        if len(parser._action_groups) > 2:
            parser._optionals.title = "other options"
            parser._action_groups.remove(parser._optionals)
            parser._action_groups.append(parser._optionals)


def suffix(*suffixes: str, what: str) -> Callable[[str], str]:
    """An argparse type: a file name ending in one of `suffixes` (the format written to it)."""

    def check(text: str) -> str:
        if not text.lower().endswith(suffixes):
            raise argparse.ArgumentTypeError(
                f"{text!r} would hold {what}; give a name ending in {' or '.join(suffixes)}")
        return text

    return check


NPY = suffix(".npy", what="a NumPy array")
PNG = suffix(".png", what="a PNG figure")
ONNX = suffix(".onnx", what="an ONNX model")
CSV = suffix(".csv", what="a CSV table")


def sizes(text: str) -> list[int]:
    if text.strip().lower() == "none":  # conv models: no dense layers
        return []
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated sizes like 300,150, got "
                                         f"{text!r}") from None
    if not sizes:
        raise argparse.ArgumentTypeError("expected at least one size, like 300,150")
    return sizes


def names(text: str) -> list[str]:
    """An argparse type: comma-separated column names, like glucose,bmi."""
    found = [part.strip() for part in text.split(",") if part.strip()]
    if not found:
        raise argparse.ArgumentTypeError(f"expected comma-separated column names like A,B, "
                                         f"got {text!r}")
    return found


def without_nproc(argv: list[str]) -> list[str]:
    """The command line torchrun passes on to each rank: the same, minus --nproc N."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--nproc":
            skip = True
        elif not arg.startswith("--nproc="):
            kept.append(arg)
    return kept


def print_result(result: Any) -> None:
    """A dict as indented JSON, each list of plain values on one line (a confusion matrix's
    rows one per line, not one number per line)."""
    if isinstance(result, dict):
        text = json.dumps(result, indent=2, default=_json_default)
        print(re.sub(r"\[(\n[^\[\]{}\"]*)\]",  # json.dumps breaks lines in lists, never in strings
                     lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",")) + "]",
                     text))
    else:
        print(result)


def _json_default(value: Any) -> Any:
    if hasattr(value, "item") and hasattr(value, "dtype"):  # a NumPy scalar
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")
