"""What the kernel keeps about each cell besides the notebook model: where its outputs are, how it last ran."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.protocol import Status, cell_label

__all__ = ["CellRecord"]


@dataclass
class CellRecord:
    """One cell, as the kernel's request handling sees it.

    ``parent`` is the message (``{"header": ...}``) of the cell's latest own
    execute request, whatever its outcome: the output area a frontend shows
    for the cell; ``prompt`` its execution count.  ``published`` says whether
    that area shows something.  ``kept`` holds the outputs of the cell's
    latest run when a cascade ran it (not its own request), and ``kept_status``
    how that run ended, until its own request shows them.  ``code`` is the
    code of its latest request, registered or refused.
    """

    cell_id: str
    anonymous: bool = False
    code: str = ""
    parent: dict | None = None
    prompt: int | None = None
    status: Status = Status.REGISTERED
    reason: str | None = None
    published: bool = False
    transformed: tuple[str, str] | None = None
    is_async: bool | None = None
    kept: list[tuple[str, dict]] | None = None
    kept_status: Status | None = None
    _label: tuple[tuple[int | None, str], str] | None = field(default=None, repr=False, compare=False)

    @property
    def label(self) -> str:
        """How people see the cell (``cell [5] x = 1``), made again only when its prompt or code changed."""
        key = (self.prompt, self.code)
        if self._label is None or self._label[0] != key:
            self._label = (key, cell_label(self.prompt, self.code))
        return self._label[1]

    @property
    def session(self) -> str | None:
        """The client session of the cell's latest own request."""
        return self.parent["header"].get("session") if self.parent is not None else None
