"""The command line: a thin map from sub-commands to library functions.

User mistakes raise AekitError and are printed as one line (`aekit: error: ...`), exit code 2.
Parsing needs the standard library alone; torch and the commands are imported after it, so
`--help` and `--version` answer at once and Ctrl-C while they load ends quietly.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from aekit.cli import arguments
from aekit.cli.parser import build_parser
from aekit.errors import AekitError, AekitWarning, describe_os_error, one_line


def _version() -> str:
    import aekit

    return aekit.__version__


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    shown = warnings.showwarning

    def warn_on_one_line(message: Warning | str, category: type[Warning], *rest: Any,
                         **kwargs: Any) -> None:
        if issubclass(category, AekitWarning):
            print(f"aekit: warning: {message}", file=sys.stderr)
        else:
            shown(message, category, *rest, **kwargs)

    warnings.showwarning = warn_on_one_line
    try:
        with _ctrl_c_held() as held:
            # parsing `train` imports the parts (and torch) for their options' flags, its
            # help lists them from the catalog; the commands pull in torch too (seconds)
            args = build_parser().parse_args(argv)
            from aekit.cli import commands
        if held:
            print("aekit: interrupted while starting; nothing was written", file=sys.stderr)
            return 130
        return _run(commands, args, argv)
    finally:
        warnings.showwarning = shown


@contextmanager
def _ctrl_c_held() -> Iterator[list[int]]:
    """Hold Ctrl-C while the libraries load, and say afterwards (a non-empty list) whether it
    came. An import cut by KeyboardInterrupt leaves a C extension half-initialised (numpy's),
    and the libraries that catch the error either fail later in a confusing way or go on as if
    no Ctrl-C had come. Where SIGINT is not Python's to handle (ignored by a background shell,
    or not the main thread), it is left alone."""
    held: list[int] = []
    ours = threading.current_thread() is threading.main_thread() \
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if ours:
        signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    try:
        yield held
    finally:
        if ours:
            signal.signal(signal.SIGINT, signal.default_int_handler)


def _run(commands: ModuleType, args: argparse.Namespace, argv: list[str]) -> int:
    from aekit import threads
    from aekit.cli.outputs import check_outputs
    from aekit.train import distributed
    from aekit.train.trainer import TrainingInterrupted

    try:
        if getattr(args, "nproc", None) is not None:
            if args.nproc < 1:
                raise AekitError(f"--nproc: expected a number of processes >= 1, got "
                                 f"{args.nproc}")
            distributed.exec_torchrun(args.nproc, arguments.without_nproc(argv))
        check_outputs(args)
        name = commands.HANDLERS.get(args.command, args.command.replace("-", "_"))
        with threads.requested(getattr(args, "threads", None)):
            result = getattr(commands, name)(args)
    except TrainingInterrupted as exc:
        print(f"aekit: {one_line(exc)}", file=sys.stderr)
        return 130
    except AekitError as exc:
        print(f"aekit: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"aekit: interrupted{_resume_hint(args)}", file=sys.stderr)
        return 130
    except OSError as exc:  # disk full, read-only, too long a name: the path and the reason
        print(f"aekit: error: {one_line(describe_os_error(exc))}", file=sys.stderr)
        return 2
    except MemoryError:
        print("aekit: error: out of memory; use --limit or a smaller --max-memory, or stream "
              "the data (--stream)", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug in aekit: one line to report, the traceback on request
        if os.environ.get("AEKIT_DEBUG"):
            raise
        print(f"aekit: internal error: {type(exc).__name__}: {one_line(exc, 300)} (please "
              "report it; AEKIT_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1
    finally:
        distributed.shutdown()
    if result is not None:
        arguments.print_result(result)
    return 0


def _resume_hint(args: argparse.Namespace | None) -> str:
    """How to continue an interrupted train, only when a checkpoint exists to continue from."""
    if args is None or getattr(args, "command", None) != "train":
        return ""
    out = getattr(args, "resume", None) or getattr(args, "out", None)
    if out and (Path(out) / "checkpoints" / "last.safetensors").is_file():
        return f"; continue with: aekit train --resume {out}"
    return " before the first checkpoint; nothing to resume, start the run again"
