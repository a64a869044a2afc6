"""Where each cell sits in its notebook: sortable positions learnt from what clients send.

A position is a float key; a new cell gets a key between its neighbours, so
placing it changes no other cell's key (until the gap between two keys is
used up, when every key is renumbered).  What clients tell:

- ``apply(order)``: an order the client knows to be the notebook's (a
  ``cellOrder`` list, or the cells of one Run All).  Known cells listed there
  are rearranged among the positions they hold; cells not listed keep theirs.
  Listed ids not known yet are remembered, so that when one arrives it is
  placed between its listed neighbours.
- ``place(cell_id, after)``: a cell seen for the first time goes just after
  ``after`` (the cell the same client ran last), or at the end.

This module imports nothing from Jupyter.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator

__all__ = ["NotebookOrder"]

#: Smallest gap between neighbouring keys before everything is renumbered.
_MIN_GAP = 1e-9


class NotebookOrder:
    """Positions of cells, as float keys; all operations return the keys they changed."""

    def __init__(self) -> None:
        self._key: dict[str, float] = {}
        self._sorted: list[tuple[float, str]] = []
        self._hint: list[str] = []
        self._hint_index: dict[str, int] = {}

    def __contains__(self, cell_id: object) -> bool:
        return cell_id in self._key

    def __len__(self) -> int:
        return len(self._key)

    def __iter__(self) -> Iterator[str]:
        return (cell_id for _, cell_id in self._sorted)

    def key(self, cell_id: str) -> float:
        """The position of a placed cell; raises KeyError."""
        return self._key[cell_id]

    def keys(self) -> dict[str, float]:
        """Every placed cell's key."""
        return dict(self._key)

    # -- placing ------------------------------------------------------------
    def place(self, cell_id: str, after: str | None = None) -> dict[str, float]:
        """Give a new cell a position; returns every key that changed (the cell's, and all after a renumbering).

        An already placed cell keeps its position.
        """
        if cell_id in self._key:
            return {}
        key, changed = self.free_key(cell_id, after)
        self.insert(cell_id, key)
        return {**changed, cell_id: key}

    def free_key(self, cell_id: str, after: str | None = None) -> tuple[float, dict[str, float]]:
        """The key a new cell would get, and the keys a renumbering changed to make room (usually none).

        A cell listed in the last ``apply`` goes between its listed
        neighbours; otherwise just after ``after`` if that is placed, else at
        the end.  A renumbering keeps every cell's order.
        """
        index = self._slot(cell_id, after)
        low = self._sorted[index - 1][0] if index > 0 else None
        high = self._sorted[index][0] if index < len(self._sorted) else None
        if low is None and high is None:
            return 0.0, {}
        if high is None:
            return low + 1.0, {}  # type: ignore[operator]
        if low is None:
            return high - 1.0, {}
        key = (low + high) / 2
        if key - low >= _MIN_GAP and high - key >= _MIN_GAP:
            return key, {}
        self._key = {c: 2.0 * i for i, (_, c) in enumerate(self._sorted)}
        self._sorted = [(k, c) for c, k in sorted(self._key.items(), key=lambda item: item[1])]
        return 2.0 * index - 1.0, dict(self._key)

    def insert(self, cell_id: str, key: float) -> None:
        """Place a cell at a key (from ``free_key``)."""
        self._key[cell_id] = key
        bisect.insort(self._sorted, (key, cell_id))

    def _slot(self, cell_id: str, after: str | None) -> int:
        """Index in ``_sorted`` where a new cell goes."""
        hinted = self._hint_index.get(cell_id)
        if hinted is not None:
            for earlier in reversed(self._hint[:hinted]):
                if earlier in self._key:
                    return bisect.bisect_right(self._sorted, (self._key[earlier], earlier))
            for later in self._hint[hinted + 1 :]:
                if later in self._key:
                    return bisect.bisect_left(self._sorted, (self._key[later], later))
        if after is not None and after in self._key:
            return bisect.bisect_right(self._sorted, (self._key[after], after))
        return len(self._sorted)

    def remove(self, cell_id: str) -> None:
        """Forget a cell's position (nothing happens for an unknown one)."""
        key = self._key.pop(cell_id, None)
        if key is not None:
            index = bisect.bisect_left(self._sorted, (key, cell_id))
            del self._sorted[index]

    # -- learning -------------------------------------------------------------
    def apply(self, order: Iterable[str], complete: bool = True) -> dict[str, float]:
        """Rearrange placed cells listed in ``order`` to follow it; returns the keys that changed.

        With ``complete`` (a whole ``cellOrder``), the listed ids not placed yet
        are remembered for ``place``.
        """
        listed: list[str] = []
        seen: set[str] = set()
        for cell_id in order:
            if isinstance(cell_id, str) and cell_id not in seen:
                seen.add(cell_id)
                listed.append(cell_id)
        if complete:
            self._hint = listed
            self._hint_index = {c: i for i, c in enumerate(listed)}
        placed = [c for c in listed if c in self._key]
        slots = sorted(self._key[c] for c in placed)
        changed: dict[str, float] = {}
        for cell_id, key in zip(placed, slots):
            if self._key[cell_id] != key:
                changed[cell_id] = key
        if changed:
            for cell_id, key in changed.items():
                self._key[cell_id] = key
            self._sorted = sorted((k, c) for c, k in self._key.items())
        return changed

    def is_ordered(self, order: list[str]) -> bool:
        """Whether the placed cells of ``order`` already stand in that order."""
        keys = [self._key[c] for c in order if c in self._key]
        return all(a < b for a, b in zip(keys, keys[1:]))
