"""The client's errors that carry records: a dead kernel's partial cascade, a notebook's refusals."""

from __future__ import annotations

from .errors import CoordinatorError, RegistrationRefused
from .records import CascadeResult, KernelRestart, Registration

__all__ = ["KernelDiedError", "NotebookRefused"]


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
