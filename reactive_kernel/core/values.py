"""Objects behind names: which names share an object (aliases), and when a new value equals the old one.

``AliasIndex`` keeps, for the names the graph tracks, a *footprint*: the ids
of the mutable objects a name's value reaches through containers (lists,
tuples, dicts, sets, deques, the attributes of objects of classes defined in
the notebook) and the buffer a NumPy view shares.  A change in place through
one name is a change of every name whose footprint meets it: ``b = a``, a list
held in two containers, a shallow copy's shared rows.  Footprints are
computed only for the names a cell wrote, so the cost is flat in the size of
the namespace.

``snapshot`` keeps small immutable values (numbers, short strings, tuples of
them), so that a cell that runs again and binds an equal value does not make
its readers run again.

This module imports nothing from Jupyter.
"""

from __future__ import annotations

import itertools
import math
import types
from collections import deque
from typing import Any, Iterable

__all__ = ["AliasIndex", "NO_SNAPSHOT", "footprint", "same_value", "snapshot"]

#: How deep into containers, and how many items of each, a footprint looks.
DEPTH = 2
ITEMS = 64
#: The most ids one footprint holds.
BUDGET = 512

_ATOMS = (int, float, complex, str, bytes, bool, type(None), range, slice)
_OPAQUE = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)
_SEQUENCES = (list, tuple, set, frozenset, deque)

#: ``snapshot`` of a value it does not keep.
NO_SNAPSHOT = object()
_SNAPSHOT_TEXT = 10_000
_SNAPSHOT_ITEMS = 100


def _buffer_owner(obj: Any) -> Any:
    """The object that owns a NumPy view's memory (the array itself when it owns its own)."""
    base = getattr(obj, "base", None)
    while base is not None and type(base).__module__ == "numpy":
        obj, base = base, getattr(base, "base", None)
    return obj


def footprint(value: Any) -> frozenset[int]:
    """Ids of the mutable objects ``value`` reaches (itself included), bounded in depth and size."""
    found: set[int] = set()
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack and len(found) < BUDGET:
        obj, depth = stack.pop()
        if isinstance(obj, _ATOMS) or isinstance(obj, _OPAQUE):
            continue
        kind = type(obj)
        if kind.__module__ == "numpy":
            found.add(id(_buffer_owner(obj)))
            continue
        if kind is not tuple and kind is not frozenset:
            found.add(id(obj))
        if depth >= DEPTH:
            continue
        if isinstance(obj, _SEQUENCES):
            children: Iterable[Any] = itertools.islice(obj, ITEMS)
        elif isinstance(obj, dict):
            children = itertools.islice(obj.values(), ITEMS)
        elif kind.__module__ == "__main__" and isinstance(getattr(obj, "__dict__", None), dict):
            children = itertools.islice(vars(obj).values(), ITEMS)
        else:
            continue
        stack.extend((child, depth + 1) for child in children)
    return frozenset(found)


class AliasIndex:
    """Footprints of tracked names, and from each object id the names that reach it."""

    def __init__(self) -> None:
        self._footprint: dict[str, frozenset[int]] = {}
        self._owners: dict[int, set[str]] = {}

    def __len__(self) -> int:
        return len(self._footprint)

    def update(self, name: str, value: Any) -> None:
        """Record (again) what ``name``'s value reaches."""
        self.discard(name)
        found = footprint(value)
        if found:
            self._footprint[name] = found
            for ident in found:
                self._owners.setdefault(ident, set()).add(name)

    def discard(self, name: str) -> None:
        """Forget a name (it was deleted, or is about to be recorded again)."""
        for ident in self._footprint.pop(name, ()):
            owners = self._owners.get(ident)
            if owners is not None:
                owners.discard(name)
                if not owners:
                    del self._owners[ident]

    def sharing(self, name: str) -> set[str]:
        """Other names whose values reach an object ``name``'s value reaches."""
        found: set[str] = set()
        for ident in self._footprint.get(name, ()):
            found |= self._owners.get(ident, set())
        found.discard(name)
        return found

    def shared(self, name: str) -> bool:
        """Whether another name reaches an object ``name``'s value reaches."""
        return any(len(self._owners.get(ident, ())) > 1 for ident in self._footprint.get(name, ()))


def snapshot(value: Any) -> Any:
    """``value`` itself when it is small and immutable (safe to keep and compare later), else NO_SNAPSHOT."""
    if _small_immutable(value, 0):
        return value
    return NO_SNAPSHOT


def _small_immutable(value: Any, depth: int) -> bool:
    kind = type(value)
    if kind in (int, bool, complex, type(None)):
        return True
    if kind is float:
        return not math.isnan(value)
    if kind in (str, bytes):
        return len(value) <= _SNAPSHOT_TEXT
    if kind in (tuple, frozenset) and depth < 2 and len(value) <= _SNAPSHOT_ITEMS:
        return all(_small_immutable(item, depth + 1) for item in value)
    return False


def same_value(kept: Any, value: Any) -> bool:
    """Whether ``value`` equals a snapshot, of the very same types throughout."""
    if kept is NO_SNAPSHOT or not _small_immutable(value, 0):
        return False
    return _same(kept, value)


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if type(a) is tuple:
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b)
