"""Versions of names: which one the namespace holds, which ones each cell made and read.

Every run of a cell that writes a name makes a new *version* of it, a token
(an int).  ``present`` says which version of each tracked name is in the
namespace now; ``made`` what a cell's latest run left; ``seen`` what it read.
A cell is *fresh* when its latest run read, for each input, the version that
its source cell (see ``DependencyGraph.source``) made; a top-to-bottom run of
the notebook would then give it the same inputs, so it needs no re-run.

``dirty`` holds cells that may not be fresh and have not been looked at yet;
``unsettled`` names whose present version may not be their bottom-most
writer's.  A cascade starts from both.

This module imports nothing from Jupyter.
"""

from __future__ import annotations

import itertools
from typing import Any, Iterable

from .graph import DependencyGraph
from .values import NO_SNAPSHOT, same_value, snapshot

__all__ = ["Versions"]


class Versions:
    """The version ledger of one kernel."""

    def __init__(self) -> None:
        self.present: dict[str, int] = {}
        self.made: dict[str, dict[str, int]] = {}
        self.seen: dict[str, dict[str, int | None]] = {}
        self.dirty: set[str] = set()
        self.unsettled: set[str] = set()
        self._kept: dict[int, Any] = {}
        self._tokens = itertools.count(1)

    # -- questions ------------------------------------------------------------
    def wanted(self, graph: DependencyGraph, cell_id: str, name: str) -> tuple[str | None, int | None]:
        """(source cell, the version of ``name`` a top-to-bottom run would give the cell)."""
        source = graph.source(cell_id, name)
        if source is None:
            return None, None
        return source, self.made.get(source, {}).get(name)

    def fresh(self, graph: DependencyGraph, cell_id: str) -> bool:
        """Whether the cell's latest run, with its current code, read the versions its sources made."""
        seen = self.seen.get(cell_id)
        if seen is None:
            return False
        for name in graph.cell(cell_id).inputs:
            if seen.get(name) != self.wanted(graph, cell_id, name)[1]:
                return False
        return True

    def has_run(self, cell_id: str) -> bool:
        """Whether the cell has run with its current code."""
        return cell_id in self.seen

    # -- changes ------------------------------------------------------------
    def edited(self, cell_id: str) -> None:
        """The cell's code changed: its latest run no longer counts as a run of this cell."""
        self.seen.pop(cell_id, None)

    def record(self, cell_id: str, inputs: Iterable[str], written: dict[str, Any], missing: Any) -> set[str]:
        """Note a run: what it read (the present versions) and the values it left for its writes.

        ``written`` maps each name the cell writes to its value after the run
        (``missing`` when unbound).  A value equal to a kept snapshot of the
        cell's previous version keeps that version.  Returns the names that
        got a new version.
        """
        self.seen[cell_id] = {name: self.present.get(name) for name in inputs}
        made = self.made.setdefault(cell_id, {})
        renewed: set[str] = set()
        for name, value in written.items():
            old = made.get(name)
            kept = self._kept.get(old, NO_SNAPSHOT) if old is not None else NO_SNAPSHOT
            if old is not None and value is not missing and same_value(kept, value):
                token = old
            else:
                token = next(self._tokens)
                if old is not None:
                    self._kept.pop(old, None)
                if value is not missing:
                    keep = snapshot(value)
                    if keep is not NO_SNAPSHOT:
                        self._kept[token] = keep
                renewed.add(name)
            made[name] = token
            self.present[name] = token
        for name in set(made) - set(written):
            self._kept.pop(made.pop(name), None)
        self.dirty.discard(cell_id)
        return renewed

    def unbind(self, names: Iterable[str]) -> None:
        """Names were deleted from the namespace."""
        for name in names:
            self.present.pop(name, None)

    def forget(self, cell_id: str) -> dict[str, int]:
        """A cell was deleted; returns the versions it had made."""
        self.seen.pop(cell_id, None)
        self.dirty.discard(cell_id)
        made = self.made.pop(cell_id, {})
        for token in made.values():
            self._kept.pop(token, None)
        return made

    def made_by(self, cell_id: str, name: str) -> bool:
        """Whether the present version of ``name`` is the one the cell made."""
        token = self.present.get(name)
        return token is not None and self.made.get(cell_id, {}).get(name) == token
