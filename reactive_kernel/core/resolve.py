"""From a cell's analysis to its graph node, with what only the notebook and the namespace can tell.

The analysis of one cell cannot know that ``train(model)`` calls a function
another cell defined to change its argument, that ``obj.set_a(1)`` calls a
method that sets an attribute, that ``np`` is a module (changing a module is
not tracked), that ``p`` holds the path ``data.csv``, that ``g`` is a
generator (looking at an iterator consumes it), or that ``counter`` is a
closure that counts its calls.  ``Definitions`` collects the
notebook's functions and mutating methods; ``resolve`` combines them with a
look at the current values.

This module imports nothing from Jupyter.
"""

from __future__ import annotations

import dis
import inspect
import os
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .analysis import Analysis, FunctionSummary
from .cascade import CellFacts
from .graph import Cell

__all__ = ["FILE_PREFIX", "Definitions", "Resolved", "file_key", "resolve"]

#: Graph names of files start with this, followed by the absolute path.
FILE_PREFIX = "file:"

_MISSING = object()


@dataclass
class Definitions:
    """The functions and mutating methods the notebook's cells define, by the cell that defines them."""

    functions: dict[str, tuple[str, FunctionSummary]] = field(default_factory=dict)
    mutators: dict[str, set[str]] = field(default_factory=dict)
    modules: dict[str, set[str]] = field(default_factory=dict)

    def learn(self, cell_id: str, analysis: Analysis) -> None:
        """Take a cell's definitions (replacing what it defined before)."""
        self.forget(cell_id)
        for name, summary in analysis.functions:
            self.functions[name] = (cell_id, summary)
        for method in analysis.mutators:
            self.mutators.setdefault(method, set()).add(cell_id)
        for module in analysis.imports:
            self.modules.setdefault(module, set()).add(cell_id)

    def forget(self, cell_id: str) -> None:
        """Drop what a cell defined."""
        for name in [n for n, (c, _) in self.functions.items() if c == cell_id]:
            del self.functions[name]
        for table in (self.mutators, self.modules):
            for key in list(table):
                cells = table[key]
                cells.discard(cell_id)
                if not cells:
                    del table[key]


@dataclass(frozen=True)
class Resolved:
    """A cell's graph node and the facts the runner needs."""

    cell: Cell
    facts: CellFacts


_WRITES_CELL = frozenset({"STORE_DEREF", "DELETE_DEREF"})
_closure_writes: dict[int, bool] = {}


def _keeps_state(value: Any, definitions: Definitions) -> bool:
    """Whether calling ``value`` changes it: a closure that assigns a ``nonlocal``, or an
    instance whose ``__call__`` (defined in the notebook) changes ``self``."""
    if isinstance(value, types.FunctionType):
        code = value.__code__
        if not code.co_freevars:
            return False
        found = _closure_writes.get(id(code))
        if found is None:
            found = any(
                op.opname in _WRITES_CELL and op.argval in code.co_freevars for op in dis.get_instructions(code)
            )
            _closure_writes[id(code)] = found
        return found
    call = inspect.getattr_static(type(value), "__call__", None)
    return (
        isinstance(call, types.FunctionType)
        and type(value).__module__ == "__main__"
        and "__call__" in definitions.mutators
    )


def file_key(parts: tuple[tuple[str, str], ...], value_of: Callable[[str], Any], cwd: str) -> tuple[str, bool] | None:
    """The graph name of a path and whether it is the file itself (False: the folder it is in).

    A name holding no path after a known start (``os.path.join("out", n)``
    with ``n`` a loop variable) gives the folder of that start.  Returns None
    when not even the start is known.
    """
    pieces: list[str] = []
    exact = True
    for kind, text in parts:
        if kind == "lit":
            pieces.append(text)
            continue
        value = value_of(text)
        piece = os.fspath(value) if isinstance(value, (str, os.PathLike)) else None
        if not isinstance(piece, str):
            exact = False
            break
        pieces.append(piece)
    if not pieces or not pieces[0]:
        return None
    path = os.path.normpath(os.path.join(cwd, *pieces))
    return FILE_PREFIX + path, exact


def resolve(
    cell_id: str,
    analysis: Analysis,
    definitions: Definitions,
    value_of: Callable[[str], Any],
    cwd: str,
) -> Resolved:
    """The node for ``analysis`` given the notebook's definitions and the current values.

    ``value_of(name)`` returns the current value of a name, or raises KeyError.
    """

    def value(name: str) -> Any:
        try:
            return value_of(name)
        except KeyError:
            return _MISSING

    own = dict(analysis.functions)
    reads, binds, changes = set(analysis.reads), set(analysis.binds), set(analysis.changes)
    for call in analysis.calls:
        summary = own.get(call.function)
        if summary is None:
            found = definitions.functions.get(call.function)
            summary = found[1] if found is not None else None
        if summary is not None:
            changes |= summary.effects_of(call)
        elif _keeps_state(value(call.function), definitions):
            changes.add(call.function)
    for receiver, method in analysis.methods:
        if method in definitions.mutators or method in analysis.mutators:
            changes.add(receiver)
    for name in list(reads):
        if isinstance(value(name), Iterator):
            changes.add(name)
    changes = {
        n
        for n in changes
        if n not in definitions.modules and n not in analysis.imports and not isinstance(value(n), types.ModuleType)
    }
    for use in analysis.files:
        located = file_key(use.path, value, cwd)
        if located is None:
            continue
        key, exact = located
        if use.mode == "read":
            reads.add(key)
        elif use.mode == "write" and exact:
            binds.add(key)
        else:
            changes.add(key)
    node = Cell(cell_id, frozenset(reads), frozenset(binds), frozenset(changes))
    mutated = frozenset(n for n in analysis.mutated | changes if not n.startswith(FILE_PREFIX))
    return Resolved(node, CellFacts(mutated, analysis.dynamic))
