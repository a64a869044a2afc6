"""Drive a ``reactive-python`` kernel from asyncio: register cells, run cascades, stream events.

The coordinator keeps no graph of its own: the kernel owns the graph, and the
coordinator sends requests (docs/protocol.md), each with the notebook's order
in ``metadata.cellOrder``, and gathers what comes back into per-cell records.
When a kernel it started dies, it starts a new one with every registered cell
registered again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .. import KERNEL_NAME
from ..core.protocol import (
    CELL_ID,
    CELL_ORDER,
    REGISTER_REQUEST,
    UNREGISTER_REQUEST,
    ErrorName,
)
from .collector import Collector
from .connection import AttachedKernel, KernelLink, LocalKernel
from .errors import (
    CellNotRegisteredError,
    CoordinatorError,
    RegistrationRefused,
    refusal_from_reply,
)
from .events import EventHub, EventStream
from .failures import KernelDiedError, NotebookRefused
from .order import CellOrder
from .records import CascadeResult, CellEvent, CellRun, KernelRestart, Registration

if TYPE_CHECKING:
    from .gateway import Gateway
    from .metrics import Metrics

__all__ = ["Coordinator"]

log = logging.getLogger(__name__)

#: Seconds to wait for the other half of a request's end (reply or idle) once one half came.
END_GRACE = 10.0


class _KernelGone(Exception):
    """The kernel died while a request waited; never leaves this module."""

    def __init__(self, exit_code: int | None) -> None:
        self.exit_code = exit_code
        self.request: _InFlight | None = None
        super().__init__(exit_code)


def _collected(request: _InFlight) -> Collector:
    """The collector of a request made with one; raises CoordinatorError otherwise."""
    if request.collector is None:
        raise CoordinatorError(f"request {request.msg_id} collected no results")
    return request.collector


class _InFlight:
    """A request waiting for its reply and its idle status."""

    def __init__(self, msg_id: str, collector: Collector | None) -> None:
        self.msg_id = msg_id
        self.collector = collector
        self.reply: dict | None = None
        #: whether the kernel took the request up (its busy status came)
        self.started = False
        self.idle = False
        self.done: asyncio.Future = asyncio.get_running_loop().create_future()
        self._grace: asyncio.TimerHandle | None = None

    def on_shell(self, msg: dict) -> None:
        if msg["parent_header"].get("msg_id") == self.msg_id:
            self.reply = msg
            self._progress()

    def on_iopub(self, msg: dict) -> None:
        if self.collector is not None:
            self.collector.feed(msg)
        if msg["msg_type"] == "status" and msg["parent_header"].get("msg_id") == self.msg_id:
            state = msg["content"].get("execution_state")
            if state == "busy":
                self.started = True
            elif state == "idle":
                self.idle = True
                self._progress()

    def _progress(self) -> None:
        if self.done.done():
            return
        if self.reply is not None and self.idle:
            if self._grace is not None:
                self._grace.cancel()
            self.done.set_result(self.reply)
        elif self._grace is None:
            self._grace = asyncio.get_running_loop().call_later(END_GRACE, self._half_answered)

    def _half_answered(self) -> None:
        half = "no reply" if self.reply is None else "no idle status"
        self.fail(CoordinatorError(f"the kernel sent {half} for a request; is it a reactive-python kernel?"))

    def fail(self, error: BaseException) -> None:
        if self._grace is not None:
            self._grace.cancel()
        if not self.done.done():
            self.done.set_exception(error)


class Coordinator:
    """An asyncio client of one reactive kernel.

    Start a kernel of spec ``kernel_name`` (in ``cwd``), on a Jupyter
    Kernel Gateway or Enterprise Gateway with ``gateway``, or attach to a
    running one with ``connection_file``.  Requests run one at a time.
    ``on_event`` is called with every ``CellEvent``; ``events()`` streams them
    too.  ``poll_interval`` is how often, in seconds, jupyter_client checks
    that a local kernel this coordinator started is still alive, and
    ``transport`` how it talks to it: ``tcp`` on the loopback address, or
    ``ipc`` over Unix sockets (no network port; the kernel then has no
    reason to warn that its traffic is unencrypted).
    ``metrics`` gets the kernel's starts, deaths, cascades and refusals.
    ``restart_idle`` says whether a kernel that dies between requests is
    replaced at once (the default) or when the next request comes.
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
        gateway: Gateway | None = None,
        metrics: Metrics | None = None,
        restart_idle: bool = True,
        transport: str = "tcp",
    ) -> None:
        if connection_file is not None and gateway is not None:
            raise ValueError("give connection_file or gateway, not both")
        self.kernel_name = kernel_name
        self.restart_idle = restart_idle
        self._attached = connection_file is not None
        self._metrics = metrics
        folder = os.fspath(cwd) if cwd is not None else None
        self._make_link: Callable[[], KernelLink]
        if connection_file is not None:
            path = os.fspath(connection_file)
            self._make_link = lambda: AttachedKernel(path, startup_timeout=startup_timeout)
        elif gateway is not None:
            from .gateway import GatewayKernel

            self._make_link = lambda: GatewayKernel(gateway, kernel_name, cwd=folder, startup_timeout=startup_timeout)
        else:
            self._make_link = lambda: LocalKernel(
                kernel_name,
                cwd=folder,
                startup_timeout=startup_timeout,
                liveness_interval=poll_interval,
                transport=transport,
            )
        self._link: KernelLink | None = None
        self._hub = EventHub(on_event)
        self._lock = asyncio.Lock()
        self._current: _InFlight | None = None
        self._cells: dict[str, str] = {}
        self._registrations: dict[str, Registration] = {}
        self._names: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._last_request: dict[str, str] = {}
        self._order = CellOrder()
        self._restarts = 0
        self._lost: tuple[int | None] | None = None
        self._pending_restart: KernelRestart | None = None
        self._recovery: asyncio.Task | None = None

    # -- state -------------------------------------------------------------------
    @property
    def cells(self) -> dict[str, str]:
        """Registered cells (id -> latest code), in notebook order."""
        return {cell_id: self._cells[cell_id] for cell_id in self._order.ids if cell_id in self._cells}

    @property
    def registrations(self) -> dict[str, Registration]:
        """The kernel's reply to each cell's registration, while the cell keeps that code."""
        return dict(self._registrations)

    @property
    def order(self) -> list[str]:
        """The notebook's code-cell ids, top to bottom, as sent in ``cellOrder``."""
        return self._order.ids

    @property
    def owns_kernel(self) -> bool:
        """Whether this coordinator starts its kernel (and can restart it)."""
        return not self._attached

    @property
    def restarts(self) -> int:
        """How many times a new kernel took over from a dead one."""
        return self._restarts

    @property
    def on_event(self) -> Callable[[CellEvent], None] | None:
        """The callback that gets every event (None for none)."""
        return self._hub.on_event

    @on_event.setter
    def on_event(self, callback: Callable[[CellEvent], None] | None) -> None:
        self._hub.on_event = callback

    def set_order(self, ids: Iterable[str]) -> None:
        """Make ``ids`` (the notebook's code-cell ids, top to bottom) the order sent from now on.

        Ids of cells not registered yet are welcome.  Raises ValueError when an
        id repeats or a registered cell is missing (unregister it first).
        """
        ids = list(ids)
        missing = [cell_id for cell_id in self._cells if cell_id not in ids]
        if missing:
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            raise ValueError(f"registered cells missing from the order: {', '.join(missing[:5])}{more}")
        self._order.replace(ids)

    # -- life cycle ------------------------------------------------------------------
    async def start(self) -> Coordinator:
        """Start (or attach to) the kernel; raises KernelStartError."""
        if self._link is None:
            link = self._make_link()
            began = time.perf_counter()
            try:
                await link.open(self._on_message, lambda code: self._on_death(link, code))
            except BaseException:
                await link.close()
                raise
            self._link = link
            if self._metrics is not None:
                self._metrics.kernel_started(time.perf_counter() - began)
        return self

    async def shutdown(self) -> None:
        """Stop the kernel (or detach from one attached to) and end event streams."""
        link, self._link = self._link, None
        recovery, self._recovery = self._recovery, None
        if recovery is not None and not recovery.done():
            recovery.cancel()
            await asyncio.wait({recovery})
        if self._current is not None:
            self._current.fail(CoordinatorError("the coordinator shut down"))
        if link is not None:
            await link.close()
        self._hub.close()

    async def __aenter__(self) -> Coordinator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.shutdown()

    # -- events --------------------------------------------------------------------
    def events(self) -> EventStream:
        """An async iterator over events from now on (see CellEvent)."""
        return self._hub.stream()

    # -- messages and deaths ------------------------------------------------------------
    def _on_message(self, channel: str, msg: dict) -> None:
        request = self._current
        if request is not None:
            if channel == "shell":
                request.on_shell(msg)
            else:
                request.on_iopub(msg)

    def _on_death(self, link: KernelLink, exit_code: int | None) -> None:
        if link is not self._link:
            return
        self._lost = (exit_code,)
        request = self._current
        running = request.collector.running if request is not None and request.collector is not None else None
        self._noticed_death(exit_code, running, request.msg_id if request is not None else "")
        if request is not None:
            request.fail(_KernelGone(exit_code))
        elif link.restartable and self.restart_idle and (self._recovery is None or self._recovery.done()):
            self._recovery = asyncio.ensure_future(self._recover_idle())

    def _noticed_death(self, exit_code: int | None, running: str | None, request: str) -> None:
        self._hub.publish(CellEvent("kernel_died", running, request, {"exit_code": exit_code}))
        if self._metrics is not None:
            self._metrics.kernel_crashed()

    async def _recover_idle(self) -> None:
        """Replace a kernel that died between requests, so the next request finds a live one."""
        async with self._lock:
            if self._lost is None or self._link is None:
                return
            try:
                self._pending_restart = await self._recover(self._lost[0], None)
            except CoordinatorError as err:
                log.warning("could not replace the dead kernel (the next request tries again): %s", err)

    async def _ensure_kernel(self) -> None:
        """Before a request: replace the kernel if it died since the last one; the lock must be held."""
        if self._link is None:
            raise CoordinatorError("the coordinator is not started")
        if self._lost is None:
            if await self._link.alive():
                return
            exit_code = await self._link.exit_code()
            self._noticed_death(exit_code, None, "")
        else:
            exit_code = self._lost[0]
        self._pending_restart = await self._recover(exit_code, None)

    async def _recover(
        self,
        exit_code: int | None,
        running: str | None,
        *,
        before_request: bool = True,
        cascade: CascadeResult | None = None,
        request: str = "",
    ) -> KernelRestart:
        """Start a new kernel and register every cell on it; the lock must be held.

        ``before_request`` is false only for the request the kernel died in.
        Raises KernelDiedError when no new kernel can take over.
        """
        link = self._link
        if link is None or not link.restartable:
            raise KernelDiedError(
                f"the kernel died (exit code {exit_code}); a kernel attached to is not restarted",
                exit_code,
                cascade,
            )
        began = time.perf_counter()
        try:
            await link.restart()
        except CoordinatorError as err:
            raise KernelDiedError(
                f"the kernel died (exit code {exit_code}) and a new one did not start: {err}", exit_code, cascade
            ) from err
        if self._metrics is not None:
            self._metrics.kernel_started(time.perf_counter() - began, restart=True)
        self._lost = None
        self._restarts += 1
        self._last_request.clear()
        registered: list[str] = []
        refused: list[str] = []
        for cell_id, code in self.cells.items():
            try:
                reply, _ = await self._roundtrip(REGISTER_REQUEST, {"cell_id": cell_id, "code": code}, self._metadata())
            except _KernelGone as gone:
                raise KernelDiedError(
                    f"the new kernel died too (exit code {gone.exit_code}) while cells were registered again",
                    gone.exit_code,
                    cascade,
                ) from None
            content = reply["content"]
            if content.get("status") == "ok":
                self._remember(Registration.from_reply(content))
                registered.append(cell_id)
            else:
                log.warning("cell %s was refused by the new kernel: %s", cell_id, content.get("evalue"))
                self._forget(cell_id)
                refused.append(cell_id)
        restart = KernelRestart(exit_code, running, tuple(registered), tuple(refused), before_request)
        self._hub.publish(
            CellEvent(
                "kernel_restarted",
                None,
                request,
                {
                    "exit_code": exit_code,
                    "cells": len(registered),
                    "running": running,
                },
            )
        )
        return restart

    # -- one request ---------------------------------------------------------------------
    def _metadata(self, cell_id: str | None = None) -> dict[str, Any]:
        metadata: dict[str, Any] = {CELL_ORDER: self._order.ids}
        if cell_id is not None:
            metadata[CELL_ID] = cell_id
        return metadata

    async def _roundtrip(
        self,
        msg_type: str,
        content: dict,
        metadata: dict,
        collect: Callable[[str], Collector] | None = None,
    ) -> tuple[dict, _InFlight]:
        """Send a shell request and wait for its reply and idle; the lock must be held.

        Raises _KernelGone when the kernel dies first, CoordinatorError when it
        answers only half (a reply with no idle, or idle with no reply).
        """
        if self._link is None:
            raise CoordinatorError("the coordinator is not started")
        msg = self._link.session.msg(msg_type, content, metadata=metadata)
        msg_id = msg["header"]["msg_id"]
        request = _InFlight(msg_id, collect(msg_id) if collect is not None else None)
        self._current = request
        try:
            if self._lost is not None:
                raise _KernelGone(self._lost[0])
            self._link.send("shell", msg)
            reply = await request.done
        except _KernelGone as gone:
            gone.request = request
            raise
        finally:
            self._current = None
        return reply, request

    async def _request(
        self,
        msg_type: str,
        content: dict,
        cell_id: str | None = None,
        collect: Callable[[str], Collector] | None = None,
    ) -> tuple[dict, _InFlight]:
        """Send a request to a live kernel and wait for it; the lock must be held.

        A kernel found dead before it took the request up (no busy status
        came: it died before or as the request was sent) is replaced and the
        request sent again to the new kernel, once.  Raises _KernelGone when
        the kernel dies after taking the request up, or twice.
        """
        await self._ensure_kernel()
        try:
            return await self._roundtrip(msg_type, content, self._metadata(cell_id), collect)
        except _KernelGone as gone:
            if gone.request is not None and gone.request.started:
                raise
            self._pending_restart = await self._recover(gone.exit_code, None)
        return await self._roundtrip(msg_type, content, self._metadata(cell_id), collect)

    def _collector(self, cell_id: str, executes: bool) -> Callable[[str], Collector]:
        def collector(msg_id: str) -> Collector:
            earlier = {request: cell for cell, request in self._last_request.items()}
            return Collector(msg_id, cell_id, executes=executes, earlier=earlier, emit=self._hub.publish)

        return collector

    def _take_restart(self) -> KernelRestart | None:
        restart, self._pending_restart = self._pending_restart, None
        return restart

    # -- requests ---------------------------------------------------------------------------
    async def register(self, cell_id: str, code: str, *, after: str | None = None) -> Registration:
        """Register a cell without running it.

        A cell new to the order goes just below the cell registered or
        executed last, or below ``after``.  Raises a RegistrationRefused
        subclass (CellCycleError, CellConflictError, CellSyntaxError) when the
        kernel refuses, ValueError for an ``after`` that is not in the order,
        and KernelDiedError when no kernel can take the registration.
        """
        async with self._lock:
            self._order.place(cell_id, after)
            try:
                reply, _ = await self._request(REGISTER_REQUEST, {"cell_id": cell_id, "code": code})
            except _KernelGone as gone:
                restart = await self._recover(gone.exit_code, None)
                raise KernelDiedError(
                    f"the kernel died while registering cell {cell_id}; a new one runs the other cells",
                    gone.exit_code,
                    restart=restart,
                ) from None
        content = reply["content"]
        if content.get("status") != "ok":
            refusal = refusal_from_reply(cell_id, content)
            if self._metrics is not None:
                self._metrics.refused(refusal.ename)
            raise refusal
        self._cells[cell_id] = code
        return self._remember(Registration.from_reply(content))

    async def unregister(self, cell_id: str) -> CascadeResult:
        """Unregister a cell; its names go and its dependents re-run (returned).

        The cell keeps its place in ``order`` (``set_order`` drops it).
        Raises CellNotRegisteredError when the kernel does not know the cell.
        """
        async with self._lock:
            began = time.perf_counter()
            try:
                reply, request = await self._request(
                    UNREGISTER_REQUEST, {"cell_id": cell_id}, None, self._collector(cell_id, False)
                )
            except _KernelGone as gone:
                return await self._crashed(cell_id, gone, forget=True)
        content = reply["content"]
        if content.get("status") != "ok":
            if content.get("ename") == ErrorName.UNKNOWN_CELL:
                self._forget(cell_id)
                raise CellNotRegisteredError(cell_id)
            raise CoordinatorError(f"{content.get('ename')}: {content.get('evalue')}")
        self._forget(cell_id)
        result = _collected(request).finish(reply)
        self._fill_names(result.runs)
        result.restart = self._take_restart()
        if self._metrics is not None:
            self._metrics.cascade(time.perf_counter() - began, len(result.runs))
        return result

    async def execute(self, cell_id: str, code: str | None = None, *, after: str | None = None) -> CascadeResult:
        """Run a cell (with new ``code``, or its registered code) and its cascade.

        Returns one CellRun per cell run, the executed cell first.  A refused
        registration is not raised: the first run has status ``blocked`` and
        its ``refusal``.  A cell new to the order goes just below the cell
        registered or executed last, or below ``after``.

        When the kernel died since the last request (or before it took this
        one up), a new kernel takes over first (every registered cell
        registered again) and the cell runs there; the result's ``restart``
        says so.  When it dies during the request, the cell that was running
        gets a ``KernelDied`` error, a new kernel takes over with every
        registered cell (this one with ``code``), and ``restart`` describes it.  Raises CellNotRegisteredError when ``code``
        is None and the cell is not registered here, ValueError for an
        ``after`` not in the order, and KernelDiedError when no new kernel can
        take over (always, for a kernel attached to).
        """
        async with self._lock:
            if code is None:
                if cell_id not in self._cells:
                    raise CellNotRegisteredError(cell_id)
                code = self._cells[cell_id]
            self._order.place(cell_id, after)
            content = {
                "code": code,
                "silent": False,
                "store_history": True,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": False,
            }
            began = time.perf_counter()
            try:
                reply, request = await self._request(
                    "execute_request", content, cell_id, self._collector(cell_id, True)
                )
            except _KernelGone as gone:
                self._cells[cell_id] = code
                self._registrations.pop(cell_id, None)
                return await self._crashed(cell_id, gone)
        result = _collected(request).finish(reply)
        self._last_request[cell_id] = request.msg_id
        if result.registered:
            if self._cells.get(cell_id) != code:
                self._registrations.pop(cell_id, None)
            self._cells[cell_id] = code
            self._names[cell_id] = (result.runs[0].reads, result.runs[0].writes)
        for gone_cell in result.deleted:
            self._forget(gone_cell)
            self._order.remove(gone_cell)
        self._fill_names(result.runs)
        result.restart = self._take_restart()
        if self._metrics is not None:
            self._metrics.cascade(time.perf_counter() - began, len(result.runs) - 1)
            if result.runs[0].refusal is not None:
                self._metrics.refused(result.runs[0].refusal.ename)
        return result

    async def _crashed(self, cell_id: str, gone: _KernelGone, forget: bool = False) -> CascadeResult:
        """The result of a request the kernel died in, once a new kernel took over; the lock must be held."""
        runs: list[CellRun] = []
        running = None
        msg_id = ""
        if gone.request is not None and gone.request.collector is not None:
            runs, running = gone.request.collector.crash(gone.exit_code)
            msg_id = gone.request.msg_id
        if forget:
            self._forget(cell_id)
        self._fill_names(runs)
        result = CascadeResult(cell_id, msg_id, runs, registered=False)
        self._pending_restart = None
        result.restart = await self._recover(
            gone.exit_code, running, before_request=False, cascade=result, request=msg_id
        )
        result.registered = cell_id in result.restart.registered
        return result

    async def interrupt(self) -> None:
        """Interrupt whatever the kernel runs (SIGINT to a kernel started here, an interrupt_request otherwise)."""
        if self._link is not None:
            await self._link.interrupt()

    async def load_notebook(self, notebook: Any) -> list[Registration]:
        """Register every code cell of a notebook (a path or a NotebookNode) under its id.

        The notebook's code cells become the order (cells registered before
        and not in the notebook stay, below them).  Every cell is tried;
        raises NotebookRefused listing every refusal with the cell's number
        when any was refused, and ValueError (before registering anything)
        for a code cell without an id.  Nothing runs.
        """
        from .notebooks import code_cells, read_notebook

        cells = code_cells(read_notebook(notebook))
        unnamed = [cell.label for cell in cells if cell.id is None]
        if unnamed:
            raise ValueError(f"code cells without an id: {', '.join(unnamed)}")
        ids = [cell.id for cell in cells if cell.id is not None]
        known = set(ids)
        self._order.replace(ids + [cell_id for cell_id in self._order.ids if cell_id not in known])
        registrations: list[Registration] = []
        refusals: list[tuple[int, RegistrationRefused]] = []
        for cell_id, cell in zip(ids, cells):
            try:
                registrations.append(await self.register(cell_id, cell.source))
            except RegistrationRefused as err:
                refusals.append((cell.number, err))
        if refusals:
            raise NotebookRefused(refusals, registrations)
        return registrations

    # -- bookkeeping ---------------------------------------------------------------------------
    def _remember(self, registration: Registration) -> Registration:
        self._registrations[registration.cell_id] = registration
        self._names[registration.cell_id] = (registration.reads, registration.writes)
        return registration

    def _forget(self, cell_id: str) -> None:
        self._cells.pop(cell_id, None)
        self._registrations.pop(cell_id, None)
        self._names.pop(cell_id, None)
        self._last_request.pop(cell_id, None)

    def _fill_names(self, runs: list[CellRun]) -> None:
        for run in runs:
            if run.cell_id in self._names and not run.writes and not run.reads:
                run.reads, run.writes = self._names[run.cell_id]
