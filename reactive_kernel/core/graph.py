"""The dependency graph of a notebook: cells at positions, and for each name the cells that write it.

A cell *writes* a name it binds or changes in place, and takes as *inputs*
the names it reads or changes.  For each input, a cell depends on the
version written by the nearest writer above it; with no writer above, on the
nearest cell below that binds the name (a notebook written out of order, or a
console whose earlier definition was retired).  Builtin names never bind below.  Edges so
point down the notebook except those bound below, which are therefore the
only way to close a cycle.  Names with a colon (files, ``file:/path``) never
bind below (a file exists before a cell writes it), and neither does a change
in place (it needs an object from above).

Registration is two-phase: ``check`` changes nothing and raises
``CycleError`` (with the cycle's path) or, in strict mode,
``MultipleDefinitionError``; only then does ``register`` change the graph.
Indexes from each name to its writers and readers, sorted by position, keep
every query proportional to the cells involved; every traversal is iterative.

This module imports nothing from Jupyter.
"""

from __future__ import annotations

import bisect
import builtins
import heapq
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

__all__ = [
    "BUILTIN_NAMES",
    "Cell",
    "CycleError",
    "DependencyGraph",
    "GraphCorrupted",
    "MultipleDefinitionError",
    "RegistrationError",
    "UnknownCellError",
    "format_cycle",
]

#: Names a read of which, with no writer above, means the builtin rather than a writer below.
BUILTIN_NAMES = frozenset(dir(builtins))


def binds_below(name: str) -> bool:
    """Whether a read of ``name`` with no writer above binds to the writer below.

    Not for builtins, and not for names with a colon: those name things outside
    the namespace (``file:/path``), which exist before any cell writes them.
    """
    return name not in BUILTIN_NAMES and ":" not in name


class RegistrationError(ValueError):
    """A registration the graph refused; the graph is unchanged."""

    cell_id: str


class CycleError(RegistrationError):
    """Registering ``cell_id`` would close a cycle.

    ``cycle`` is a list of ``(cell, name)`` steps: cell ``cycle[i][0]`` writes
    ``cycle[i][1]``, which cell ``cycle[i+1][0]`` reads; the last step leads
    back to the first cell.  The cycle passes through ``cell_id`` unless the
    registration closes it by taking a name away that other cells read.
    """

    def __init__(self, cell_id: str, cycle: list[tuple[str, str]]) -> None:
        self.cell_id = cell_id
        self.cycle = cycle
        super().__init__(
            f"cell {cell_id!r} would close a cycle: {format_cycle(cycle)}. "
            "Move the shared computation into one cell, or define the name in a cell above."
        )


class MultipleDefinitionError(RegistrationError):
    """Strict mode: ``cell_id`` binds ``name``, which cell ``owner`` already binds."""

    def __init__(self, cell_id: str, name: str, owner: str) -> None:
        self.cell_id = cell_id
        self.name = name
        self.owner = owner
        super().__init__(
            f"{name!r} is already defined by cell {owner!r}; cell {cell_id!r} cannot define it "
            f"too in strict mode. Rename it here, or delete it from cell {owner!r}."
        )


class UnknownCellError(KeyError):
    """No cell with this id is registered."""

    def __init__(self, cell_id: str) -> None:
        self.cell_id = cell_id
        super().__init__(cell_id)

    def __str__(self) -> str:
        return f"no cell {self.cell_id!r} is registered"


class GraphCorrupted(AssertionError):
    """``verify`` found the indexes disagreeing with the cells; ``problem`` says how."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


def format_cycle(cycle: list[tuple[str, str]], name: Callable[[str], str] = str) -> str:
    """Render a cycle as ``a -x-> b -y-> a`` (``name`` renders a cell id)."""
    parts = [f"{name(cell)} -{var}->" for cell, var in cycle]
    return " ".join(parts + [name(cycle[0][0])]) if cycle else ""


@dataclass(frozen=True)
class Cell:
    """A registered cell: the names it reads, binds and changes."""

    cell_id: str
    reads: frozenset[str] = frozenset()
    binds: frozenset[str] = frozenset()
    changes: frozenset[str] = frozenset()

    @cached_property
    def inputs(self) -> frozenset[str]:
        """Names whose earlier version the cell uses."""
        return self.reads | self.changes

    @cached_property
    def writes(self) -> frozenset[str]:
        """Names the cell gives a new version."""
        return self.binds | self.changes


_Entries = list[tuple[float, str]]


class _View:
    """The graph's name indexes, possibly with cells hypothetically replaced (for ``check``).

    ``cell`` goes to ``position``; each of ``others`` is replaced at its own
    position by another node, or removed (None).
    """

    def __init__(
        self,
        graph: DependencyGraph,
        cell: Cell | None = None,
        position: float | None = None,
        others: Mapping[str, Cell | None] | None = None,
    ) -> None:
        self.graph = graph
        self.writers: dict[str, _Entries] = {}
        self.readers: dict[str, _Entries] = {}
        self.cells: dict[str, Cell] = {}
        self.positions: dict[str, float] = {}
        changes: dict[str, tuple[Cell | None, float]] = {
            cid: (new, graph._position[cid]) for cid, new in (others or {}).items() if cid in graph._cells
        }
        if cell is not None and position is not None:
            changes[cell.cell_id] = (cell, position)
        if not changes:
            return
        names: set[str] = set()
        for cid, (new, _) in changes.items():
            old = graph._cells.get(cid)
            if old is not None:
                names |= old.writes | old.inputs
            if new is not None:
                names |= new.writes | new.inputs
        for name in names:
            writers = [e for e in graph._writers.get(name, ()) if e[1] not in changes]
            readers = [e for e in graph._readers.get(name, ()) if e[1] not in changes]
            for cid, (new, at) in changes.items():
                if new is None:
                    continue
                if name in new.writes:
                    bisect.insort(writers, (at, cid))
                if name in new.inputs:
                    bisect.insort(readers, (at, cid))
            self.writers[name] = writers
            self.readers[name] = readers
        for cid, (new, at) in changes.items():
            if new is not None:
                self.cells[cid] = new
                self.positions[cid] = at

    def cell(self, cell_id: str) -> Cell:
        found = self.cells.get(cell_id)
        return found if found is not None else self.graph._cells[cell_id]

    def position(self, cell_id: str) -> float:
        found = self.positions.get(cell_id)
        return found if found is not None else self.graph._position[cell_id]

    def writers_of(self, name: str) -> _Entries:
        found = self.writers.get(name)
        return found if found is not None else self.graph._writers.get(name, [])

    def readers_of(self, name: str) -> _Entries:
        found = self.readers.get(name)
        return found if found is not None else self.graph._readers.get(name, [])

    def source(self, cell_id: str, name: str) -> str | None:
        writers = self.writers_of(name)
        if not writers:
            return None
        entry = (self.position(cell_id), cell_id)
        index = bisect.bisect_left(writers, entry)
        if index > 0:
            return writers[index - 1][1]
        if not binds_below(name) or name in self.cell(cell_id).changes:
            return None  # a change in place needs an object from above: none is a NameError
        found = self._first_binder(name, writers, index, cell_id)
        return writers[found][1] if found is not None else None

    def _first_binder(self, name: str, writers: _Entries, start: int, skip: str | None = None) -> int | None:
        """Index of the first writer from ``start`` on that binds ``name`` (changers are passed over)."""
        for index in range(start, len(writers)):
            cell_id = writers[index][1]
            if cell_id != skip and name in self.cell(cell_id).binds:
                return index
        return None

    def consumers(self, cell_id: str, name: str) -> list[str]:
        writers = self.writers_of(name)
        entry = (self.position(cell_id), cell_id)
        index = bisect.bisect_left(writers, entry)
        if index >= len(writers) or writers[index][1] != cell_id:
            return []
        readers = self.readers_of(name)
        low = bisect.bisect_right(readers, entry)
        high = bisect.bisect_right(readers, writers[index + 1]) if index + 1 < len(writers) else len(readers)
        found = [c for _, c in readers[low:high]]
        if binds_below(name) and name in self.cell(cell_id).binds:
            if self._first_binder(name, writers, 0) == index:
                found.extend(c for _, c in readers[: bisect.bisect_left(readers, writers[0])])
            if (
                index > 0
                and self._reads_first(name, writers, readers)
                and self._first_binder(name, writers, 1) == index
            ):
                found.append(writers[0][1])
        return found

    def _reads_first(self, name: str, writers: _Entries, readers: _Entries) -> bool:
        """Whether the top writer reads the name (not changing it) and so binds to the first binder below it."""
        first = writers[0]
        index = bisect.bisect_left(readers, first)
        return index < len(readers) and readers[index] == first and name not in self.cell(first[1]).changes

    def upward(self, name: str) -> int:
        """How many readers of ``name`` bind to a writer below them."""
        writers = self.writers_of(name)
        if not writers or not binds_below(name):
            return 0
        readers = self.readers_of(name)
        count = 0
        if self._first_binder(name, writers, 0) is not None:
            count += bisect.bisect_left(readers, writers[0])
        if self._reads_first(name, writers, readers) and self._first_binder(name, writers, 1) is not None:
            count += 1
        return count


class DependencyGraph:
    """A cycle-free graph of cells at positions, linked by the versions of names they write and read.

    With ``strict``, a name may be bound by one cell only (marimo's rule);
    changes in place by other cells are still allowed.
    """

    def __init__(self, strict: bool = False) -> None:
        self.strict = strict
        self._cells: dict[str, Cell] = {}
        self._position: dict[str, float] = {}
        self._writers: dict[str, _Entries] = {}
        self._readers: dict[str, _Entries] = {}
        self._upward: dict[str, int] = {}
        self._rank: dict[str, int] | None = None
        self._cyclic: frozenset[str] = frozenset()
        self._plain = _View(self)  # queries on the graph as it is (it reads the indexes live)

    # -- queries ---------------------------------------------------------
    def __contains__(self, cell_id: object) -> bool:
        return cell_id in self._cells

    def __len__(self) -> int:
        return len(self._cells)

    def __iter__(self) -> Iterator[str]:
        return iter(self._cells)

    def cell(self, cell_id: str) -> Cell:
        """The registered cell; raises UnknownCellError."""
        try:
            return self._cells[cell_id]
        except KeyError:
            raise UnknownCellError(cell_id) from None

    def position(self, cell_id: str) -> float:
        """The cell's position; raises UnknownCellError."""
        try:
            return self._position[cell_id]
        except KeyError:
            raise UnknownCellError(cell_id) from None

    def source(self, cell_id: str, name: str) -> str | None:
        """The cell whose version of ``name`` the cell reads (None: no writer; the name is unbound or builtin)."""
        return self._plain.source(cell_id, name)

    def above(self, cell_id: str, name: str) -> str | None:
        """The nearest writer of ``name`` above the cell (no binding below)."""
        writers = self._writers.get(name, [])
        index = bisect.bisect_left(writers, (self.position(cell_id), cell_id))
        return writers[index - 1][1] if index > 0 else None

    def sources(self, cell_id: str) -> dict[str, str | None]:
        """``source`` for every input of the cell."""
        view = self._plain
        return {name: view.source(cell_id, name) for name in self.cell(cell_id).inputs}

    def consumers(self, cell_id: str, name: str) -> list[str]:
        """Cells that read the version of ``name`` this cell writes, in position order (those bound below first)."""
        if cell_id not in self._cells:
            return []
        return self._plain.consumers(cell_id, name)

    def writers(self, name: str) -> list[str]:
        """The cells that write ``name``, top to bottom."""
        return [c for _, c in self._writers.get(name, ())]

    def last_writer(self, name: str) -> str | None:
        """The bottom-most writer of ``name``: the one whose version a top-to-bottom run leaves."""
        writers = self._writers.get(name)
        return writers[-1][1] if writers else None

    def next_writer(self, cell_id: str, name: str) -> str | None:
        """The first writer of ``name`` below the cell."""
        writers = self._writers.get(name, [])
        index = bisect.bisect_right(writers, (self.position(cell_id), cell_id))
        return writers[index][1] if index < len(writers) else None

    def parents(self, cell_id: str) -> list[str]:
        """Cells whose versions the cell reads, in position order."""
        found = {s for s in self.sources(cell_id).values() if s is not None and s != cell_id}
        return sorted(found, key=self._position.__getitem__)

    def children(self, cell_id: str) -> list[str]:
        """Cells that read a version the cell writes, in position order."""
        view = self._plain
        found = {c for name in self.cell(cell_id).writes for c in view.consumers(cell_id, name)}
        found.discard(cell_id)
        return sorted(found, key=self._position.__getitem__)

    def rank(self, cell_id: str) -> float:
        """A key that sorts cells in an order where every cell comes after the cells it reads from.

        It is the position when no edge points up the notebook; otherwise a
        topological index (ties by position), cells on a cycle last.
        """
        if not any(self._upward.values()):
            return self._position[cell_id]
        if self._rank is None:
            self._rank, self._cyclic = self._toposort(self._cells)
        return self._rank[cell_id]

    def cyclic(self) -> frozenset[str]:
        """Cells on or behind a cycle (possible only after a deletion or a move, never after ``register``)."""
        if not any(self._upward.values()):
            return frozenset()
        if self._rank is None:
            self._rank, self._cyclic = self._toposort(self._cells)
        return self._cyclic

    def order(self, cell_ids: Iterable[str]) -> list[str]:
        """The registered cells among ``cell_ids``, sorted by ``rank``."""
        return sorted((c for c in set(cell_ids) if c in self._cells), key=self.rank)

    def descendants(self, cell_ids: Iterable[str]) -> list[str]:
        """The cells, and every cell that reads from them transitively, sorted by ``rank``."""
        view = self._plain
        seen = {c for c in cell_ids if c in self._cells}
        stack = list(seen)
        while stack:
            node = stack.pop()
            for name in self._cells[node].writes:
                for child in view.consumers(node, name):
                    if child not in seen:
                        seen.add(child)
                        stack.append(child)
        return self.order(seen)

    def redefinitions(self) -> dict[str, list[str]]:
        """Names bound by more than one cell, each with its binders top to bottom."""
        found: dict[str, list[str]] = {}
        for name, writers in self._writers.items():
            binders = [c for _, c in writers if name in self._cells[c].binds]
            if len(binders) > 1:
                found[name] = binders
        return found

    def _toposort(self, subset: Iterable[str]) -> tuple[dict[str, int], frozenset[str]]:
        view = self._plain
        members = set(subset)
        indegree: dict[str, int] = {}
        children: dict[str, set[str]] = {c: set() for c in members}
        for node in members:
            parents = {view.source(node, n) for n in self._cells[node].inputs}
            parents.discard(None)
            parents.discard(node)
            parents &= members
            indegree[node] = len(parents)
            for parent in parents:
                children[parent].add(node)  # type: ignore[index]
        heap = [(self._position[n], n) for n, d in indegree.items() if d == 0]
        heapq.heapify(heap)
        rank: dict[str, int] = {}
        while heap:
            _, node = heapq.heappop(heap)
            rank[node] = len(rank)
            for child in children[node]:
                indegree[child] -= 1
                if indegree[child] == 0:
                    heapq.heappush(heap, (self._position[child], child))
        stuck = frozenset(members - rank.keys())
        for node in sorted(stuck, key=self._position.__getitem__):
            rank[node] = len(rank)
        return rank, stuck

    # -- phase one: checks that change nothing ---------------------------
    def check(self, cell: Cell, position: float, others: Mapping[str, Cell | None] | None = None) -> None:
        """Raise what registering ``cell`` at ``position`` would raise; change nothing.

        ``others``: other cells replaced (or removed, None) in the same step.
        """
        others = others or {}
        if self.strict:
            for name in sorted(cell.binds):
                for _, owner in self._writers.get(name, ()):
                    replaced = others.get(owner)
                    if owner == cell.cell_id or (owner in others and (replaced is None or name not in replaced.binds)):
                        continue
                    if name in self._cells[owner].binds:
                        raise MultipleDefinitionError(cell.cell_id, name, owner)
        cycle = self.would_create_cycle(cell, position, others)
        if cycle is not None:
            raise CycleError(cell.cell_id, cycle)

    def would_create_cycle(
        self,
        cell: Cell,
        position: float,
        others: Mapping[str, Cell | None] | None = None,
    ) -> list[tuple[str, str]] | None:
        """The cycle (as in CycleError.cycle) that registering would close, or None.

        A new cycle either passes through the cell (its edges changed) or through
        an edge whose reader now reads another writer of a name taken away;
        either way it needs an edge bound below, so without one no search is made.
        """
        view = _View(self, cell, position, others)
        cid = cell.cell_id
        upward = sum(self._upward.values())
        for name in view.writers:
            upward += view.upward(name) - self._upward.get(name, 0)
        if upward == 0:
            return None
        came_from: dict[str, tuple[str, str]] = {}
        frontier: list[str] = []
        for name in sorted(cell.writes):
            for reader in view.consumers(cid, name):
                if reader not in came_from:
                    came_from[reader] = (cid, name)
                    frontier.append(reader)
        while frontier:
            next_frontier: list[str] = []
            for node in frontier:
                if node == cid:
                    return self._unwind(cid, came_from)
                current = view.cell(node)
                for name in sorted(current.writes):
                    for reader in view.consumers(node, name):
                        if reader not in came_from:
                            came_from[reader] = (node, name)
                            next_frontier.append(reader)
            frontier = next_frontier
        taken: set[str] = set()
        old = self._cells.get(cid)
        if old is not None and (not old.writes <= cell.writes or self._position[cid] != position):
            taken |= old.writes | cell.writes
        for other, new in (others or {}).items():
            if other in self._cells:
                taken |= self._cells[other].writes - (new.writes if new is not None else frozenset())
        # Readers of a name taken away, or moved away from, now read another writer:
        # a new edge elsewhere can close a cycle among other cells.
        return self._cycle_through_rebound(view, taken, cid) if taken else None

    def _cycle_through_rebound(self, view: _View, names: Iterable[str], cid: str) -> list[tuple[str, str]] | None:
        """A cycle through an edge whose reader now reads another writer of one of ``names``."""
        current = self._plain
        for name in sorted(names):
            for _, reader in view.readers_of(name):
                if reader == cid:
                    continue
                source = view.source(reader, name)
                if source is None or source == reader or source == current.source(reader, name):
                    continue
                path = self._path(view, reader, source)
                if path is not None:
                    return [(source, name), *path]
        return None

    @staticmethod
    def _path(view: _View, start: str, goal: str) -> list[tuple[str, str]] | None:
        """Steps from ``start`` to ``goal`` along the view's edges (breadth first), or None."""
        came_from: dict[str, tuple[str, str]] = {}
        frontier = [start]
        seen = {start}
        while frontier:
            next_frontier: list[str] = []
            for node in frontier:
                if node == goal:
                    steps: list[tuple[str, str]] = []
                    while node != start:
                        prev, name = came_from[node]
                        steps.append((prev, name))
                        node = prev
                    steps.reverse()
                    return steps
                for name in sorted(view.cell(node).writes):
                    for reader in view.consumers(node, name):
                        if reader not in seen:
                            seen.add(reader)
                            came_from[reader] = (node, name)
                            next_frontier.append(reader)
            frontier = next_frontier
        return None

    @staticmethod
    def _unwind(start: str, came_from: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
        steps: list[tuple[str, str]] = []
        node = start
        while True:
            prev, name = came_from[node]
            steps.append((prev, name))
            node = prev
            if node == start:
                break
        steps.reverse()
        return steps

    # -- phase two: updates ---------------------------------------------
    def register(self, cell: Cell, position: float, others: Mapping[str, Cell | None] | None = None) -> Cell:
        """Add or replace a cell (and replace or remove ``others`` in the same step) after ``check``.

        Raises as ``check`` does, changing nothing then.
        """
        self.check(cell, position, others)
        for other, new in (others or {}).items():
            if other not in self._cells:
                continue
            if new is None:
                self._remove(other)
            else:
                self._put(new, self._position[other])
        self._put(cell, position)
        return cell

    def add_writes(
        self, cell_id: str, binds: Iterable[str] = (), changes: Iterable[str] = ()
    ) -> tuple[frozenset[str], frozenset[str]]:
        """Add names a cell turned out to bind or change when it ran; returns those accepted.

        All are tried at once; when that would close a cycle (or, strict mode,
        bind another cell's name), each is tried alone and those that would are
        left out rather than raising.
        """
        cell = self.cell(cell_id)
        position = self._position[cell_id]
        new_binds = frozenset(binds) - cell.writes
        new_changes = frozenset(changes) - cell.writes - new_binds
        if not new_binds and not new_changes:
            return frozenset(), frozenset()
        whole = Cell(cell_id, cell.reads, cell.binds | new_binds, cell.changes | new_changes)
        try:
            self.check(whole, position)
        except RegistrationError:
            pass
        else:
            self._put(whole, position)
            return new_binds, new_changes
        accepted_binds: set[str] = set()
        accepted_changes: set[str] = set()
        for kind, names in (("bind", new_binds), ("change", new_changes)):
            for name in sorted(names):
                if kind == "bind":
                    trial = Cell(cell_id, cell.reads, cell.binds | {name}, cell.changes)
                else:
                    trial = Cell(cell_id, cell.reads, cell.binds, cell.changes | {name})
                try:
                    self.check(trial, position)
                except RegistrationError:
                    continue
                cell = trial
                (accepted_binds if kind == "bind" else accepted_changes).add(name)
        if accepted_binds or accepted_changes:
            self._put(cell, position)
        return frozenset(accepted_binds), frozenset(accepted_changes)

    def unregister(self, cell_id: str) -> Cell:
        """Remove a cell and return it; raises UnknownCellError."""
        cell = self.cell(cell_id)
        self._remove(cell_id)
        self._rank = None
        return cell

    def move(self, positions: Mapping[str, float]) -> None:
        """Give registered cells new positions (a reorder); cycles it closes show in ``cyclic()``."""
        moved = {c: p for c, p in positions.items() if c in self._cells and self._position[c] != p}
        if not moved:
            return
        names: set[str] = set()
        for cell_id in moved:
            cell = self._cells[cell_id]
            names |= cell.writes | cell.inputs
        self._position.update(moved)
        for name in names:
            for index in (self._writers, self._readers):
                entries = index.get(name)
                if entries:
                    index[name] = sorted((self._position[c], c) for _, c in entries)
            self._recount(name)
        self._rank = None

    def _put(self, cell: Cell, position: float) -> None:
        cid = cell.cell_id
        if cid in self._cells:
            self._remove(cid)
        self._cells[cid] = cell
        self._position[cid] = position
        entry = (position, cid)
        for name in cell.writes:
            bisect.insort(self._writers.setdefault(name, []), entry)
        for name in cell.inputs:
            bisect.insort(self._readers.setdefault(name, []), entry)
        for name in cell.writes | cell.inputs:
            self._recount(name)
        self._rank = None

    def _remove(self, cell_id: str) -> None:
        cell = self._cells.pop(cell_id)
        entry = (self._position.pop(cell_id), cell_id)
        for index, names in ((self._writers, cell.writes), (self._readers, cell.inputs)):
            for name in names:
                entries = index[name]
                del entries[bisect.bisect_left(entries, entry)]
                if not entries:
                    del index[name]
        for name in cell.writes | cell.inputs:
            self._recount(name)

    def _recount(self, name: str) -> None:
        count = self._plain.upward(name)
        if count:
            self._upward[name] = count
        else:
            self._upward.pop(name, None)

    # -- consistency -----------------------------------------------------
    def verify(self) -> None:
        """Raise GraphCorrupted if an index disagrees with the cells."""
        writers: dict[str, _Entries] = {}
        readers: dict[str, _Entries] = {}
        for cell in self._cells.values():
            entry = (self._position[cell.cell_id], cell.cell_id)
            for name in cell.writes:
                writers.setdefault(name, []).append(entry)
            for name in cell.inputs:
                readers.setdefault(name, []).append(entry)
        for index in (writers, readers):
            for entries in index.values():
                entries.sort()
        if writers != self._writers:
            raise GraphCorrupted("the writer index disagrees with the cells")
        if readers != self._readers:
            raise GraphCorrupted("the reader index disagrees with the cells")
        if set(self._position) != set(self._cells):
            raise GraphCorrupted("positions disagree with the cells")
        upward = {n: c for n in set(writers) | set(readers) if (c := self._plain.upward(n))}
        if upward != self._upward:
            raise GraphCorrupted("the count of edges bound below is wrong")

    def snapshot(self) -> tuple[object, ...]:
        """A hashable picture of the whole graph, for comparing states."""
        return (
            tuple(
                sorted(
                    (c.cell_id, c.reads, c.binds, c.changes, self._position[c.cell_id]) for c in self._cells.values()
                )
            ),
            tuple(sorted((n, tuple(e)) for n, e in self._writers.items())),
            tuple(sorted((n, tuple(e)) for n, e in self._readers.items())),
        )
