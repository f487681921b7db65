"""The one exception type users see.

Everything a user can get wrong (a file, an option, a config field) raises `AekitError` with a
single line that names the culprit and what was expected; the CLI prints that line and exits
non-zero instead of showing a traceback.
"""

from __future__ import annotations


class AekitError(ValueError):
    """A user-facing error: one line naming the file, option or field, and what was expected."""


class AekitWarning(UserWarning):
    """Something a user should know that does not stop the command (a figure that could not be
    drawn, a column that looks like labels); the CLI prints it as one `aekit: warning:` line."""


def option_name(field: str) -> str:
    """The command-line spelling of a config field, so errors name what the user typed."""
    return "--" + field.replace("_", "-")
