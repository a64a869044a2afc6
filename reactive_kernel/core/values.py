"""Objects behind names: which names share an object (aliases), and when a new value equals the old one.

``AliasIndex`` keeps, for the names the graph tracks, a *footprint*: the ids
of the mutable objects a name's value reaches through containers (lists,
tuples, dicts, sets, deques, the attributes of objects of classes defined in
the notebook) and the buffer a NumPy view shares.  A change in place through
one name is a change of every name whose footprint meets it: ``b = a``, a list
held in two containers, a shallow copy's shared rows.  Footprints are
computed only for the names a cell wrote, so the cost is flat in the size of
the namespace.

``keep`` keeps small values (numbers, short strings, small containers of them),
so that a cell that runs again and binds an equal value does not make its
readers run again, and so that such a version, overwritten by another cell,
can be put back without running its cell again.

This module imports nothing from Jupyter.
"""

from __future__ import annotations

import copy
import itertools
import math
import types
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["AliasIndex", "Kept", "footprint", "keep"]

#: How deep into containers, and how many items of each, a footprint looks.
DEPTH = 2
ITEMS = 64
#: The most ids one footprint holds.
BUDGET = 512

_ATOMS = (int, float, complex, str, bytes, bool, type(None), range, slice)
_OPAQUE = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)
_SEQUENCES = (list, tuple, set, frozenset, deque)

#: The largest string, and the most items of a container, a version keeps.
_KEEP_TEXT = 10_000
_KEEP_ITEMS = 100


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
        if isinstance(obj, (_ATOMS, _OPAQUE)):
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

    def owners(self, ids: Iterable[int]) -> set[str]:
        """The names whose values reach any of these object ids."""
        found: set[str] = set()
        for ident in ids:
            found |= self._owners.get(ident, set())
        return found


@dataclass(frozen=True)
class Kept:
    """A small value kept with its version: to compare a new value with, and to put back.

    An immutable value (or a module: importing it again gives the same one) is
    kept as itself.  A small container of immutables
    (a list, dict, set, tuple, deque) is kept as a copy, with ``ids``, the
    footprint of the object it was copied from: putting it back, or keeping its
    version for an equal new object, is right only while no other name reaches
    that object (the two would no longer be one object).
    """

    value: Any
    copied: bool = False
    ids: frozenset[int] = frozenset()
    #: the object copied from, held so that its id stays its own (an id is reused once an object dies)
    origin: Any = None
    #: other names that held the same object when this version was made
    shared_with: frozenset[str] = frozenset()

    def same(self, value: Any) -> bool:
        """Whether ``value`` equals the kept one, of the very same types throughout."""
        return _same(self.value, value)

    @property
    def intact(self) -> bool:
        """Whether the object copied from still holds the kept value (nothing changed it since)."""
        return self.copied and self.same(self.origin)

    def fresh_value(self) -> Any:
        """The value to put back: the value itself; for a container the very object it was, when
        intact (so names that share it keep sharing it), else a new copy."""
        if not self.copied:
            return self.value
        return self.origin if self.intact else copy.deepcopy(self.value)


def keep(value: Any) -> Kept | None:
    """A ``Kept`` for a small value (immutable, or a container of immutables), else None."""
    if _small(value, 0, containers=False):
        return Kept(value)
    if _small(value, 0, containers=True):
        return Kept(copy.deepcopy(value), True, footprint(value), value)
    return None


def _small(value: Any, depth: int, containers: bool) -> bool:
    kind = type(value)
    if kind in (int, bool, complex, type(None), types.ModuleType):
        return True
    if kind is float:
        return not math.isnan(value)
    if kind in (str, bytes):
        return len(value) <= _KEEP_TEXT
    if depth >= 2:
        return False
    if kind in (tuple, frozenset) or (containers and kind in (list, set, deque)):
        return len(value) <= _KEEP_ITEMS and all(_small(item, depth + 1, containers) for item in value)
    if containers and kind is dict:
        return len(value) <= _KEEP_ITEMS and all(
            _small(k, depth + 1, False) and _small(v, depth + 1, containers) for k, v in value.items()
        )
    return False


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    kind = type(a)
    if kind in (tuple, list, deque):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if kind is dict:
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if kind is float and math.isnan(a):
        return False
    return bool(a == b)
