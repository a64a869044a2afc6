"""Programs that drive a reactive kernel over the Jupyter protocol.

The coordinator (async, and its blocking twin), its records, events and
errors.  Nothing here imports ``reactive_kernel.kernel``; jupyter_client loads
when a kernel starts.
"""

from .blocking import BlockingCoordinator
from .coordinator import Coordinator
from .errors import (
    CellConflictError,
    CellCycleError,
    CellNotRegisteredError,
    CellSyntaxError,
    CoordinatorError,
    KernelStartError,
    RegistrationRefused,
)
from .events import EventStream
from .failures import KernelDiedError, NotebookRefused
from .records import CascadeResult, CellEvent, CellRun, KernelRestart, Registration

__all__ = [
    "BlockingCoordinator",
    "CascadeResult",
    "CellConflictError",
    "CellCycleError",
    "CellEvent",
    "CellNotRegisteredError",
    "CellRun",
    "CellSyntaxError",
    "Coordinator",
    "CoordinatorError",
    "EventStream",
    "KernelDiedError",
    "KernelRestart",
    "KernelStartError",
    "NotebookRefused",
    "Registration",
    "RegistrationRefused",
]
