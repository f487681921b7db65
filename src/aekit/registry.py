"""One registry for every named thing: architectures, latents, losses, penalties, noises.

A new variant is a small function plus `@register(kind, name)`; nothing dispatches on names with
`if` chains. Asking for an unknown name lists the known ones and the closest match. An entry
also carries everything else that is its own: its options dataclass, the settings it implies,
and the defaults `aekit train` uses for it, so an architecture's defaults live in one place.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aekit.errors import AekitError

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Entry:
    """What a part registers beside its callable.

    `options`: the frozen dataclass of the part's own options (a conv's kernel, a VAE's beta),
    which the model config accepts only while the part is chosen. `implied`: settings the entry
    implies when a config leaves them unset (`vae`: a gaussian latent). `model_defaults` and
    `train_defaults`: what `aekit train` and the estimators use for options left unset when no
    preset is named (the sequence models' recipe).
    """

    options: type | None = None
    implied: dict[str, Any] = field(default_factory=dict)
    model_defaults: dict[str, Any] = field(default_factory=dict)
    train_defaults: dict[str, Any] = field(default_factory=dict)


_REGISTRY: dict[str, dict[str, Callable[..., Any]]] = {}
_ENTRIES: dict[tuple[str, str], Entry] = {}


def register(kind: str, name: str, *, options: type | None = None,
             model_defaults: dict[str, Any] | None = None,
             train_defaults: dict[str, Any] | None = None, **implied: Any) -> Callable[[F], F]:
    """File `fn` under (kind, name) with its `Entry`; registering a name twice is a bug, so it
    raises."""

    def wrap(fn: F) -> F:
        table = _REGISTRY.setdefault(kind, {})
        if name in table:
            raise RuntimeError(f"{kind} {name!r} is registered twice")
        table[name] = fn
        _ENTRIES[kind, name] = Entry(options, implied, model_defaults or {},
                                     train_defaults or {})
        return fn

    return wrap


def entry(kind: str, name: str) -> Entry:
    """The entry of (kind, name); an empty one for an unknown name."""
    return _ENTRIES.get((kind, name), Entry())


def defaults(kind: str, name: str) -> dict[str, Any]:
    """The settings entry (kind, name) implies (empty for an unknown name)."""
    return entry(kind, name).implied


def options(kind: str, name: str) -> type | None:
    """The options dataclass of (kind, name), or None when it takes none."""
    return entry(kind, name).options


def option_takers() -> dict[str, list[tuple[str, str]]]:
    """Every part option's name -> the (kind, name) of each part that takes it, in the order
    they were registered."""
    takers: dict[str, list[tuple[str, str]]] = {}
    for key, found in _ENTRIES.items():
        for option in dataclasses.fields(found.options) if found.options else ():
            takers.setdefault(option.name, []).append(key)
    return takers


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
