"""JSON values checked against config dataclass annotations, each failure naming its field."""

from __future__ import annotations

import types
import typing
from typing import Any

from aekit.errors import AekitError, option_name


def fail(section: str, name: str, message: str) -> typing.NoReturn:
    raise AekitError(f"{section}.{name} ({option_name(name)}): {message}")


_SCALARS: dict[type, tuple[str, Any]] = {
    bool: ("true or false", lambda v: isinstance(v, bool)),
    int: ("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    float: ("a number", lambda v: isinstance(v, int | float) and not isinstance(v, bool)),
    str: ("a string", lambda v: isinstance(v, str)),
}


def coerce(section: str, name: str, value: Any, tp: Any) -> Any:
    """Check `value` against the annotation `tp`, converting JSON lists to tuples."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(tp)
        if value is None and type(None) in options:
            return None
        inner = [t for t in options if t is not type(None)]
        return coerce(section, name, value, inner[0])
    if origin is tuple:
        if not isinstance(value, list | tuple):
            fail(section, name, f"expected a list, got {value!r}")
        (item,) = {t for t in typing.get_args(tp) if t is not Ellipsis}
        return tuple(coerce(section, name, v, item) for v in value)
    if origin is dict:
        if not isinstance(value, dict):
            fail(section, name, f"expected a table/object, got {value!r}")
        item = typing.get_args(tp)[1]
        return {str(k): coerce(section, name, v, item) for k, v in value.items()}
    if tp is Any:  # free-form JSON, checked by the code that reads it
        return value
    if tp in _SCALARS:
        what, ok = _SCALARS[tp]
        if not ok(value):
            fail(section, name, f"expected {what}, got {value!r}")
        return float(value) if tp is float else value
    raise TypeError(f"unsupported config annotation {tp!r} for {section}.{name}")
