"""Running a cascade: steps from the schedule, carried out through a host, versions and aliases kept up to date.

The runner knows nothing of Jupyter.  It talks to a ``Host`` (the kernel):
run a cell (its outputs go where the host decides), publish a one-line
notice, delete names, say whether a cell's own request is waiting, show
progress.  After each run it looks at the names the cell wrote: which got a
new version (an equal small value keeps the old one), which other
names share an object the cell changed in place (they changed too), which
names a dynamic cell bound; the graph and the versions learn them, and the
schedule queues what now needs to run.

An interrupt stops the cascade: the running cell is ``interrupted``, the cells
still queued that needed to run are ``skipped``; both stay out of date.
"""

from __future__ import annotations

import time
import types
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .analysis import makes_edges
from .graph import DependencyGraph
from .protocol import CascadeEntry, Status
from .schedule import Reason, Schedule, ScheduleOverrun, Step
from .values import AliasIndex, Kept
from .versions import Versions

__all__ = ["Cascade", "CellFacts", "Host", "Outcome"]

_MISSING = object()


@dataclass(frozen=True)
class Outcome:
    """How one run ended: its status, the exception's name, the request its outputs went under."""

    status: Status
    msg_id: str
    ename: str | None = None


@dataclass(frozen=True)
class CellFacts:
    """What the runner needs to know of a cell beyond the graph.

    ``mutated``: every name the cell changes in place, its own bindings
    included (the alias check starts from them); ``dynamic``: the cell may bind
    names the analysis could not see.
    """

    mutated: frozenset[str] = frozenset()
    dynamic: bool = False


class Host(Protocol):
    """The kernel, as the runner sees it."""

    namespace: MutableMapping[str, Any]
    #: The request's execution count: the prompt a re-run may show (None: the request has none).
    execution_count: int | None

    def facts(self, cell_id: str) -> CellFacts:
        """What the runner needs to know of a registered cell."""

    def is_queued(self, cell_id: str) -> bool:
        """Whether the cell's own execute request is waiting to run."""

    async def run(self, cell_id: str, requested: bool) -> Outcome:
        """Run a cell: the requested one through its own request, others as cascade members."""

    def notice(self, cell_id: str, status: Status, text: str) -> str:
        """Publish a one-line notice for a cell that did not run; returns the msg_id it went under."""

    def unbind(self, names: Sequence[str]) -> None:
        """Delete names from the namespace (and drop SQL relations among them)."""

    def label(self, cell_id: str) -> str:
        """How people see the cell (``cell [5] df = df.dropna()``)."""

    def progress(self, done: int, total: int, cell_id: str) -> None:
        """Show that cell ``done + 1`` of about ``total`` runs (called only for slow cascades)."""

    async def pause(self) -> None:
        """Let the event loop handle what waits (interrupts, comm messages)."""


@dataclass
class Cascade:
    """One request's cascade: build it, ``await run()``, then read ``entries`` and ``outcome``."""

    graph: DependencyGraph
    versions: Versions
    aliases: AliasIndex
    host: Host
    requested: str | None = None
    lazy: bool = False
    skip_after_error: bool = False
    seed_dirty: bool = True
    progress_after: float = 1.0
    entries: list[CascadeEntry] = field(default_factory=list)
    outcome: Outcome | None = None
    interrupted: str | None = None
    overrun: ScheduleOverrun | None = None

    def __post_init__(self) -> None:
        self.schedule = Schedule(
            self.graph,
            self.versions,
            self.requested,
            self.lazy,
            self.skip_after_error,
            self.host.is_queued,
            self.aliases.owners,
            self.aliases.sharing,
        )
        self._started = 0.0
        self._paused = 0.0

    @property
    def ran(self) -> list[str]:
        """Cells other than the requested one that ran, in run order."""
        return [e.cell_id for e in self.entries if e.status in (Status.OK, Status.ERROR, Status.INTERRUPTED)]

    async def run(self) -> None:
        """Carry out the schedule; catches interrupts (see the module docstring)."""
        versions, schedule = self.versions, self.schedule
        self._started = self._paused = time.monotonic()
        schedule.start(list(versions.dirty) if self.seed_dirty else (), list(versions.unsettled))
        versions.unsettled.clear()
        step: Step | None = None
        try:
            if self.requested is None and len(schedule):
                await self.host.pause()  # let requests already sent be seen waiting
            while True:
                step = schedule.next()
                if step is None:
                    break
                await self._pace(step)
                if not await self._carry_out(step):
                    break
        except KeyboardInterrupt:
            if step is not None and step.cell_id is not None and self.interrupted is None:
                self.interrupted = step.cell_id
                self._enter(step.cell_id, Status.INTERRUPTED, "", "interrupted")
        except ScheduleOverrun as err:
            self.overrun = err
            text = "● stale: the cascade was stopped after too many steps. Run this cell to bring it up to date."
            for cell_id in err.pending:
                if cell_id in self.graph:
                    self.versions.dirty.add(cell_id)
                    self._enter(cell_id, Status.STALE, self.host.notice(cell_id, Status.STALE, text), "overrun")
        finally:
            self._leave_pending()

    async def _pace(self, step: Step) -> None:
        now = time.monotonic()
        if now - self._paused > 0.005:
            await self.host.pause()
            self._paused = now
        if step.kind == "run" and step.cell_id != self.requested and now - self._started >= self.progress_after:
            done = len(self.entries)
            self.host.progress(done, done + 1 + len(self.schedule), step.cell_id)  # type: ignore[arg-type]

    async def _carry_out(self, step: Step) -> bool:
        """Do one step; False when the cascade must stop."""
        cell_id = step.cell_id
        if step.kind == "unbind":
            self._unbind(step.names)
            return True
        if step.kind == "put":
            self._put(step.names, step.versions)
            return True
        assert cell_id is not None
        if step.kind == "defer":
            self.versions.dirty.add(cell_id)
            return True
        if step.kind == "stale":
            self.versions.dirty.add(cell_id)
            text = "● stale: an input changed. Run this cell, or run %reactive run-stale."
            self._enter(cell_id, Status.STALE, self.host.notice(cell_id, Status.STALE, text), "an input changed")
            return True
        if step.kind == "skip":
            self.versions.dirty.discard(cell_id)  # it runs when the cell that raised runs again
            if step.blocked_by is not None:
                skipped = any(e.cell_id == step.blocked_by and e.status is Status.SKIPPED for e in self.entries)
                what = "was not run either" if skipped else "raised an error"
                text = f"⚠ not run: {self.host.label(step.blocked_by)} (an ancestor) {what}."
                reason = "an ancestor raised"
            else:
                text = "⚠ not run: it would have run again in the same cascade."
                reason = "run limit"
            msg_id = self.host.notice(cell_id, Status.SKIPPED, text)
            self._enter(cell_id, Status.SKIPPED, msg_id, reason, step.blocked_by)
            return True
        if step.kind == "blocked":
            self.versions.dirty.discard(cell_id)
            text = "⛔ not run: the cell reads a name defined only below it, in a cycle; define it above."
            self._enter(cell_id, Status.BLOCKED, self.host.notice(cell_id, Status.BLOCKED, text), "cycle")
            return True
        return await self._run(cell_id, step.reasons)

    async def _run(self, cell_id: str, reasons: frozenset[str]) -> bool:
        graph, host = self.graph, self.host
        # the requested cell runs through its own request once; should it need to run again, it
        # runs as any other cell of the cascade (its output area shows the last run)
        requested = cell_id == self.requested and self.outcome is None
        facts = host.facts(cell_id)
        namespace = host.namespace
        # names the cell writes that hold an object other names share, before anything is put back or unbound
        shared = {n: id(namespace[n]) for n in graph.cell(cell_id).writes if n in namespace and self._shared(n)}
        outdated = self._outdated_binds(cell_id)
        if outdated:
            kept = [(name, want) for name, want in outdated if want is not None and self.schedule.putable(want, name)]
            if kept:
                self._put([n for n, _ in kept], [t for _, t in kept if t is not None])
            gone = [name for name, want in outdated if (name, want) not in kept]
            if gone:
                self._unbind(gone)
        before = _bindings(namespace) if facts.dynamic else None
        held = {n: id(namespace[n]) for n in graph.cell(cell_id).changes | facts.mutated if n in namespace}
        watched = self._intact_inputs(cell_id)
        outcome = await host.run(cell_id, requested)
        if cell_id not in graph:  # the run deleted its own cell (a magic unregistering it)
            return True
        self._learn(cell_id, facts, before, held, watched)
        cell = graph.cell(cell_id)
        written = {name: namespace.get(name, _MISSING) for name in cell.writes}
        parted = [n for n, ident in shared.items() if id(written.get(n, _MISSING)) != ident]
        renewed = self.versions.record(cell_id, cell.inputs, written, _MISSING, self.aliases.owners, parted)
        for name, value in written.items():
            if value is _MISSING:
                self.aliases.discard(name)
            else:
                self.aliases.update(name, value)
        self.versions.note_sharing(cell_id, self.aliases.sharing)
        failed = outcome.status is not Status.OK
        self.schedule.ran(cell_id, renewed, failed)
        if requested:
            self.outcome = outcome
            if len(self.schedule):
                await host.pause()  # let requests sent meanwhile be seen waiting before the cascade goes on
                self._paused = time.monotonic()
        else:
            reason = _describe(reasons)
            self._enter(
                cell_id,
                outcome.status,
                outcome.msg_id,
                reason if outcome.status is Status.OK else (f"raised {outcome.ename}" if outcome.ename else reason),
            )
        if outcome.status is Status.INTERRUPTED:
            self.interrupted = cell_id
            self.versions.edited(cell_id)  # it did not finish: it is not up to date
            return False
        return True

    def _outdated_binds(self, cell_id: str) -> list[tuple[str, int | None]]:
        """Names the cell binds whose present version is not the one a top-to-bottom run has there,
        each with that version.

        Before the cell runs they are put back at that version when it was kept,
        or deleted, so that a run that raises before binding one does not leave
        a value from another run looking current.
        """
        versions, graph = self.versions, self.graph
        cell = graph.cell(cell_id)
        found = []
        for name in sorted(cell.binds - cell.inputs):
            have = versions.present.get(name)
            above = graph.above(cell_id, name)
            want = versions.made.get(above, {}).get(name) if above is not None else None
            if have is not None and have != want:
                found.append((name, want))
        return found

    def _shared(self, name: str) -> bool:
        """Whether another name holds the object ``name`` holds (or an object inside it)."""
        return bool(self.aliases.sharing(name))

    def _intact_inputs(self, cell_id: str) -> dict[str, Kept]:
        """Inputs the cell does not write that hold, unchanged, the very object their version kept a copy of.

        After the run, one of them no longer equal to its copy was changed by the
        cell through a name the analysis could not follow (``xs = ys`` then
        ``xs.append(0)``, then ``xs`` bound again).
        """
        cell, namespace, versions = self.graph.cell(cell_id), self.host.namespace, self.versions
        found: dict[str, Kept] = {}
        for name in cell.inputs - cell.writes:
            kept = versions.kept(versions.present.get(name))
            if kept is not None and kept.copied and kept.origin is namespace.get(name, _MISSING) and kept.intact:
                found[name] = kept
        return found

    def _learn(
        self,
        cell_id: str,
        facts: CellFacts,
        before: dict[str, int] | None,
        held: dict[str, int],
        watched: dict[str, Kept],
    ) -> None:
        """Add to the graph what the run showed: changed aliases, names bound dynamically.

        ``held`` maps the names the cell changes in place to the ids of the
        objects they held before it ran: a name the cell then bound to another
        object (``p.append(0)`` then ``p = 0``) changed the object it held, so
        the names sharing that object changed too.  ``watched`` are inputs whose
        kept copy showed them unchanged before the run (see ``_intact_inputs``).
        """
        namespace = self.host.namespace
        cell = self.graph.cell(cell_id)
        altered = [name for name, kept in watched.items() if not kept.intact]
        changed: set[str] = set(altered)
        for name in altered:
            changed |= self.aliases.sharing(name)
        for name in cell.changes | facts.mutated:
            value = namespace.get(name, _MISSING)
            if name in held and (value is _MISSING or id(value) != held[name]):
                changed |= self.aliases.sharing(name)  # the index still holds the object from before the run
            if value is _MISSING:
                continue
            self.aliases.update(name, value)
            changed |= self.aliases.sharing(name)
        # Only an alias a top-to-bottom run would have here counts: a name whose present
        # version came from below the cell shares the object only because of that later cell.
        versions, graph = self.versions, self.graph
        changed = {
            n
            for n in changed - cell.writes
            if _trackable(n, namespace) and versions.present.get(n) == versions.wanted(graph, cell_id, n)[1]
        }
        bound: set[str] = set()
        if before is not None:
            bound = {n for n, ident in _bindings(namespace).items() if before.get(n) != ident and n not in cell.writes}
            changed -= bound
        if changed or bound:
            self.graph.add_writes(cell_id, bound, changed)

    def _put(self, names: Sequence[str], tokens: Sequence[int]) -> None:
        """Put kept versions back into the namespace (their cells need not run again).

        Versions copied from one object go back as one object: ``q = [0]; r = q``
        keeps two copies, and the names share again what they shared.
        """
        namespace = self.host.namespace
        copies: dict[int, Any] = {}
        for name, token in zip(names, tokens):
            kept = self.versions.kept(token)
            assert kept is not None
            if kept.copied:
                value = copies.setdefault(id(kept.origin), kept.fresh_value())
            else:
                value = kept.fresh_value()
            namespace[name] = value
            self.versions.put(name, token)
            self.aliases.update(name, value)

    def _unbind(self, names: Sequence[str]) -> None:
        self.host.unbind(names)
        self.schedule.unbound(names)
        for name in names:
            self.aliases.discard(name)

    def _enter(
        self, cell_id: str, status: Status, msg_id: str, reason: str | None, blocked_by: str | None = None
    ) -> None:
        ran = status in (Status.OK, Status.ERROR, Status.INTERRUPTED)
        self.entries.append(
            CascadeEntry(
                cell_id,
                status,
                msg_id,
                self.host.label(cell_id),
                reason,
                blocked_by,
                self.host.execution_count if ran else None,
            )
        )

    def _leave_pending(self) -> None:
        """Cells still queued when an interrupt stopped the cascade: those that needed to run are skipped.

        They stay out of date, with a notice, until they run (their own
        request, a change above them, ``%reactive run-stale``): an interrupted
        cascade is not resumed by the next unrelated cell.
        """
        graph, versions = self.graph, self.versions
        for cell_id in self.schedule.pending():
            if cell_id not in graph or (versions.fresh(graph, cell_id) and cell_id != self.requested):
                continue
            if self.interrupted is not None:
                text = "⏹ not run: the cascade was interrupted. Run this cell, or %reactive run-stale."
                try:
                    msg_id = self.host.notice(cell_id, Status.SKIPPED, text)
                except KeyboardInterrupt:
                    msg_id = ""
                self._enter(cell_id, Status.SKIPPED, msg_id, "interrupted", self.interrupted)


def _describe(reasons: frozenset[str]) -> str | None:
    if Reason.RESTORE in reasons:
        return "restore"
    if Reason.REWRITE in reasons and Reason.INPUT not in reasons:
        return "rewrite"
    return None


def _bindings(namespace: MutableMapping[str, Any]) -> dict[str, int]:
    return {name: id(value) for name, value in list(namespace.items()) if makes_edges(name)}


def _trackable(name: str, namespace: MutableMapping[str, Any]) -> bool:
    return makes_edges(name) and not isinstance(namespace.get(name), types.ModuleType)
