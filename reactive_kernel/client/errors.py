"""The client's errors: each carries the data a program needs to act on it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..core.protocol import ErrorName

if TYPE_CHECKING:
    from .records import CascadeResult, KernelRestart, Registration

__all__ = [
    "CellConflictError",
    "CellCycleError",
    "CellNotRegisteredError",
    "CellSyntaxError",
    "CoordinatorError",
    "KernelDiedError",
    "KernelStartError",
    "NotebookRefused",
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


class KernelDiedError(CoordinatorError):
    """The kernel died and the request cannot be answered.

    Raised for a kernel the client attached to (it cannot start another), when
    starting a new kernel failed (``__cause__`` says why), and when a
    registration killed two kernels in a row.  ``exit_code`` is the dead
    kernel's, when known; ``cascade`` holds what the request produced before
    the kernel died, if anything; ``restart`` describes the new kernel when one
    took over (else None).
    """

    def __init__(
        self,
        message: str,
        exit_code: int | None,
        cascade: CascadeResult | None = None,
        restart: KernelRestart | None = None,
    ) -> None:
        self.exit_code = exit_code
        self.cascade = cascade
        self.restart = restart
        super().__init__(message)


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


class NotebookRefused(CoordinatorError):
    """Some cells of a notebook were refused at registration; nothing ran.

    ``refusals`` pairs each refused cell's number (code cells counted from 1,
    top to bottom) with its refusal; ``registrations`` holds the cells that
    were accepted.
    """

    def __init__(self, refusals: list[tuple[int, RegistrationRefused]], registrations: list[Registration]) -> None:
        self.refusals = refusals
        self.registrations = registrations
        lines = [f"cell {number} (id {err.cell_id}): {err.ename}: {err.evalue}" for number, err in refusals]
        super().__init__(f"{len(refusals)} cell(s) refused:\n" + "\n".join(lines))


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
