"""The notebook's order of code cells, as a client sends it in ``metadata.cellOrder``."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["CellOrder"]


class CellOrder:
    """Code-cell ids, top to bottom.

    A cell placed without a position goes just after the cell placed or
    touched last (as a new cell goes below the one just run), or at the end
    when there is none.
    """

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._last: str | None = None

    @property
    def ids(self) -> list[str]:
        """The ids, top to bottom (a copy)."""
        return list(self._ids)

    def __contains__(self, cell_id: object) -> bool:
        return cell_id in self._ids

    def replace(self, ids: Iterable[str]) -> None:
        """Make ``ids`` the order; raises ValueError when an id repeats."""
        ids = list(ids)
        if len(set(ids)) != len(ids):
            repeated = sorted({cell_id for cell_id in ids if ids.count(cell_id) > 1})
            raise ValueError(f"cell ids repeat in the order: {', '.join(repeated)}")
        self._ids = ids
        if self._last not in self._ids:
            self._last = None

    def place(self, cell_id: str, after: str | None = None) -> None:
        """Give ``cell_id`` a position and remember it as the cell touched last.

        With ``after`` the cell goes (or moves) just below that cell, which
        must be in the order (else ValueError).  Without it a cell already in
        the order stays where it is, and a new one goes below the cell touched
        last.
        """
        if after is not None:
            if after == cell_id or after not in self._ids:
                raise ValueError(f"cannot place cell {cell_id!r} after {after!r}: not a cell of the order")
            if cell_id in self._ids:
                self._ids.remove(cell_id)
            self._ids.insert(self._ids.index(after) + 1, cell_id)
        elif cell_id not in self._ids:
            at = self._ids.index(self._last) + 1 if self._last is not None else len(self._ids)
            self._ids.insert(at, cell_id)
        self._last = cell_id

    def remove(self, cell_id: str) -> None:
        """Drop ``cell_id`` (nothing happens when it is not there)."""
        if cell_id in self._ids:
            index = self._ids.index(cell_id)
            self._ids.remove(cell_id)
            if self._last == cell_id:
                self._last = self._ids[index - 1] if index > 0 else None
