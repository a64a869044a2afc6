"""Which cell a cascade runs next, and why: the rule of a fresh top-to-bottom run, applied to as few cells as it takes.

Cells wait in a queue ordered by ``DependencyGraph.rank`` (notebook order,
adjusted for reads bound below).  A cell is queued because

- it was *requested* (the executed cell);
- an input changed: a cell it reads from made a new version (``input``), or it
  was found ``dirty`` at the start;
- a cell below needs the version it makes and the namespace holds another
  one, so it must run again first (``restore``);
- a cell above overwrote a name it writes, so it must run again for the name
  to end with its bottom-most version (``rewrite``); this is decided when the
  queue runs dry, and a version whose value was kept (a small value, see
  ``values.keep``) is put back instead of running its cell again (a ``put``
  step), as it is for an input.

When it comes up, a cell that is fresh and was queued only for ``input`` is
dropped; one whose own execute request is waiting is left to that request
(``defer``), and so are the cells that read from it; in lazy mode a cell
queued only for its inputs is marked ``stale`` instead of run; an input whose
version is not in the namespace queues that version's maker first.

This module imports nothing from Jupyter.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .graph import DependencyGraph
from .versions import Versions

__all__ = ["Reason", "Schedule", "ScheduleOverrun", "Step"]

#: The most times one cell may run in one cascade; a restore that would need more is given up.
RUN_LIMIT = 3
#: Steps a cascade may take beyond 20 per cell before it is stopped as an overrun.
STEP_LIMIT = 1000


class ScheduleOverrun(RuntimeError):
    """A cascade took more steps than any should; ``pending`` are the cells still queued."""

    def __init__(self, pending: list[str]) -> None:
        self.pending = pending
        super().__init__(f"the cascade was stopped after too many steps; {len(pending)} cells still queued")


class Reason:
    """Why a cell is queued (strings, so they read well in reports)."""

    REQUESTED = "requested"
    INPUT = "input"
    RESTORE = "restore"
    REWRITE = "rewrite"


@dataclass
class Step:
    """What to do next.

    ``kind`` is ``run``, ``unbind`` (delete ``names`` from the namespace: no
    cell above writes them, as in a fresh run), ``put`` (put ``names`` back at
    their kept ``versions``), ``defer`` (the cell's own
    request will run it), ``stale`` (lazy mode), ``skip`` (an ancestor raised
    and ``after_error`` is ``skip``; or the cell would run too often),
    ``blocked`` (the cell is on a cycle).
    """

    kind: str
    cell_id: str | None
    reasons: frozenset[str] = frozenset()
    names: tuple[str, ...] = ()
    blocked_by: str | None = None
    versions: tuple[int, ...] = ()


@dataclass
class Schedule:
    """The queue of one cascade; ``next`` gives steps, ``ran`` reports a run back."""

    graph: DependencyGraph
    versions: Versions
    requested: str | None = None
    lazy: bool = False
    skip_after_error: bool = False
    is_queued: Callable[[str], bool] = lambda cell_id: False
    owners: Callable[[Iterable[int]], set[str]] = lambda ids: set()
    sharing: Callable[[str], set[str]] | None = None
    deferred: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    runs: dict[str, int] = field(default_factory=dict)
    unavailable: set[str] = field(default_factory=set)
    marked: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._heap: list[tuple[float, int, str]] = []
        self._reasons: dict[str, set[str]] = {}
        self._overwritten: set[str] = set()
        self._puts: list[tuple[str, int]] = []
        self._steps = 0
        self._order = itertools.count()
        if self.requested is not None:
            self.push(self.requested, Reason.REQUESTED)

    # -- the queue ------------------------------------------------------------
    def push(self, cell_id: str, reason: str) -> None:
        """Queue a cell (again) for ``reason``."""
        if cell_id not in self.graph:
            return
        reasons = self._reasons.get(cell_id)
        if reasons is None:
            self._reasons[cell_id] = {reason}
            heapq.heappush(self._heap, (self.graph.rank(cell_id), next(self._order), cell_id))
        else:
            reasons.add(reason)

    def pending(self) -> list[str]:
        """Cells still queued, in the order they would come up."""
        return [cell_id for _, _, cell_id in sorted(self._heap)]

    def __len__(self) -> int:
        return len(self._heap)

    def start(self, dirty: Iterable[str], unsettled: Iterable[str]) -> None:
        """Queue dirty cells; names in ``unsettled`` are settled when the queue runs dry."""
        for cell_id in dirty:
            self.push(cell_id, Reason.INPUT)
        self._overwritten.update(unsettled)

    # -- deciding -------------------------------------------------------------
    def next(self) -> Step | None:
        """The next step, or None when the cascade is done.

        Raises ScheduleOverrun past a generous number of steps (a bound, so
        that no input ever keeps a kernel busy forever).
        """
        while True:
            step = self._next_queued()
            if step is not None or not self._overwritten:
                return step
            step = self._settle()
            if step is not None:
                return step

    def _count_step(self) -> None:
        self._steps += 1
        if self._steps > STEP_LIMIT + 20 * len(self.graph):
            raise ScheduleOverrun(self.pending())

    def _settle(self) -> Step | None:
        """Give every overwritten name its bottom-most version: put it back, unbind it, or queue its writer."""
        graph, versions = self.graph, self.versions
        names, self._overwritten = sorted(self._overwritten), set()
        puts: list[tuple[str, int]] = []
        orphans: list[str] = []
        for name in names:
            last = graph.last_writer(name)
            if last is None:
                if name in versions.present:
                    orphans.append(name)
                continue
            want = versions.made.get(last, {}).get(name)
            if want is not None and versions.present.get(name) == want:
                continue
            if want is not None and not self._changed_in_place(last, name, want) and self.putable(want, name):
                puts.append((name, want))
            elif last not in self.unavailable:
                self.push(last, Reason.REWRITE)
        if puts:
            self._overwritten.update(orphans)  # unbound at the next settling
            return Step("put", None, names=tuple(n for n, _ in puts), versions=tuple(t for _, t in puts))
        if orphans:
            return Step("unbind", None, names=tuple(orphans))
        return None

    def _next_queued(self) -> Step | None:
        graph, versions = self.graph, self.versions
        while self._heap:
            self._count_step()
            _, _, cell_id = heapq.heappop(self._heap)
            reasons = frozenset(self._reasons.pop(cell_id, ()))
            if cell_id not in graph:
                continue
            if cell_id in graph.cyclic():
                self.unavailable.add(cell_id)
                return Step("blocked", cell_id, reasons)
            requested = cell_id == self.requested
            physical = bool(reasons & {Reason.RESTORE, Reason.REWRITE})
            inputs = self._inputs(cell_id)
            stale = not versions.has_run(cell_id) or any(
                versions.seen[cell_id].get(name) != want for name, _, want in inputs
            )
            passed_on = (self.lazy and self._reads_from(cell_id, self.marked)) or (
                self.skip_after_error and self._reads_from(cell_id, self.failed)
            )
            if not requested and not physical and not stale and not passed_on:
                continue
            if not requested and Reason.RESTORE not in reasons:
                if self.is_queued(cell_id) or self._reads_deferred(cell_id):
                    self.deferred.add(cell_id)
                    return Step("defer", cell_id, reasons)
                blocker = self._failed_source(cell_id) if self.skip_after_error else None
                if blocker is not None:
                    self.failed.add(cell_id)
                    self._push_readers(cell_id)
                    return Step("skip", cell_id, reasons, blocked_by=blocker)
                if self.lazy and versions.has_run(cell_id) and (stale or self._reads_from(cell_id, self.marked)):
                    self.marked.add(cell_id)
                    self._push_readers(cell_id)
                    return Step("stale", cell_id, reasons)
            if self.runs.get(cell_id, 0) >= RUN_LIMIT:
                self.unavailable.add(cell_id)
                return Step("skip", cell_id, reasons)
            missing = self._missing_inputs(cell_id, inputs, self._entangled(cell_id, inputs))
            if missing is None:
                return Step("run", cell_id, reasons)
            orphans, makers = missing
            self._reasons[cell_id] = set(reasons)
            heapq.heappush(self._heap, (graph.rank(cell_id), next(self._order), cell_id))
            for maker in makers:
                self.push(maker, Reason.RESTORE)
            if self._puts:
                puts, self._puts = self._puts, []
                self._overwritten.update(n for n, _ in puts)
                return Step("put", None, reasons, names=tuple(n for n, _ in puts), versions=tuple(t for _, t in puts))
            if orphans:
                return Step("unbind", None, reasons, names=tuple(sorted(orphans)))
        return None

    def _changed_in_place(self, cell_id: str, name: str, token: int | None = None) -> bool:
        """Whether the cell's version of ``name`` came from changing in place an object it was given
        (``token``, when given, is that version: one kept as itself, immutable, was not).

        Such a version goes back by running the cell again, never as a copy:
        the names sharing the object at that point of a top-to-bottom run (``p = q``
        above ``q += [1]``) must share it again.
        """
        cell = self.graph.cell(cell_id)
        if token is not None:
            kept = self.versions.kept(token)
            if kept is not None and not kept.copied:
                return False
        return name in cell.changes and name in cell.inputs

    def putable(self, token: int | None, name: str) -> bool:
        """Whether a version can be put back for ``name`` instead of running its cell again.

        A container goes back as the very object it was while that still holds
        the version; a copy only while no other name shares the object it was
        copied from, nor the object ``name`` holds now (a new object would part
        them: ``e = d`` then ``del d['a']`` must change what ``e`` holds).
        """
        kept = self.versions.putable(token, name, self.owners)
        if kept is None:
            return False
        return not kept.copied or kept.intact or self.sharing is None or not self.sharing(name)

    def _reads_deferred(self, cell_id: str) -> bool:
        return self._reads_from(cell_id, self.deferred)

    def _reads_from(self, cell_id: str, cells: set[str]) -> bool:
        if not cells:
            return False
        return any(source in cells for source in self.graph.sources(cell_id).values())

    def _push_readers(self, cell_id: str) -> None:
        """Queue the readers of what a cell writes (lazy mode: they are stale too, though their inputs did not move)."""
        for name in self.graph.cell(cell_id).writes:
            for reader in self.graph.consumers(cell_id, name):
                self.push(reader, Reason.INPUT)

    def _failed_source(self, cell_id: str) -> str | None:
        if not self.failed:
            return None
        found = [s for s in self.graph.sources(cell_id).values() if s in self.failed]
        return self.graph.order(found)[0] if found else None

    def _inputs(self, cell_id: str) -> list[tuple[str, str | None, int | None]]:
        """(name, source cell, wanted version) for each input of the cell."""
        versions, graph = self.versions, self.graph
        return [(name, *versions.wanted(graph, cell_id, name)) for name in graph.cell(cell_id).inputs]

    def _entangled(self, cell_id: str, inputs: list[tuple[str, str | None, int | None]]) -> list[str]:
        """Cells to run first because an input shares an object with a name whose version is out of place.

        Another name reaching an input's object, whose present version is not
        the one a top-to-bottom run has at this cell, means the object may carry
        changes made by a later run (``pair`` holding ``second`` after a cell
        below changed ``pair``): the makers of those names' versions run first.
        """
        if self.sharing is None:
            return []
        versions, graph = self.versions, self.graph
        makers = []
        for name, _, _ in inputs:
            for other in self.sharing(name):
                if other not in versions.present or not graph.writers(other):
                    continue
                source, want = versions.wanted(graph, cell_id, other)
                if versions.present.get(other) != want and source is not None and source != cell_id:
                    makers.append(source)
        return makers

    def _missing_inputs(
        self,
        cell_id: str,
        inputs: list[tuple[str, str | None, int | None]],
        entangled: list[str],
    ) -> tuple[list[str], list[str]] | None:
        """Inputs whose wanted version is not in the namespace: (names to unbind, cells to run first).

        A wanted version whose value was kept is put back at once, unless it
        was copied from objects another input's wanted version also reached
        (``q = [0]; r = q``, ``r = [q]``): a copy would part what was shared,
        so its cell runs again. Only cells above ``cell_id`` can run first; an input
        bound below is read as it is.
        """
        versions = self.versions
        rank = self.graph.rank(cell_id)
        orphans: list[str] = []
        makers: list[str] = [
            m
            for m in entangled
            if m not in self.unavailable and self.runs.get(m, 0) < RUN_LIMIT and self.graph.rank(m) < rank
        ]
        missing: list[tuple[str, str, int | None, bool, frozenset[int]]] = []
        reached: dict[str, frozenset[int]] = {}
        for name, source, want in inputs:
            kept = versions.kept(want)
            ids = kept.ids if kept is not None and kept.copied else frozenset()
            reached[name] = ids
            have = versions.present.get(name)
            if have == want and (want is not None or source is None):
                continue
            if source is None:
                orphans.append(name)
                continue
            missing.append((name, source, want, want is not None and self.putable(want, name), ids))
        for name, source, want, putable, ids in missing:
            shared = any(ids & other for n, other in reached.items() if n != name)
            if putable and want is not None and not shared:
                self._puts.append((name, want))
            elif source not in self.unavailable and self.graph.rank(source) < rank:
                makers.append(source)
        if not orphans and not makers and not self._puts:
            return None
        return orphans, makers

    # -- after a run --------------------------------------------------------------
    def ran(self, cell_id: str, renewed: Iterable[str], failed: bool) -> None:
        """A cell ran: queue the readers of the versions it renewed and the writers below it it overwrote."""
        self.runs[cell_id] = self.runs.get(cell_id, 0) + 1
        self.deferred.discard(cell_id)
        if failed:
            self.failed.add(cell_id)
        graph = self.graph
        cell = graph.cell(cell_id)
        for name in renewed:
            for reader in graph.consumers(cell_id, name):
                self.push(reader, Reason.INPUT)
            if name in cell.binds and self.sharing is not None:
                self._push_changers_below(cell_id, {name} | self.sharing(name))
        for name in cell.writes:
            if graph.next_writer(cell_id, name) is not None:
                self._overwritten.add(name)

    def _push_changers_below(self, cell_id: str, names: set[str]) -> None:
        """Queue again the cells below that change in place an object ``names`` now share.

        ``p = q`` made ``p`` one object with ``q``: a cell below that changes
        ``q`` in place (``q += [1]``) changes ``p`` too, as in a top-to-bottom run.
        Only when the object is shared: a name bound alone changes nothing below.
        """
        if len(names) < 2:
            return
        graph, position = self.graph, self.graph.position(cell_id)
        for name in names:
            for writer in graph.writers(name):
                if graph.position(writer) > position and self._changed_in_place(writer, name):
                    self.push(writer, Reason.REWRITE)

    def unbound(self, names: Iterable[str]) -> None:
        """Names were deleted from the namespace at a step's request."""
        self.versions.unbind(names)
