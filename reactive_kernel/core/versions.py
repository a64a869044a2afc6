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
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from .graph import DependencyGraph
from .values import Kept, footprint, keep

__all__ = ["Versions"]


class Versions:
    """The version ledger of one kernel."""

    def __init__(self) -> None:
        self.present: dict[str, int] = {}
        self.made: dict[str, dict[str, int]] = {}
        self.seen: dict[str, dict[str, int | None]] = {}
        self.dirty: set[str] = set()
        self.unsettled: set[str] = set()
        self._kept: dict[int, Kept] = {}
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
        return all(seen.get(name) == self.wanted(graph, cell_id, name)[1] for name in graph.cell(cell_id).inputs)

    def kept(self, token: int | None) -> Kept | None:
        """The kept value of a version, if it was small enough to keep."""
        return self._kept.get(token) if token is not None else None

    def putable(self, token: int | None, name: str, owners: Callable[[Iterable[int]], set[str]]) -> Kept | None:
        """The kept value of a version that can be put back for ``name``: an immutable, a container
        whose object still holds it, or a copy of one no other name shares.  A version that was one
        object with other names (``p = q``) goes back only as that very object, while they hold it."""
        kept = self.kept(token)
        if kept is None or (kept.copied and not kept.intact and owners(kept.ids) - {name}):
            return None
        if kept.shared_with and not (kept.intact and kept.shared_with <= owners(kept.ids)):
            return None  # one object with other names then: only the very object, still theirs, goes back
        return kept

    def note_sharing(self, cell_id: str, sharing: Callable[[str], set[str]]) -> None:
        """Remember, for the versions the cell made, which other names held the same object."""
        for name, token in self.made.get(cell_id, {}).items():
            kept = self._kept.get(token)
            if kept is not None and kept.copied:
                others = frozenset(sharing(name) - {name})
                if others != kept.shared_with:
                    self._kept[token] = replace(kept, shared_with=others)

    def put(self, name: str, token: int) -> None:
        """A version was put back into the namespace from its kept value."""
        self.present[name] = token

    def has_run(self, cell_id: str) -> bool:
        """Whether the cell has run with its current code."""
        return cell_id in self.seen

    # -- changes ------------------------------------------------------------
    def edited(self, cell_id: str) -> None:
        """The cell's code changed: its latest run no longer counts as a run of this cell."""
        self.seen.pop(cell_id, None)

    def record(
        self,
        cell_id: str,
        inputs: Iterable[str],
        written: dict[str, Any],
        missing: Any,
        owners: Callable[[Iterable[int]], set[str]] = lambda ids: set(),
        parted: Iterable[str] = (),
    ) -> set[str]:
        """Note a run: what it read (the present versions) and the values it left for its writes.

        ``written`` maps each name the cell writes to its value after the run
        (``missing`` when unbound).  A value equal to the kept value of the
        cell's previous version keeps that version (for a container, only while
        no other name, per ``owners``, shares the old object or the new one).
        Names in ``parted`` now hold another object than the one they shared
        with other names before the run: they always get a new version, so
        that the names that shared it are made again.
        Returns the names that got a new version.
        """
        parted = set(parted)
        self.seen[cell_id] = {name: self.present.get(name) for name in inputs}
        made = self.made.setdefault(cell_id, {})
        renewed: set[str] = set()
        for name, value in written.items():
            old = made.get(name)
            kept = self._kept.get(old) if old is not None else None
            if (
                old is not None
                and kept is not None
                and value is not missing
                and name not in parted
                and kept.same(value)
                and not (kept.copied and (owners(kept.ids) | owners(footprint(value))) - {name})
            ):
                token = old
                if kept.copied:
                    self._forget_kept(token)
                    self._keep(token, keep(value) or kept)
            else:
                token = next(self._tokens)
                if old is not None:
                    self._forget_kept(old)
                if value is not missing:
                    new = keep(value)
                    if new is not None:
                        self._keep(token, new)
                renewed.add(name)
            made[name] = token
            self.present[name] = token
        for name in set(made) - set(written):
            self._forget_kept(made.pop(name))
        self.dirty.discard(cell_id)
        return renewed

    def _keep(self, token: int, kept: Kept) -> None:
        self._kept[token] = kept

    def _forget_kept(self, token: int) -> None:
        self._kept.pop(token, None)

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
            self._forget_kept(token)
        return made

    def made_by(self, cell_id: str, name: str) -> bool:
        """Whether the present version of ``name`` is the one the cell made."""
        token = self.present.get(name)
        return token is not None and self.made.get(cell_id, {}).get(name) == token
