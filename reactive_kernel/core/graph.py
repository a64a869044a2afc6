"""The cell dependency graph: nodes are cell ids, an edge A -> B when B reads a name A writes.

Registration is two-phase: ``check`` mutates nothing and raises
``CycleError`` or ``MultipleDefinitionError``; only then does ``register``
change the graph, so a refused registration leaves it exactly as it was.
Indexes from name to writer and name to readers keep every operation
proportional to the cells it touches.  All traversals are iterative.

This module imports nothing from Jupyter.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Iterable, Iterator

__all__ = [
    "Cell",
    "CycleError",
    "DependencyGraph",
    "MultipleDefinitionError",
    "RegistrationError",
    "UnknownCellError",
]


class RegistrationError(ValueError):
    """A registration the graph refused; the graph is unchanged."""

    cell_id: str


class CycleError(RegistrationError):
    """Registering ``cell_id`` would close a cycle.

    ``cycle`` is a list of ``(cell, name)`` steps: cell ``cycle[i][0]`` writes
    ``cycle[i][1]``, which cell ``cycle[i+1][0]`` reads; the last step leads
    back to the first cell, which is ``cell_id``.
    """

    def __init__(self, cell_id: str, cycle: list[tuple[str, str]]) -> None:
        self.cell_id = cell_id
        self.cycle = cycle
        super().__init__(
            f"cell {cell_id!r} would close a cycle: {format_cycle(cycle)}. "
            "Move the shared computation into one cell or rename one of the names."
        )


class MultipleDefinitionError(RegistrationError):
    """``cell_id`` writes ``name``, which cell ``owner`` already defines."""

    def __init__(self, cell_id: str, name: str, owner: str) -> None:
        self.cell_id = cell_id
        self.name = name
        self.owner = owner
        super().__init__(
            f"{name!r} is already defined by cell {owner!r}; cell {cell_id!r} cannot define it "
            f"too. Rename it here, or delete it from cell {owner!r}."
        )


class UnknownCellError(KeyError):
    """No cell with this id is registered."""

    def __init__(self, cell_id: str) -> None:
        self.cell_id = cell_id
        super().__init__(cell_id)

    def __str__(self) -> str:
        return f"no cell {self.cell_id!r} is registered"


def format_cycle(cycle: list[tuple[str, str]]) -> str:
    """Render a cycle as ``a -x-> b -y-> a``."""
    parts = [f"{cell} -{name}->" for cell, name in cycle]
    return " ".join(parts + [cycle[0][0]]) if cycle else ""


@dataclass(frozen=True)
class Cell:
    """A registered cell: what it reads and writes, and when it was first registered."""

    cell_id: str
    reads: frozenset[str]
    writes: frozenset[str]
    order: int


class DependencyGraph:
    """A cycle-free graph of cells linked by the names they read and write."""

    def __init__(self) -> None:
        self._cells: dict[str, Cell] = {}
        self._writer: dict[str, str] = {}
        self._readers: dict[str, set[str]] = {}
        self._next_order = 0

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

    def writer(self, name: str) -> str | None:
        """The cell that defines ``name``, if any."""
        return self._writer.get(name)

    def readers(self, name: str) -> frozenset[str]:
        """The cells that read ``name``."""
        return frozenset(self._readers.get(name, ()))

    def parents(self, cell_id: str) -> list[str]:
        """Cells whose names ``cell_id`` reads, in registration order."""
        cell = self.cell(cell_id)
        found = {self._writer[n] for n in cell.reads if n in self._writer} - {cell_id}
        return self._ordered(found)

    def children(self, cell_id: str) -> list[str]:
        """Cells that read a name ``cell_id`` writes, in registration order."""
        cell = self.cell(cell_id)
        found: set[str] = set()
        for name in cell.writes:
            found.update(self._readers.get(name, ()))
        found.discard(cell_id)
        return self._ordered(found)

    def parent_set(self, cell_id: str) -> set[str]:
        """The ids of ``cell_id``'s parents, unordered; empty for an unknown cell."""
        cell = self._cells.get(cell_id)
        if cell is None:
            return set()
        found = {self._writer.get(n) for n in cell.reads}
        found.discard(None)
        found.discard(cell_id)
        return found  # type: ignore[return-value]

    def order(self, cell_ids: Iterable[str]) -> list[str]:
        """The registered cells among ``cell_ids`` in topological order (ties: registration order)."""
        return self._toposort({c for c in cell_ids if c in self._cells})

    def _ordered(self, cells: Iterable[str]) -> list[str]:
        return sorted(cells, key=lambda c: self._cells[c].order)

    # -- phase one: checks that mutate nothing ---------------------------
    def check(
        self,
        cell_id: str,
        reads: Iterable[str],
        writes: Iterable[str],
        retire: Iterable[str] = (),
    ) -> None:
        """Raise what registering this cell would raise; change nothing.

        Cells in ``retire`` are treated as already removed.
        """
        reads, writes, gone = frozenset(reads), frozenset(writes), set(retire)
        gone.discard(cell_id)
        for name in sorted(writes):
            owner = self._writer.get(name)
            if owner is not None and owner != cell_id and owner not in gone:
                raise MultipleDefinitionError(cell_id, name, owner)
        cycle = self.would_create_cycle(cell_id, reads, writes, gone)
        if cycle is not None:
            raise CycleError(cell_id, cycle)

    def would_create_cycle(
        self,
        cell_id: str,
        reads: Iterable[str],
        writes: Iterable[str],
        retire: Iterable[str] = (),
    ) -> list[tuple[str, str]] | None:
        """The cycle (as in CycleError.cycle) that registering would close, or None."""
        reads, writes = frozenset(reads), frozenset(writes)
        skip = set(retire) | {cell_id}
        # parent -> the name through which cell_id reads it
        parents: dict[str, str] = {}
        for name in reads:
            owner = self._writer.get(name)
            if owner is not None and owner not in skip and name not in writes:
                parents.setdefault(owner, name)
        if not parents:
            return None
        if cell_id in self._cells and parents.keys() <= self.parent_set(cell_id):
            children = {r for n in writes for r in self._readers.get(n, ()) if r not in skip}
            if children <= self._child_set(cell_id):
                return None  # no new edge, and the graph is acyclic
        # Breadth-first from the new cell's children, never passing through it.
        came_from: dict[str, tuple[str, str]] = {}
        frontier: list[str] = []
        for name in sorted(writes):
            for reader in self._readers.get(name, ()):
                if reader not in skip and reader not in came_from:
                    came_from[reader] = (cell_id, name)
                    frontier.append(reader)
        while frontier:
            next_frontier: list[str] = []
            for node in frontier:
                if node in parents:
                    return self._unwind(cell_id, node, parents[node], came_from)
                for name in self._cells[node].writes:
                    for reader in self._readers.get(name, ()):
                        if reader not in skip and reader not in came_from:
                            came_from[reader] = (node, name)
                            next_frontier.append(reader)
            frontier = next_frontier
        return None

    @staticmethod
    def _unwind(
        start: str, last: str, closing_name: str, came_from: dict[str, tuple[str, str]]
    ) -> list[tuple[str, str]]:
        steps = [(last, closing_name)]
        node = last
        while node != start:
            prev, name = came_from[node]
            steps.append((prev, name))
            node = prev
        steps.reverse()
        return steps

    # -- phase two: updates ---------------------------------------------
    def register(
        self,
        cell_id: str,
        reads: Iterable[str],
        writes: Iterable[str],
        retire: Iterable[str] = (),
    ) -> Cell:
        """Add or replace a cell after ``check``; raises as ``check`` does.

        Cells in ``retire`` are unregistered in the same step, only if the
        check passes.
        """
        reads, writes = frozenset(reads), frozenset(writes)
        retire = [c for c in retire if c != cell_id and c in self._cells]
        self.check(cell_id, reads, writes, retire)
        for old in retire:
            self._remove(old)
        previous = self._cells.get(cell_id)
        if previous is not None:
            self._remove(cell_id)
            order = previous.order
        else:
            order = self._next_order
            self._next_order += 1
        cell = Cell(cell_id, reads, writes, order)
        self._cells[cell_id] = cell
        for name in writes:
            self._writer[name] = cell_id
        for name in reads:
            self._readers.setdefault(name, set()).add(cell_id)
        return cell

    def add_writes(self, cell_id: str, names: Iterable[str]) -> frozenset[str]:
        """Add names a cell turned out to bind; returns those accepted.

        A name another cell defines, or one that would close a cycle, is left
        out rather than raising.
        """
        cell = self.cell(cell_id)
        accepted: set[str] = set()
        for name in sorted(set(names) - cell.writes):
            trial = cell.writes | accepted | {name}
            try:
                self.check(cell_id, cell.reads, trial)
            except RegistrationError:
                continue
            accepted.add(name)
        if accepted:
            self._cells[cell_id] = Cell(cell_id, cell.reads, cell.writes | accepted, cell.order)
            for name in accepted:
                self._writer[name] = cell_id
        return frozenset(accepted)

    def unregister(self, cell_id: str) -> Cell:
        """Remove a cell and return it; raises UnknownCellError."""
        cell = self.cell(cell_id)
        self._remove(cell_id)
        return cell

    def _remove(self, cell_id: str) -> None:
        cell = self._cells.pop(cell_id)
        for name in cell.writes:
            if self._writer.get(name) == cell_id:
                del self._writer[name]
        for name in cell.reads:
            readers = self._readers.get(name)
            if readers is not None:
                readers.discard(cell_id)
                if not readers:
                    del self._readers[name]

    # -- planning --------------------------------------------------------
    def descendants(self, cell_ids: Iterable[str], names: Iterable[str] = ()) -> list[str]:
        """Topological order of ``cell_ids``, the readers of ``names``, and all their descendants.

        Ties are broken by registration order.  Unknown ids are ignored.
        """
        seen: set[str] = {c for c in cell_ids if c in self._cells}
        for name in names:
            seen.update(self._readers.get(name, ()))
        stack = list(seen)
        while stack:
            node = stack.pop()
            for name in self._cells[node].writes:
                for reader in self._readers.get(name, ()):
                    if reader not in seen:
                        seen.add(reader)
                        stack.append(reader)
        return self._toposort(seen)

    def _toposort(self, subset: set[str]) -> list[str]:
        indegree: dict[str, int] = {}
        for node in subset:
            cell = self._cells[node]
            count = 0
            for parent in {self._writer.get(n) for n in cell.reads}:
                if parent is not None and parent != node and parent in subset:
                    count += 1
            indegree[node] = count
        heap = [(self._cells[n].order, n) for n, d in indegree.items() if d == 0]
        heapq.heapify(heap)
        result: list[str] = []
        while heap:
            _, node = heapq.heappop(heap)
            result.append(node)
            for child in self._child_set(node):
                if child in indegree:
                    indegree[child] -= 1
                    if indegree[child] == 0:
                        heapq.heappush(heap, (self._cells[child].order, child))
        return result

    def _child_set(self, node: str) -> set[str]:
        found: set[str] = set()
        for name in self._cells[node].writes:
            found.update(self._readers.get(name, ()))
        found.discard(node)
        return found

    # -- consistency -----------------------------------------------------
    def verify(self) -> None:
        """Raise AssertionError if the indexes disagree with the cells or a cycle exists."""
        writer: dict[str, str] = {}
        readers: dict[str, set[str]] = {}
        for cell in self._cells.values():
            for name in cell.writes:
                assert name not in writer, f"{name!r} written by {writer[name]!r} and {cell.cell_id!r}"
                writer[name] = cell.cell_id
            for name in cell.reads:
                readers.setdefault(name, set()).add(cell.cell_id)
        assert writer == self._writer, "writer index disagrees with cells"
        assert readers == self._readers, "reader index disagrees with cells"
        assert len(self._toposort(set(self._cells))) == len(self._cells), "graph has a cycle"

    def snapshot(self) -> tuple:
        """A hashable picture of the whole graph, for comparing states."""
        return (
            tuple(sorted((c.cell_id, c.reads, c.writes, c.order) for c in self._cells.values())),
            tuple(sorted(self._writer.items())),
            tuple(sorted((n, frozenset(r)) for n, r in self._readers.items())),
        )
