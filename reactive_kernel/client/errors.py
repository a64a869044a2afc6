"""The client's errors: each carries the data a program needs to act on it.

Errors that carry records of what ran are in ``failures``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.protocol import ErrorName

__all__ = [
    "CellConflictError",
    "CellCycleError",
    "CellNotRegisteredError",
    "CellSyntaxError",
    "CoordinatorError",
    "KernelStartError",
    "RegistrationRefused",
    "refusal_from_reply",
]


class CoordinatorError(Exception):
    """Base of the client's errors."""


class KernelStartError(CoordinatorError):
    """The kernel did not start, or did not answer its first request."""


class CellNotRegisteredError(CoordinatorError):
    """No cell with this id is registered (``cell_id``)."""

    def __init__(self, cell_id: str) -> None:
        self.cell_id = cell_id
        super().__init__(f"no cell {cell_id!r} is registered")


class RegistrationRefused(CoordinatorError):
    """The kernel refused to register a cell; its graph is unchanged.

    ``ename`` is the kernel's error name (``CycleError``,
    ``MultipleDefinitionError``, ``SyntaxError``, ``BadRequest``, ...).
    """

    def __init__(self, cell_id: str, ename: str, evalue: str, traceback: list[str] | None = None) -> None:
        self.cell_id = cell_id
        self.ename = ename
        self.evalue = evalue
        self.traceback = list(traceback or [])
        super().__init__(evalue)


class CellCycleError(RegistrationRefused):
    """Registering the cell would close a cycle.

    ``cycle`` lists ``(cell_id, name)`` steps: ``a -x-> b -y-> a`` is
    ``[("a", "x"), ("b", "y")]``.
    """

    def __init__(
        self, cell_id: str, evalue: str, cycle: list[tuple[str, str]], traceback: list[str] | None = None
    ) -> None:
        super().__init__(cell_id, ErrorName.CYCLE.value, evalue, traceback)
        self.cycle = cycle


class CellConflictError(RegistrationRefused):
    """The cell defines ``name``, which cell ``owner`` already defines (the kernel's strict mode)."""

    def __init__(
        self, cell_id: str, evalue: str, name: str | None, owner: str | None, traceback: list[str] | None = None
    ) -> None:
        super().__init__(cell_id, ErrorName.MULTIPLE_DEFINITION.value, evalue, traceback)
        self.name = name
        self.owner = owner


class CellSyntaxError(RegistrationRefused):
    """The cell does not parse; ``lineno`` is the line, if the kernel said."""

    def __init__(self, cell_id: str, evalue: str, lineno: int | None, traceback: list[str] | None = None) -> None:
        super().__init__(cell_id, ErrorName.SYNTAX.value, evalue, traceback)
        self.lineno = lineno


def refusal_from_reply(cell_id: str, content: Mapping[str, Any]) -> RegistrationRefused:
    """The typed refusal for an error reply to a registration (register or execute)."""
    ename = str(content.get("ename") or "Error")
    evalue = str(content.get("evalue") or "")
    traceback = [str(line) for line in content.get("traceback") or []]
    if ename == ErrorName.CYCLE:
        cycle = [(str(step[0]), str(step[1])) for step in content.get("cycle") or []]
        return CellCycleError(cell_id, evalue, cycle, traceback)
    if ename == ErrorName.MULTIPLE_DEFINITION:
        return CellConflictError(cell_id, evalue, content.get("name"), content.get("owner"), traceback)
    if ename == ErrorName.SYNTAX:
        lineno = content.get("lineno")
        return CellSyntaxError(cell_id, evalue, lineno if isinstance(lineno, int) else None, traceback)
    return RegistrationRefused(cell_id, ename, evalue, traceback)
