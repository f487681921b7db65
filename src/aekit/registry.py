"""One registry for every named thing: architectures, latents, losses, penalties, noises.

A new variant is a small function plus `@register(kind, name)`; nothing dispatches on names with
`if` chains. Asking for an unknown name lists the known ones and the closest match.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any, TypeVar

from aekit.errors import AekitError

F = TypeVar("F", bound=Callable[..., Any])

_REGISTRY: dict[str, dict[str, Callable[..., Any]]] = {}
_DEFAULTS: dict[tuple[str, str], dict[str, Any]] = {}


def register(kind: str, name: str, **defaults: Any) -> Callable[[F], F]:
    """File `fn` under (kind, name); registering a name twice is a bug, so it raises.

    `defaults` are settings the entry implies when a config leaves them unset (`vae`: a
    gaussian latent), so no other module special-cases the entry's name.
    """

    def wrap(fn: F) -> F:
        table = _REGISTRY.setdefault(kind, {})
        if name in table:
            raise RuntimeError(f"{kind} {name!r} is registered twice")
        table[name] = fn
        _DEFAULTS[kind, name] = defaults
        return fn

    return wrap


def defaults(kind: str, name: str) -> dict[str, Any]:
    """The settings entry (kind, name) implies (empty for an unknown name)."""
    return _DEFAULTS.get((kind, name), {})


def lookup(kind: str, name: str, option: str | None = None) -> Callable[..., Any]:
    """The callable registered as (kind, name), or an error listing what exists."""
    table = _REGISTRY.get(kind, {})
    if name in table:
        return table[name]
    known = sorted(table)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    where = f"{option}: " if option else ""
    raise AekitError(f"{where}unknown {kind} {name!r}; known: {', '.join(known)}{hint}")


def create(kind: str, name: str, *args: Any, **kwargs: Any) -> Any:
    """Look up (kind, name) and call it."""
    return lookup(kind, name)(*args, **kwargs)


def kinds() -> list[str]:
    """Every kind something is registered under, sorted."""
    return sorted(_REGISTRY)


def names(kind: str) -> list[str]:
    """Registered names of one kind, sorted."""
    return sorted(_REGISTRY.get(kind, {}))


def describe(kind: str) -> dict[str, str]:
    """Name -> first docstring line, for `aekit models`."""
    return {
        name: (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""
        for name, fn in sorted(_REGISTRY.get(kind, {}).items())
    }
