"""Registries: named entries (backends, metrics, distances, file formats) added by one call.

A :class:`Registry` maps a name to an entry object. Everything that offers a choice (CLI
options, spec validation, estimator parameter checks, error messages) reads the registry when
it asks, through :meth:`Registry.names` or a live :class:`Names` view, so an entry registered
after import is a valid choice everywhere. See ``docs/extending.md``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from tda_nn.errors import InputError

__all__ = ["Names", "Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """Named entries of one kind, in registration order.

    Parameters
    ----------
    kind : str
        What an entry is, for error messages (``"backend"``, ``"metric"``, ...).
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T, *, replace: bool = False) -> T:
        """Add ``entry`` under ``name``; an existing name needs ``replace=True``."""
        if not isinstance(name, str) or not name:
            raise InputError(f"a {self.kind} name must be a non-empty string, got {name!r}")
        if name in self._entries and not replace:
            raise InputError(f"{self.kind} {name!r} is already registered (pass replace=True)")
        self._entries[name] = entry
        return entry

    def unregister(self, name: str) -> None:
        """Remove ``name`` (tests and plug-ins that clean up after themselves)."""
        self._entries.pop(name, None)

    def names(self, where: Callable[[T], bool] | None = None) -> tuple[str, ...]:
        """Registered names (those whose entry satisfies ``where``), in registration order."""
        return tuple(n for n, e in self._entries.items() if where is None or where(e))

    def view(self, where: Callable[[T], bool] | None = None) -> Names:
        """A live, tuple-like view of :meth:`names` (what module constants hold)."""
        return Names(self, where)

    def get(self, name: Any, what: str | None = None,
            where: Callable[[T], bool] | None = None) -> T:
        """The entry of ``name``, or :class:`InputError` listing the choices.

        ``what`` names the parameter in the message (default: the registry's kind).
        """
        choices = self.names(where)
        if isinstance(name, str) and name in choices:
            return self._entries[name]
        close = difflib.get_close_matches(str(name), choices, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(f"{what or self.kind} must be one of {choices}, got {name!r}{hint}")

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._entries


class Names(Sequence[str]):
    """The names of a registry as a read-only tuple-like sequence, read afresh on every use.

    ``name in NAMES``, iteration, ``len``, indexing, ``set(NAMES)``, ``repr`` and comparison
    with a tuple behave as for the tuple of the names registered at that moment.
    """

    def __init__(self, registry: Registry[Any], where: Callable[[Any], bool] | None = None):
        self._registry = registry
        self._where = where

    def _names(self) -> tuple[str, ...]:
        return self._registry.names(self._where)

    def __getitem__(self, index):  # type: ignore[override]
        return self._names()[index]

    def __len__(self) -> int:
        return len(self._names())

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __eq__(self, other: object) -> bool:
        return tuple(self) == (tuple(other) if isinstance(other, Sequence) else other)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return repr(self._names())
