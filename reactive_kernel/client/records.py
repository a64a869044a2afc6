"""What the client hands back: registrations, per-cell runs, whole cascades, restarts and events."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import RegistrationRefused

__all__ = ["KERNEL_DIED", "RUNNING", "CascadeResult", "CellEvent", "CellRun", "KernelRestart", "Registration"]

#: ``CellRun.status`` while a cell runs; the final statuses are ``core.protocol.Status`` values.
RUNNING = "running"
#: ``ename`` of the error a cell gets when the kernel died while it ran.
KERNEL_DIED = "KernelDied"


@dataclass(frozen=True)
class Registration:
    """A registered cell as the kernel sees it: its names and its neighbours."""

    cell_id: str
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    children: tuple[str, ...] = ()

    @classmethod
    def from_reply(cls, content: Mapping[str, Any]) -> Registration:
        """Build from a ``register_cell_reply``'s content."""
        return cls(
            str(content["cell_id"]),
            tuple(content.get("reads") or ()),
            tuple(content.get("writes") or ()),
            tuple(content.get("parents") or ()),
            tuple(content.get("children") or ()),
        )


@dataclass
class CellRun:
    """One cell's part in a cascade.

    ``status`` is a ``core.protocol.Status`` value: ``ok``, ``error``,
    ``blocked`` (registration refused, see ``refusal``), ``skipped`` (see
    ``blocked_by`` and ``reason``), ``interrupted`` or ``stale`` (``running``
    while it runs).  ``outputs`` are nbformat v4 output dicts in order
    (streams, displays, results, errors); ``msg_id`` is the request the kernel
    published them under.
    """

    cell_id: str
    status: str = RUNNING
    index: int = 0
    total: int = 0
    outputs: list[dict] = field(default_factory=list)
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    execution_count: int | None = None
    msg_id: str | None = None
    blocked_by: str | None = None
    reason: str | None = None
    refusal: RegistrationRefused | None = None

    @property
    def is_last(self) -> bool:
        """Whether this is the cascade's last record."""
        return self.index == self.total - 1

    def _stream(self, name: str) -> str:
        return "".join(o["text"] for o in self.outputs if o["output_type"] == "stream" and o["name"] == name)

    @property
    def stdout(self) -> str:
        """Everything the cell printed to stdout."""
        return self._stream("stdout")

    @property
    def stderr(self) -> str:
        """Everything the cell printed to stderr."""
        return self._stream("stderr")

    @property
    def displays(self) -> list[dict]:
        """Mime bundles of the cell's display_data and execute_result outputs."""
        return [o["data"] for o in self.outputs if o["output_type"] in ("display_data", "execute_result")]

    def _error(self) -> dict | None:
        return next((o for o in reversed(self.outputs) if o["output_type"] == "error"), None)

    @property
    def ename(self) -> str | None:
        """The error's name, if the cell raised."""
        error = self._error()
        return error["ename"] if error else None

    @property
    def evalue(self) -> str | None:
        """The error's value, if the cell raised."""
        error = self._error()
        return error["evalue"] if error else None

    @property
    def traceback(self) -> list[str]:
        """The error's traceback lines, if the cell raised."""
        error = self._error()
        return list(error["traceback"]) if error else []


@dataclass(frozen=True)
class KernelRestart:
    """A kernel died and a new one took over.

    ``exit_code`` is the dead kernel's (negative: killed by that signal; None
    when unknown).  ``cell_id`` is the cell that was running when it died, or
    None when none was (it died between requests, or before the request that
    reports it had started).  On the new kernel every cell of ``registered``
    is registered with its latest code, in notebook order, and none of them
    has run: its namespace is empty.  ``refused`` lists cells the new kernel
    refused; they are no longer registered.  ``before_request`` is true when
    the kernel was found dead before the request was sent: the request then
    ran on the new kernel, and its cascade is all that has run there.
    """

    exit_code: int | None
    cell_id: str | None
    registered: tuple[str, ...]
    refused: tuple[str, ...] = ()
    before_request: bool = False


@dataclass
class CascadeResult:
    """What one request ran: a record per cell, in run order, the requested cell first.

    ``cell_id`` is the executed (or unregistered) cell; ``deleted`` lists what
    the kernel deleted (cells for an execute, names for an unregister);
    ``registered`` is false when the kernel kept the cell's previous code (a
    refusal, or code that does not parse); ``replayed`` is true when the cell
    was up to date and the kernel showed its earlier outputs instead of running
    it.  ``restart`` is set when the kernel died during the request, or since
    the previous one, and a new kernel took over.
    """

    cell_id: str
    msg_id: str
    runs: list[CellRun]
    deleted: list[str] = field(default_factory=list)
    execution_count: int | None = None
    registered: bool = True
    replayed: bool = False
    restart: KernelRestart | None = None

    @property
    def restarted(self) -> bool:
        """Whether a new kernel took over during (or just before) this request."""
        return self.restart is not None

    def __iter__(self) -> Iterator[CellRun]:
        return iter(self.runs)

    def __len__(self) -> int:
        return len(self.runs)

    def __getitem__(self, index: int) -> CellRun:
        return self.runs[index]

    @property
    def cell_ids(self) -> list[str]:
        """The ids of the cells run, in order."""
        return [run.cell_id for run in self.runs]

    def run(self, cell_id: str) -> CellRun:
        """The record of ``cell_id``; raises KeyError when it did not take part."""
        for run in self.runs:
            if run.cell_id == cell_id:
                return run
        raise KeyError(cell_id)


@dataclass(frozen=True)
class CellEvent:
    """Something that happened to a cell (or to the kernel) while the client worked.

    ``kind`` and ``data``:

    - ``cell_status``: ``status`` (running, ok, error, blocked, skipped,
      interrupted, stale) and ``index`` (its place in the cascade so far)
    - ``cell_stdout`` / ``cell_stderr``: ``text``
    - ``cell_output``: ``output_type`` (display_data, execute_result,
      update_display_data), ``data``, ``metadata``, ``display_id``
    - ``cell_error``: ``ename``, ``evalue``, ``traceback``
    - ``cell_clear``: ``wait``
    - ``kernel_died``: ``exit_code``; ``cell_id`` is the cell that was running, or None
    - ``kernel_restarted``: ``exit_code``, ``cells`` (how many are registered
      on the new kernel), ``running`` (the cell that was running, or None);
      ``cell_id`` is None

    ``request`` is the msg_id of the request that caused it ("" for none).
    """

    kind: str
    cell_id: str | None
    request: str
    data: dict

    def to_json(self) -> dict:
        """A JSON-ready dict."""
        return {"kind": self.kind, "cell_id": self.cell_id, "request": self.request, **self.data}
