"""Drive a ``reactive-python`` kernel from Python: register cells, run cascades, stream events.

The coordinator keeps no graph of its own: the kernel owns the graph, and the
coordinator only sends requests (docs/protocol.md) and gathers what comes back
into per-cell records.  It owns a kernel process (or attaches to a running
one), notices when that process dies, and then starts a new one with every
registered cell registered again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from .. import KERNEL_NAME
from ..core.protocol import Tag, TagKind, tag_of

__all__ = [
    "BlockingCoordinator",
    "Cascade",
    "CellConflictError",
    "CellCycleError",
    "CellEvent",
    "CellRun",
    "CellSyntaxError",
    "Coordinator",
    "CoordinatorError",
    "EventStream",
    "KernelDiedError",
    "KernelStartError",
    "NotebookRefused",
    "Registration",
    "RegistrationRefused",
    "UnknownCellError",
]

log = logging.getLogger(__name__)

#: Seconds to wait for the other half of a request's end (reply or idle) once one half came.
_END_GRACE = 10.0
#: Seconds a kernel we attached to may miss heartbeats before it counts as dead.
_HEARTBEAT_GRACE = 3.0


# -- errors ------------------------------------------------------------------
class CoordinatorError(Exception):
    """Base of the coordinator's errors."""


class KernelStartError(CoordinatorError):
    """The kernel did not start or did not answer."""


class UnknownCellError(CoordinatorError):
    """No cell with this id is registered."""

    def __init__(self, cell_id: str) -> None:
        self.cell_id = cell_id
        super().__init__(f"no cell {cell_id!r} is registered")


class KernelDiedError(CoordinatorError):
    """The kernel died during a request.

    ``restarted`` says whether a new kernel now runs with every registered cell;
    ``cascade`` holds what the request produced before the kernel died, if anything.
    """

    def __init__(
        self, message: str, exit_code: int | None, restarted: bool, cascade: "Cascade | None" = None
    ) -> None:
        self.exit_code = exit_code
        self.restarted = restarted
        self.cascade = cascade
        super().__init__(message)


class RegistrationRefused(CoordinatorError):
    """The kernel refused to register a cell; its graph is unchanged.

    ``ename`` is the kernel's error name (``CycleError``,
    ``MultipleDefinitionError``, ``SyntaxError``, ``CellTooLarge``, ``BadRequest``).
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
        super().__init__(cell_id, "CycleError", evalue, traceback)
        self.cycle = cycle


class CellConflictError(RegistrationRefused):
    """The cell defines ``name``, which cell ``owner`` already defines."""

    def __init__(
        self, cell_id: str, evalue: str, name: str, owner: str, traceback: list[str] | None = None
    ) -> None:
        super().__init__(cell_id, "MultipleDefinitionError", evalue, traceback)
        self.name = name
        self.owner = owner


class CellSyntaxError(RegistrationRefused):
    """The cell does not parse; ``lineno`` is the line, if the kernel said."""

    def __init__(self, cell_id: str, evalue: str, lineno: int | None, traceback: list[str] | None = None) -> None:
        super().__init__(cell_id, "SyntaxError", evalue, traceback)
        self.lineno = lineno


class NotebookRefused(CoordinatorError):
    """Some cells of a notebook were refused at registration; nothing ran.

    ``refusals`` pairs each refused cell's index in the notebook with its
    refusal; ``registrations`` holds the cells that were accepted.
    """

    def __init__(
        self, refusals: list[tuple[int, RegistrationRefused]], registrations: list["Registration"]
    ) -> None:
        self.refusals = refusals
        self.registrations = registrations
        lines = [f"cell {index} ({err.cell_id}): {err.ename}: {err.evalue}" for index, err in refusals]
        super().__init__(f"{len(refusals)} cell(s) refused:\n" + "\n".join(lines))


def refusal_from_reply(cell_id: str, content: dict) -> RegistrationRefused:
    """The typed refusal for an error reply to a registration (register or execute)."""
    ename = content.get("ename") or "Error"
    evalue = content.get("evalue") or ""
    traceback = content.get("traceback") or []
    if ename == "CycleError":
        cycle = [(str(step[0]), str(step[1])) for step in content.get("cycle") or []]
        return CellCycleError(cell_id, evalue, cycle, traceback)
    if ename == "MultipleDefinitionError":
        return CellConflictError(cell_id, evalue, content.get("name"), content.get("owner"), traceback)
    if ename == "SyntaxError":
        return CellSyntaxError(cell_id, evalue, content.get("lineno"), traceback)
    return RegistrationRefused(cell_id, ename, evalue, traceback)


_REFUSALS = frozenset({"CycleError", "MultipleDefinitionError"})


# -- records -----------------------------------------------------------------
@dataclass(frozen=True)
class Registration:
    """A registered cell as the kernel sees it: its names and its neighbours."""

    cell_id: str
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    children: tuple[str, ...] = ()

    @classmethod
    def from_reply(cls, content: dict) -> "Registration":
        """Build from a ``register_cell_reply``."""
        return cls(
            content["cell_id"],
            tuple(content.get("reads") or ()),
            tuple(content.get("writes") or ()),
            tuple(content.get("parents") or ()),
            tuple(content.get("children") or ()),
        )


@dataclass
class CellRun:
    """One cell's part in a cascade.

    ``status`` is ``ok``, ``error``, ``blocked`` (registration refused, see
    ``refusal``), ``skipped`` (see ``blocked_by`` and ``reason``),
    ``interrupted`` or ``stale``.  ``outputs`` are nbformat v4 output dicts in
    order (streams, displays, results, errors); ``msg_id`` is the request the
    kernel published them under.
    """

    cell_id: str
    status: str = "running"
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


@dataclass
class Cascade:
    """What one request ran: a record per cell, in run order, the requested cell first.

    ``cell_id`` is the executed (or unregistered) cell; ``deleted`` lists what
    the kernel deleted (cells for an execute, names for an unregister);
    ``restarted`` is true when the kernel died during the request and a new
    one took over.
    """

    cell_id: str
    msg_id: str
    runs: list[CellRun]
    deleted: list[str] = field(default_factory=list)
    execution_count: int | None = None
    restarted: bool = False

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
    """Something that happened to a cell while a request ran.

    ``kind`` and ``data``:

    - ``cell_status``: ``status`` (running, ok, error, blocked, skipped,
      interrupted, stale) and ``index`` (its place in the cascade so far)
    - ``cell_stdout`` / ``cell_stderr``: ``text``
    - ``cell_output``: ``output_type`` (display_data, execute_result,
      update_display_data), ``data``, ``metadata``, ``display_id``
    - ``cell_error``: ``ename``, ``evalue``, ``traceback``
    - ``cell_clear``: ``wait``
    - ``kernel_restarted`` (``cell_id`` None): ``exit_code``, ``cells``

    ``request`` is the msg_id of the request that caused it.
    """

    kind: str
    cell_id: str | None
    request: str
    data: dict

    def to_json(self) -> dict:
        """A JSON-ready dict."""
        return {"kind": self.kind, "cell_id": self.cell_id, "request": self.request, **self.data}


_CLOSED = object()


class EventStream:
    """An async iterator over a coordinator's events, from its creation on.

    It ends when the coordinator shuts down or ``close()`` is called.
    """

    def __init__(self, coordinator: "Coordinator") -> None:
        self._queue: asyncio.Queue = asyncio.Queue()
        self._coordinator = coordinator
        coordinator._streams.add(self)

    def _put(self, item: Any) -> None:
        self._queue.put_nowait(item)

    def close(self) -> None:
        """Stop receiving; iteration ends after the events already queued."""
        if self in self._coordinator._streams:
            self._coordinator._streams.discard(self)
            self._put(_CLOSED)

    def __aiter__(self) -> "EventStream":
        return self

    async def __anext__(self) -> CellEvent:
        item = await self._queue.get()
        if item is _CLOSED:
            raise StopAsyncIteration
        return item


# -- collecting a request's iopub traffic ------------------------------------
def _reactive_tag(msg: dict) -> Tag | None:
    if msg["msg_type"] not in ("display_data", "update_display_data"):
        return None
    return tag_of(msg)


def _output(msg: dict) -> dict:
    """The nbformat v4 output for a stream, display_data, execute_result or error message."""
    kind = msg["msg_type"]
    content = msg["content"]
    if kind == "stream":
        return {"output_type": kind, "name": content["name"], "text": content["text"]}
    if kind == "error":
        return {"output_type": kind, "ename": content["ename"], "evalue": content["evalue"],
                "traceback": list(content["traceback"])}
    output = {"output_type": kind, "data": content.get("data", {}), "metadata": content.get("metadata", {})}
    if kind == "execute_result":
        output["execution_count"] = content.get("execution_count")
    return output


class _Collector:
    """Sorts one request's iopub messages into per-cell runs, emitting events as they come.

    Messages under the request itself belong to the requested cell until a
    heading names another cell; messages under one of our earlier execute
    requests belong to that request's cell.
    """

    def __init__(
        self, msg_id: str, cell_id: str, own_run: bool, earlier: dict[str, str],
        emit: Callable[[CellEvent], None],
    ) -> None:
        self.msg_id = msg_id
        self.cell_id = cell_id
        self.own_run = own_run
        self.earlier = earlier
        self.emit = emit
        self.runs: dict[str, CellRun] = {}
        self.section: CellRun | None = None
        self.active: CellRun | None = None
        self.announced: dict[str, str] = {}
        self.pending_clear: set[str] = set()
        self.displays: dict[str, list[dict]] = {}

    def _event(self, kind: str, run: CellRun, **data: Any) -> None:
        self.emit(CellEvent(kind, run.cell_id, self.msg_id, data))

    def _status(self, run: CellRun) -> None:
        if self.announced.get(run.cell_id) != run.status:
            self.announced[run.cell_id] = run.status
            self._event("cell_status", run, status=run.status, index=run.index)

    def _start(self, cell_id: str, msg_id: str, notice: str | None = None) -> CellRun:
        run = self.runs.get(cell_id)
        if run is None:
            run = self.runs[cell_id] = CellRun(cell_id, index=len(self.runs), msg_id=msg_id)
        if self.active is not None and self.active is not run:
            self._close(self.active)
        self.active = run
        run.status = notice or "running"
        self._status(run)
        return run

    def _close(self, run: CellRun) -> None:
        if run.status == "running":
            run.status = "error" if run.ename else "ok"
            self._status(run)

    def feed(self, msg: dict) -> None:
        """Take one iopub message (any parent); ignores what is not ours."""
        parent = msg["parent_header"].get("msg_id")
        kind = msg["msg_type"]
        tag = _reactive_tag(msg)
        if parent == self.msg_id:
            if kind == "status":
                if msg["content"].get("execution_state") == "busy" and self.own_run:
                    self.section = self._start(self.cell_id, parent)
                return
            if tag is not None:
                if tag.cell_id is not None and tag.kind in (TagKind.HEADING, TagKind.NOTICE):
                    notice = tag.status.value if tag.kind is TagKind.NOTICE and tag.status else None
                    self.section = self._start(tag.cell_id, parent, notice)
                return
            run = self.section
        elif parent in self.earlier:
            if tag is not None:
                if tag.kind is TagKind.NOTICE and tag.status is not None:
                    self._start(self.earlier[parent], parent, tag.status.value)
                return
            run = self.runs.get(self.earlier[parent]) or self._start(self.earlier[parent], parent)
        else:
            return
        if run is not None:
            self._apply(run, msg)

    def _apply(self, run: CellRun, msg: dict) -> None:
        kind = msg["msg_type"]
        content = msg["content"]
        if kind == "clear_output":
            if content.get("wait"):
                self.pending_clear.add(run.cell_id)
            else:
                run.outputs.clear()
            self._event("cell_clear", run, wait=bool(content.get("wait")))
            return
        if kind == "update_display_data":
            display_id = (content.get("transient") or {}).get("display_id")
            for output in self.displays.get(display_id, ()):
                output["data"] = content.get("data", {})
                output["metadata"] = content.get("metadata", {})
            self._event("cell_output", run, output_type=kind, data=content.get("data", {}),
                        metadata=content.get("metadata", {}), display_id=display_id)
            return
        if kind not in ("stream", "display_data", "execute_result", "error"):
            return
        if run.cell_id in self.pending_clear:
            self.pending_clear.discard(run.cell_id)
            run.outputs.clear()
        if kind == "stream":
            last = run.outputs[-1] if run.outputs else None
            if last is not None and last["output_type"] == "stream" and last["name"] == content["name"]:
                last["text"] += content["text"]
            else:
                run.outputs.append(_output(msg))
            self._event("cell_stdout" if content["name"] == "stdout" else "cell_stderr", run, text=content["text"])
        elif kind == "error":
            run.outputs.append(_output(msg))
            self._event("cell_error", run, ename=content["ename"], evalue=content["evalue"],
                        traceback=list(content["traceback"]))
        else:
            output = _output(msg)
            run.outputs.append(output)
            display_id = (content.get("transient") or {}).get("display_id")
            if display_id:
                self.displays.setdefault(display_id, []).append(output)
            self._event("cell_output", run, output_type=kind, data=content.get("data", {}),
                        metadata=content.get("metadata", {}), display_id=display_id)

    def finish(self, own_status: str | None, entries: list[dict]) -> list[CellRun]:
        """Order the runs as the reply says and give each the status it reports."""
        ordered: list[CellRun] = []
        if self.own_run:
            run = self.runs.get(self.cell_id) or CellRun(self.cell_id, msg_id=self.msg_id)
            run.status = own_status or ("error" if run.ename else "ok")
            ordered.append(run)
        for entry in entries:
            cell_id = entry.get("cell_id")
            run = self.runs.get(cell_id) or CellRun(cell_id)
            run.status = entry.get("status", "ok")
            run.msg_id = entry.get("msg_id", run.msg_id)
            run.blocked_by = entry.get("blocked_by")
            run.reason = entry.get("reason")
            ordered.append(run)
        for index, run in enumerate(ordered):
            run.index, run.total = index, len(ordered)
            self._status(run)
        return ordered

    def crash(self, exit_code: int | None) -> list[CellRun]:
        """Close the runs seen so far; the running one gets a KernelDied error."""
        running = self.active
        if running is None or running.status != "running":
            running = self.runs.get(self.cell_id) if self.own_run else None
            if running is None and self.own_run:
                running = self._start(self.cell_id, self.msg_id)
        if running is not None:
            evalue = f"the kernel died (exit code {exit_code}) while cell {running.cell_id} was running"
            error = {
                "output_type": "error", "ename": "KernelDied", "evalue": evalue,
                "traceback": [f"KernelDied: {evalue}"],
            }
            running.outputs.append(error)
            self._event("cell_error", running, ename="KernelDied", evalue=evalue, traceback=error["traceback"])
            running.status = "error"
        ordered = list(self.runs.values())
        for index, run in enumerate(ordered):
            self._close(run)
            run.index, run.total = index, len(ordered)
            self._status(run)
        return ordered


class _Request:
    """A request in flight: its reply, whether its idle came, and its collector."""

    def __init__(self, msg_id: str, collector: _Collector | None) -> None:
        self.msg_id = msg_id
        self.collector = collector
        self.reply: dict | None = None
        self.idle = False
        self.half_done_at: float | None = None
        self.changed = asyncio.Event()

    def _mark(self) -> None:
        if self.half_done_at is None:
            self.half_done_at = asyncio.get_running_loop().time()
        self.changed.set()

    def on_reply(self, msg: dict) -> None:
        self.reply = msg
        self._mark()

    def on_iopub(self, msg: dict) -> None:
        if self.collector is not None:
            self.collector.feed(msg)
        if (
            msg["msg_type"] == "status"
            and msg["parent_header"].get("msg_id") == self.msg_id
            and msg["content"].get("execution_state") == "idle"
        ):
            self.idle = True
            self._mark()


class _KernelGone(Exception):
    def __init__(self, exit_code: int | None, request: _Request) -> None:
        self.exit_code = exit_code
        self.request = request
        super().__init__(exit_code)


# -- the coordinator ---------------------------------------------------------
class Coordinator:
    """An asyncio client of one reactive kernel.

    Start a kernel of spec ``kernel_name`` (in ``cwd``), or attach to a running
    one with ``connection_file``.  Requests run one at a time.  ``on_event`` is
    called with every ``CellEvent``; ``events()`` streams them too.
    """

    def __init__(
        self,
        kernel_name: str = KERNEL_NAME,
        *,
        connection_file: str | os.PathLike | None = None,
        cwd: str | os.PathLike | None = None,
        startup_timeout: float = 60.0,
        on_event: Callable[[CellEvent], None] | None = None,
        poll_interval: float = 0.2,
    ) -> None:
        self.kernel_name = kernel_name
        self.connection_file = os.fspath(connection_file) if connection_file is not None else None
        self.cwd = os.fspath(cwd) if cwd is not None else None
        self.startup_timeout = startup_timeout
        self.on_event = on_event
        self.poll_interval = poll_interval
        self.restarts = 0
        self._km = None
        self._kc = None
        self._tasks: list[asyncio.Task] = []
        self._lock = asyncio.Lock()
        self._current: _Request | None = None
        self._cells: dict[str, str] = {}
        self._registrations: dict[str, Registration] = {}
        self._names: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._last_request: dict[str, str] = {}
        self._streams: set[EventStream] = set()
        self._silent_since: float | None = None

    # -- state -----------------------------------------------------------
    @property
    def cells(self) -> dict[str, str]:
        """Registered cells (id -> last code), in registration order."""
        return dict(self._cells)

    @property
    def registrations(self) -> dict[str, Registration]:
        """The kernel's reply to each cell's registration, while the cell keeps that code."""
        return dict(self._registrations)

    @property
    def owns_kernel(self) -> bool:
        """Whether this coordinator started the kernel (and can restart it)."""
        return self.connection_file is None

    @property
    def client(self):
        """The jupyter_client AsyncKernelClient in use."""
        return self._kc

    # -- life cycle --------------------------------------------------------
    async def start(self) -> "Coordinator":
        """Start (or attach to) the kernel; raises KernelStartError."""
        if self._kc is not None:
            return self
        await self._launch()
        return self

    async def _launch(self) -> None:
        from jupyter_client import AsyncKernelClient, AsyncKernelManager

        if self.connection_file is not None:
            kc = AsyncKernelClient()
            kc.load_connection_file(self.connection_file)
            km = None
        else:
            km = AsyncKernelManager(kernel_name=self.kernel_name)
            try:
                await km.start_kernel(cwd=self.cwd)
            except Exception as err:
                raise KernelStartError(f"could not start kernel {self.kernel_name!r}: {err}") from err
            kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=self.startup_timeout)
        except RuntimeError as err:
            kc.stop_channels()
            if km is not None:
                await km.shutdown_kernel(now=True)
            raise KernelStartError(f"kernel {self.kernel_name!r} did not answer: {err}") from err
        self._km, self._kc = km, kc
        self._silent_since = None
        self._tasks = [
            asyncio.create_task(self._read_shell(), name="reactive-coordinator-shell"),
            asyncio.create_task(self._read_iopub(), name="reactive-coordinator-iopub"),
        ]

    async def _close_client(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
        self._tasks = []
        if self._kc is not None:
            self._kc.stop_channels()
        self._kc = None

    async def shutdown(self) -> None:
        """Stop the kernel (or detach from one we attached to) and end event streams."""
        await self._close_client()
        if self._km is not None:
            await self._km.shutdown_kernel(now=False)
            self._km = None
        for stream in list(self._streams):
            stream.close()

    async def __aenter__(self) -> "Coordinator":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.shutdown()

    # -- events ----------------------------------------------------------
    def events(self) -> EventStream:
        """An async iterator over events from now on (see CellEvent)."""
        return EventStream(self)

    def _emit(self, event: CellEvent) -> None:
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:
                log.exception("on_event callback failed for %s", event.kind)
        for stream in self._streams:
            stream._put(event)

    # -- channels ----------------------------------------------------------
    async def _read_shell(self) -> None:
        kc = self._kc
        while True:
            try:
                msg = await kc.get_shell_msg()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not read a shell message")
                if not kc.shell_channel.is_alive():
                    return
                continue
            request = self._current
            if request is not None and msg["parent_header"].get("msg_id") == request.msg_id:
                request.on_reply(msg)

    async def _read_iopub(self) -> None:
        kc = self._kc
        while True:
            try:
                msg = await kc.get_iopub_msg()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not read an iopub message")
                if not kc.iopub_channel.is_alive():
                    return
                continue
            request = self._current
            if request is not None:
                try:
                    request.on_iopub(msg)
                except Exception:
                    log.exception("could not handle iopub %s", msg.get("msg_type"))

    async def _exit_code(self) -> int | None:
        """None while the kernel lives; its exit code (or -1 when unknown) once dead."""
        if self._km is not None:
            if await self._km.is_alive():
                return None
            code = await self._km.provisioner.poll() if self._km.provisioner is not None else None
            return -1 if code is None else code
        loop = asyncio.get_running_loop()
        if self._kc.hb_channel.is_beating():
            self._silent_since = None
            return None
        if self._silent_since is None:
            self._silent_since = loop.time()
        return -1 if loop.time() - self._silent_since > _HEARTBEAT_GRACE else None

    async def _roundtrip(
        self,
        msg_type: str,
        content: dict,
        metadata: dict | None = None,
        collector_for: str | None = None,
        own_run: bool = False,
    ) -> tuple[dict, _Request]:
        """Send a shell request and wait for its reply and idle; the lock must be held.

        Raises _KernelGone when the kernel dies first, CoordinatorError when it
        answers only half (a reply with no idle, or idle with no reply).
        """
        if self._kc is None:
            raise CoordinatorError("the coordinator is not started")
        msg = self._kc.session.msg(msg_type, content, metadata=metadata or {})
        msg_id = msg["header"]["msg_id"]
        collector = None
        if collector_for is not None:
            earlier = {m: c for c, m in self._last_request.items()}
            collector = _Collector(msg_id, collector_for, own_run, earlier, self._emit)
        request = _Request(msg_id, collector)
        self._current = request
        try:
            self._kc.shell_channel.send(msg)
            loop = asyncio.get_running_loop()
            while not (request.reply is not None and request.idle):
                request.changed.clear()
                try:
                    await asyncio.wait_for(request.changed.wait(), self.poll_interval)
                    continue
                except asyncio.TimeoutError:
                    pass
                exit_code = await self._exit_code()
                if exit_code is not None:
                    raise _KernelGone(exit_code, request)
                if request.half_done_at is not None and loop.time() - request.half_done_at > _END_GRACE:
                    half = "no reply" if request.reply is None else "no idle status"
                    raise CoordinatorError(
                        f"the kernel sent {half} for {msg_type}; is it a reactive-python kernel?"
                    )
        finally:
            self._current = None
        return request.reply, request

    # -- recovery --------------------------------------------------------
    async def _recover(self, exit_code: int | None) -> None:
        """Start a new kernel and register every cell again; the lock must be held."""
        await self._close_client()
        await self._km.shutdown_kernel(now=True)
        self._km = None
        self._last_request.clear()
        await self._launch()
        self.restarts += 1
        for cell_id, code in list(self._cells.items()):
            reply, _ = await self._roundtrip("register_cell_request", {"cell_id": cell_id, "code": code})
            if reply["content"].get("status") == "ok":
                self._remember(Registration.from_reply(reply["content"]))
            else:
                log.warning(
                    "cell %s was refused after the restart: %s", cell_id, reply["content"].get("evalue")
                )
                self._forget(cell_id)
        self._emit(CellEvent("kernel_restarted", None, "", {"exit_code": exit_code, "cells": len(self._cells)}))

    async def _died(self, gone: _KernelGone, what: str, cascade: Cascade | None = None) -> None:
        """Handle a kernel death during ``what``: restart if we own it, else raise."""
        if not self.owns_kernel:
            raise KernelDiedError(
                f"the kernel died during {what} (attached kernels are not restarted)", gone.exit_code, False, cascade
            )
        await self._recover(gone.exit_code)

    # -- requests ----------------------------------------------------------
    async def register(self, cell_id: str, code: str) -> Registration:
        """Register a cell without running it.

        Raises a RegistrationRefused subclass (CellCycleError,
        CellConflictError, CellSyntaxError) when the kernel refuses, and
        KernelDiedError when the kernel dies meanwhile.
        """
        async with self._lock:
            try:
                reply, _ = await self._roundtrip("register_cell_request", {"cell_id": cell_id, "code": code})
            except _KernelGone as gone:
                await self._died(gone, f"the registration of {cell_id}")
                raise KernelDiedError(
                    f"the kernel died during the registration of {cell_id}; a new one runs the other cells",
                    gone.exit_code, True,
                ) from None
        content = reply["content"]
        if content.get("status") != "ok":
            raise refusal_from_reply(cell_id, content)
        self._cells[cell_id] = code
        return self._remember(Registration.from_reply(content))

    def _remember(self, registration: Registration) -> Registration:
        self._registrations[registration.cell_id] = registration
        self._names[registration.cell_id] = (registration.reads, registration.writes)
        return registration

    async def unregister(self, cell_id: str) -> Cascade:
        """Unregister a cell; its names go and its dependents re-run (returned).

        Raises UnknownCellError when the kernel does not know the cell.
        """
        async with self._lock:
            try:
                reply, request = await self._roundtrip(
                    "unregister_cell_request", {"cell_id": cell_id}, collector_for=cell_id
                )
            except _KernelGone as gone:
                await self._died(gone, f"the unregistration of {cell_id}")
                self._forget(cell_id)
                return Cascade(cell_id, "", [], restarted=True)
        content = reply["content"]
        if content.get("status") != "ok":
            if content.get("ename") == "UnknownCell":
                self._forget(cell_id)
                raise UnknownCellError(cell_id)
            raise CoordinatorError(f"{content.get('ename')}: {content.get('evalue')}")
        self._forget(cell_id)
        runs = request.collector.finish(None, content.get("cascade") or [])
        self._fill_names(runs)
        return Cascade(cell_id, request.msg_id, runs, deleted=list(content.get("deleted") or []))

    def _forget(self, cell_id: str) -> None:
        self._cells.pop(cell_id, None)
        self._registrations.pop(cell_id, None)
        self._names.pop(cell_id, None)
        self._last_request.pop(cell_id, None)

    def _fill_names(self, runs: list[CellRun]) -> None:
        for run in runs:
            if run.cell_id in self._names and not run.writes and not run.reads:
                run.reads, run.writes = self._names[run.cell_id]

    async def execute(self, cell_id: str, code: str | None = None) -> Cascade:
        """Run a cell (with new ``code``, or its registered code) and its cascade.

        Returns one CellRun per cell run, the executed cell first.  A refused
        registration is not raised: the first run has status ``blocked`` and
        its ``refusal``.  When the kernel dies, the running cell's record is
        an error ``KernelDied``, a new kernel takes over with every registered
        cell (this one with its new code, unless the old kernel refused it),
        and the cascade has ``restarted`` set (for an attached kernel,
        KernelDiedError is raised instead).  Raises UnknownCellError when
        ``code`` is None and the cell is not registered here.
        """
        if code is None:
            if cell_id not in self._cells:
                raise UnknownCellError(cell_id)
            code = self._cells[cell_id]
        content = {
            "code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": False,
        }
        async with self._lock:
            try:
                reply, request = await self._roundtrip(
                    "execute_request", content, {"cellId": cell_id}, collector_for=cell_id, own_run=True
                )
            except _KernelGone as gone:
                collector = gone.request.collector
                started = collector.runs.get(cell_id)
                if started is not None and started.ename not in _REFUSALS and self._cells.get(cell_id) != code:
                    self._registrations.pop(cell_id, None)
                    self._cells[cell_id] = code
                cascade = Cascade(cell_id, gone.request.msg_id, [], restarted=self.owns_kernel)
                cascade.runs = collector.crash(gone.exit_code)
                self._fill_names(cascade.runs)
                await self._died(gone, f"the execution of {cell_id}", cascade)
                return cascade
        return self._finish_execute(cell_id, code, reply, request)

    def _finish_execute(self, cell_id: str, code: str, reply: dict, request: _Request) -> Cascade:
        content = reply["content"]
        report = (reply.get("metadata") or {}).get("reactive") or {}
        own_status = report.get("status") or ("ok" if content.get("status") == "ok" else "error")
        refusal = None
        if own_status == "blocked" or (content.get("status") == "error" and content.get("ename") in _REFUSALS):
            own_status = "blocked"
            refusal = refusal_from_reply(cell_id, content)
        else:
            started = request.collector.runs.get(cell_id)
            if own_status == "error" and started is not None and started.ename == "KeyboardInterrupt":
                own_status = "interrupted"
        runs = request.collector.finish(own_status, report.get("cascade") or [])
        own = runs[0]
        own.execution_count = content.get("execution_count")
        own.refusal = refusal
        own.reads = tuple(report.get("reads") or ())
        own.writes = tuple(report.get("writes") or ())
        # The kernel sends a cell's later cascade outputs under its latest request, whatever its outcome.
        self._last_request[cell_id] = request.msg_id
        # A cell that does not parse runs (and raises) but stays registered with its old code.
        if refusal is None and report.get("registered", True):
            if self._cells.get(cell_id) != code:
                self._registrations.pop(cell_id, None)
            self._cells[cell_id] = code
            self._names[cell_id] = (own.reads, own.writes)
        elif refusal is not None and not own.outputs:
            own.outputs.append({"output_type": "error", "ename": refusal.ename, "evalue": refusal.evalue,
                                "traceback": refusal.traceback})
        for gone in report.get("deleted") or ():
            self._forget(gone)
        self._fill_names(runs)
        return Cascade(cell_id, request.msg_id, runs, deleted=list(report.get("deleted") or []),
                       execution_count=content.get("execution_count"))

    async def interrupt(self) -> None:
        """Interrupt whatever the kernel is running (SIGINT, or an interrupt_request)."""
        if self._km is not None:
            await self._km.interrupt_kernel()
        elif self._kc is not None:
            self._kc.control_channel.send(self._kc.session.msg("interrupt_request", {}))

    async def load_notebook(self, notebook) -> list[Registration]:
        """Register every code cell of a notebook (a path or a NotebookNode) under its id.

        Every cell is tried; raises NotebookRefused listing every refusal (with
        the cells' indexes) when any was refused.  Nothing runs.
        """
        from .notebooks import read_notebook

        nb = read_notebook(notebook) if isinstance(notebook, (str, os.PathLike)) else notebook
        registrations: list[Registration] = []
        refusals: list[tuple[int, RegistrationRefused]] = []
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            try:
                registrations.append(await self.register(cell.id, cell.source))
            except RegistrationRefused as err:
                refusals.append((index, err))
        if refusals:
            raise NotebookRefused(refusals, registrations)
        return registrations


class BlockingCoordinator:
    """The Coordinator's API as blocking calls, for scripts and tests.

    The coordinator runs on an event loop in a thread of its own;
    ``on_event`` callbacks are called on that thread.  Options are those of
    Coordinator.  ``interrupt()`` may be called from another thread while
    ``execute()`` blocks.
    """

    def __init__(self, kernel_name: str = KERNEL_NAME, **options: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="reactive-coordinator", daemon=True)
        self._thread.start()
        self.coordinator: Coordinator = self._call(self._create(kernel_name, options))

    @staticmethod
    async def _create(kernel_name: str, options: dict) -> Coordinator:
        return Coordinator(kernel_name, **options)

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    async def _read(self, name: str) -> Any:
        return getattr(self.coordinator, name)

    @property
    def cells(self) -> dict[str, str]:
        """Registered cells (id -> last code), in registration order."""
        return self._call(self._read("cells"))

    @property
    def registrations(self) -> dict[str, Registration]:
        """What the kernel last said about each registered cell."""
        return self._call(self._read("registrations"))

    def start(self) -> "BlockingCoordinator":
        """Start (or attach to) the kernel; raises KernelStartError."""
        self._call(self.coordinator.start())
        return self

    def shutdown(self) -> None:
        """Stop the kernel (or detach) and stop the event-loop thread."""
        if self._loop.is_closed():
            return
        try:
            self._call(self.coordinator.shutdown())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()

    def register(self, cell_id: str, code: str) -> Registration:
        """See Coordinator.register."""
        return self._call(self.coordinator.register(cell_id, code))

    def unregister(self, cell_id: str) -> Cascade:
        """See Coordinator.unregister."""
        return self._call(self.coordinator.unregister(cell_id))

    def execute(self, cell_id: str, code: str | None = None) -> Cascade:
        """See Coordinator.execute."""
        return self._call(self.coordinator.execute(cell_id, code))

    def interrupt(self) -> None:
        """See Coordinator.interrupt."""
        self._call(self.coordinator.interrupt())

    def load_notebook(self, notebook) -> list[Registration]:
        """See Coordinator.load_notebook."""
        return self._call(self.coordinator.load_notebook(notebook))

    def __enter__(self) -> "BlockingCoordinator":
        try:
            return self.start()
        except BaseException:
            self.shutdown()
            raise

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
