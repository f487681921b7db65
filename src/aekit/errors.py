"""The one exception type users see.

Everything a user can get wrong (a file, an option, a config field) raises `AekitError` with a
single line that names the culprit and what was expected; the CLI prints that line and exits
non-zero instead of showing a traceback.
"""

from __future__ import annotations

import errno
import os

MAX_MESSAGE = 600  # characters: a message listing 100,000 column names stays readable


class AekitError(ValueError):
    """A user-facing error: one line naming the file, option or field, and what was expected."""


class AekitWarning(UserWarning):
    """Something a user should know that does not stop the command (a figure that could not be
    drawn, a column that looks like labels); the CLI prints it as one `aekit: warning:` line."""


def option_name(field: str) -> str:
    """The command-line spelling of a config field, so errors name what the user typed."""
    return "--" + field.replace("_", "-")


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` on one line, cut in the middle when longer than `limit` so both ends stay."""
    text = str(text)
    if "Original Traceback" in text:  # re-raised from a DataLoader worker: its last line
        text = text.strip().splitlines()[-1].partition(": ")[2] or text
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    keep = limit // 2
    return f"{text[:keep]} ... ({len(text) - 2 * keep} characters cut) ... {text[-keep:]}"


def describe_os_error(exc: OSError) -> str:
    """'PATH: No space left on device (ENOSPC)': the file and the errno's meaning."""
    code = errno.errorcode.get(exc.errno or 0)
    meaning = exc.strerror or (os.strerror(exc.errno) if exc.errno else str(exc))
    where = exc.filename if exc.filename is not None else "file system"
    return f"{where}: {meaning}" + (f" ({code})" if code else "")
