"""A scenario: a notebook that is run, then one cell edited (or inserted) and run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Scenario", "insertion", "notebook", "rewrite"]

Cell = tuple[str, str]


@dataclass(frozen=True)
class Scenario:
    """A notebook (``cells``: ``(cell_id, source)`` top to bottom) and one edit.

    ``edit`` is ``(cell_id, new_source)``.  When ``insert_after`` is set the
    edit is a new cell placed below ``insert_after`` (``""``: at the top) and
    run; otherwise ``cell_id`` names an existing cell whose source is replaced.
    ``send_order`` makes every execute request carry ``cellOrder``; it is
    always on for an insertion.  Raises ValueError for an inconsistent scenario.
    """

    name: str
    kinds: tuple[str, ...]
    cells: tuple[Cell, ...]
    edit: Cell
    insert_after: str | None = None
    send_order: bool = False

    def __post_init__(self) -> None:
        ids = [cid for cid, _ in self.cells]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.name}: duplicate cell ids")
        target = self.edit[0]
        if self.insert_after is None:
            if target not in ids:
                raise ValueError(f"{self.name}: edited cell {target!r} is not in the notebook")
        else:
            if target in ids:
                raise ValueError(f"{self.name}: inserted cell {target!r} already exists")
            if self.insert_after and self.insert_after not in ids:
                raise ValueError(f"{self.name}: no cell {self.insert_after!r} to insert below")

    @property
    def inserts(self) -> bool:
        return self.insert_after is not None

    @property
    def sends_order(self) -> bool:
        return self.send_order or self.inserts

    @property
    def edited_cells(self) -> tuple[Cell, ...]:
        """The notebook as it reads after the edit."""
        if not self.inserts:
            return tuple((cid, self.edit[1] if cid == self.edit[0] else src) for cid, src in self.cells)
        out = [] if self.insert_after else [self.edit]
        for cell in self.cells:
            out.append(cell)
            if cell[0] == self.insert_after:
                out.append(self.edit)
        return tuple(out)

    def source(self, edited: bool = False) -> str:
        """The notebook as text, one ``# [cell_id]`` header per cell (for messages)."""
        cells = self.edited_cells if edited else self.cells
        return "\n".join(f"# [{cid}]\n{src}" for cid, src in cells)


def notebook(
    name: str, kinds: str, sources: Sequence[str], edit: tuple[int, str], send_order: bool = False
) -> Scenario:
    """A scenario with cells ``c1``, ``c2``, ... from ``sources``, editing cell ``edit[0]`` (1-based) to ``edit[1]``.

    ``kinds`` is space-separated.
    """
    cells = tuple((f"c{i}", src) for i, src in enumerate(sources, 1))
    return Scenario(name, tuple(kinds.split()), cells, (f"c{edit[0]}", edit[1]), send_order=send_order)


def insertion(name: str, kinds: str, sources: Sequence[str], after: int, source: str) -> Scenario:
    """A scenario with cells ``c1``, ``c2``, ... that inserts cell ``new`` below position ``after`` (0: the top)."""
    cells = tuple((f"c{i}", src) for i, src in enumerate(sources, 1))
    return Scenario(name, tuple(kinds.split()), cells, ("new", source), insert_after=f"c{after}" if after else "")


def rewrite(name: str, kinds: str, sources: Sequence[str], at: int, old: str, new: str) -> Scenario:
    """A scenario with cells ``c1``, ``c2``, ... that edits cell ``at`` (1-based) by replacing ``old`` with ``new``.

    Raises ValueError unless ``old`` occurs exactly once in that cell.
    """
    source = sources[at - 1]
    if source.count(old) != 1:
        raise ValueError(f"{name}: {old!r} occurs {source.count(old)} times in cell c{at}, not once")
    return notebook(name, kinds, sources, edit=(at, source.replace(old, new)))
