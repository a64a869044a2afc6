"""The kernel's model of a notebook: its cells' code and positions, the graph, versions and aliases, kept in step.

Every change goes through here so that the pieces agree: registering a cell
(checked first, changing nothing when refused), deleting one, learning the
notebook's order, the console's rule for anonymous cells.  Each change marks
the cells whose inputs may now come from another version ``dirty`` and the
names whose bottom-most version may have moved ``unsettled``; the next
cascade starts from them.

This module imports nothing from Jupyter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .analysis import Analysis
from .cascade import Cascade, CellFacts, Host
from .graph import Cell, DependencyGraph
from .order import NotebookOrder
from .resolve import Definitions, resolve
from .values import AliasIndex
from .versions import Versions

__all__ = ["Notebook", "NotebookCell", "Registration"]


@dataclass
class NotebookCell:
    """A registered cell: its code, analysis and facts; ``anonymous`` for console inputs.

    ``retired`` holds names a later console input defined again: the cell no
    longer writes them in the graph, though running it still binds them.
    """

    cell_id: str
    code: str
    analysis: Analysis
    facts: CellFacts
    anonymous: bool = False
    retired: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Registration:
    """A checked registration, ready to ``commit``.

    ``retire`` maps earlier console inputs to what they keep writing after this
    one (None: nothing, they go), by the console's rule (see ``prepare``).
    """

    cell_id: str
    code: str
    analysis: Analysis
    node: Cell
    facts: CellFacts
    position: float
    anonymous: bool
    retire: dict[str, Cell | None] = field(default_factory=dict)


class Notebook:
    """Cells, graph, order, versions, aliases and definitions of one kernel."""

    def __init__(self, strict: bool = False) -> None:
        self.graph = DependencyGraph(strict)
        self.order = NotebookOrder()
        self.versions = Versions()
        self.aliases = AliasIndex()
        self.definitions = Definitions()
        self.cells: dict[str, NotebookCell] = {}

    def __contains__(self, cell_id: object) -> bool:
        return cell_id in self.cells

    @property
    def strict(self) -> bool:
        """marimo's rule: a name may be bound by one cell only."""
        return self.graph.strict

    @strict.setter
    def strict(self, value: bool) -> None:
        self.graph.strict = value

    # -- registering ----------------------------------------------------------
    def prepare(
        self,
        cell_id: str,
        code: str,
        analysis: Analysis,
        value_of: Callable[[str], Any],
        cwd: str,
        after: str | None = None,
        anonymous: bool = False,
    ) -> Registration:
        """Resolve and check a registration; raises RegistrationError, changing nothing.

        A new cell goes after ``after`` (unless the notebook's order says
        where); an anonymous one at the end.
        """
        resolved = resolve(cell_id, analysis, self.definitions, value_of, cwd)
        node = resolved.cell
        old = self.cells.get(cell_id)
        if old is not None and old.code == code:
            learnt = self.graph.cell(cell_id) if cell_id in self.graph else None
            if learnt is not None:
                node = Cell(
                    cell_id,
                    node.reads,
                    node.binds | (learnt.binds - old.retired),
                    node.changes | (learnt.changes - old.retired),
                )
            if old.retired:
                node = Cell(cell_id, node.reads, node.binds - old.retired, node.changes - old.retired)
        if cell_id in self.order:
            position = self.order.key(cell_id)
        else:
            position = self._new_position(cell_id, None if anonymous else after)
        retire = self._retirement(node) if anonymous else {}
        self.graph.check(node, position, retire)
        return Registration(cell_id, code, analysis, node, resolved.facts, position, anonymous, retire)

    def _retirement(self, node: Cell) -> dict[str, Cell | None]:
        """The console's rule: a new anonymous definition of a name retires earlier anonymous writers of it.

        Only plain definitions retire (``x = 1``, not ``x += 1``).  Returns each
        retired cell's remaining node (None when it writes nothing any more).
        """
        plain = node.binds - node.reads - node.changes
        remaining: dict[str, Cell] = {}
        for name in sorted(plain):
            for writer in self.graph.writers(name):
                cell = self.cells.get(writer)
                if writer == node.cell_id or cell is None or not cell.anonymous:
                    continue
                old = remaining.get(writer, self.graph.cell(writer))
                remaining[writer] = Cell(writer, old.reads - {name}, old.binds - {name}, old.changes - {name})
        return {cid: (cell if cell.writes else None) for cid, cell in remaining.items()}

    def _new_position(self, cell_id: str, after: str | None) -> float:
        """Where a new cell goes; a renumbering of the others to make room keeps their order."""
        key, renumbered = self.order.free_key(cell_id, after)
        if renumbered:
            self.graph.move(renumbered)
        return key

    def commit(self, registration: Registration) -> None:
        """Make a checked registration real (it cannot fail)."""
        cid = registration.cell_id
        old_cell = self.cells.get(cid)
        old_node = self.graph.cell(cid) if cid in self.graph else None
        before = self._consumers(cid, old_node) if old_node is not None else set()
        for gone in registration.retire:
            before |= self._consumers(gone, self.graph.cell(gone))
        if cid not in self.order:
            self.order.insert(cid, registration.position)
        self.graph.register(registration.node, registration.position, registration.retire)
        for gone, remaining in registration.retire.items():
            if remaining is None:
                self._drop(gone)
            else:
                self.cells[gone].retired |= self.cells[gone].analysis.writes - remaining.writes
        after = self._consumers(cid, registration.node)
        if old_cell is None or old_cell.code != registration.code:
            self.versions.edited(cid)
            self.definitions.learn(cid, registration.analysis)
            retired: set[str] = set()
        else:
            retired = old_cell.retired
        self.cells[cid] = NotebookCell(
            cid,
            registration.code,
            registration.analysis,
            registration.facts,
            registration.anonymous,
            retired,
        )
        self._mark_dirty((before | after) - {cid})
        if old_node is not None:
            self.versions.unsettled |= old_node.writes - registration.node.writes

    def _consumers(self, cell_id: str, node: Cell) -> set[str]:
        found: set[str] = set()
        for name in node.writes:
            found.update(self.graph.consumers(cell_id, name))
        return found

    def _mark_dirty(self, cell_ids: Iterable[str]) -> None:
        versions = self.versions
        versions.dirty.update(c for c in cell_ids if versions.has_run(c))

    # -- removing -----------------------------------------------------------------
    def delete(self, cell_id: str) -> Cell | None:
        """Unregister a cell; its readers now read other versions. Returns its node (None if unknown)."""
        cell = self.cells.pop(cell_id, None)
        if cell is None:
            return None
        node = self.graph.cell(cell_id) if cell_id in self.graph else None
        if node is not None:
            readers = self._consumers(cell_id, node)
            self.graph.unregister(cell_id)
            self._mark_dirty(readers)
            self.versions.unsettled |= {n for n in node.writes if self.versions.made_by(cell_id, n)}
        self._drop(cell_id)
        return node

    def _drop(self, cell_id: str) -> None:
        """Forget a cell that is out of the graph."""
        self.cells.pop(cell_id, None)
        self.versions.forget(cell_id)
        self.definitions.forget(cell_id)
        self.order.remove(cell_id)

    # -- order --------------------------------------------------------------------
    def apply_order(self, order: Iterable[str], complete: bool = True) -> bool:
        """Learn the notebook's order (a whole ``cellOrder``, or one Run All's cells); True if cells moved."""
        changed = self.order.apply(order, complete)
        moved = {c: k for c, k in changed.items() if c in self.graph}
        if not moved:
            return False
        touched: set[str] = set()
        for cell_id in moved:
            node = self.graph.cell(cell_id)
            touched |= node.writes | node.inputs
        before = {c for n in touched for c in self.graph.writers(n)}
        self.graph.move(moved)
        for name in touched:
            for writer in self.graph.writers(name):
                self._mark_dirty(self.graph.consumers(writer, name))
        self._mark_dirty(before)
        self.versions.unsettled |= touched
        return True

    # -- running --------------------------------------------------------------------
    def cascade(self, host: Host, requested: str | None, **options: Any) -> Cascade:
        """A cascade over this notebook (``options`` as ``Cascade`` takes them)."""
        return Cascade(self.graph, self.versions, self.aliases, host, requested, **options)

    def facts(self, cell_id: str) -> CellFacts:
        """The runner's facts about a registered cell."""
        return self.cells[cell_id].facts
