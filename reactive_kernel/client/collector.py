"""Sorting one request's iopub messages and reply into per-cell runs.

Pure: it is handed messages as jupyter_client delivers them (dicts) and
returns records; it does no I/O and keeps no clock.  Events go to ``emit`` as
the messages come, so a slow cascade shows its progress.

Where outputs go (docs/protocol.md): messages under the request itself belong
to the requested cell until a heading names another cell; messages under one
of the client's earlier execute requests belong to that request's cell.
Headings, notices and progress lines (tagged ``metadata.reactive``) are not
outputs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from ..core.protocol import (
    REACTIVE,
    CascadeEntry,
    ErrorName,
    Report,
    Status,
    Tag,
    TagKind,
    tag_of,
)
from .errors import refusal_from_reply
from .records import KERNEL_DIED, RUNNING, CascadeResult, CellEvent, CellRun

__all__ = ["Collector", "output_of"]

log = logging.getLogger(__name__)

_REFUSALS = frozenset({ErrorName.CYCLE.value, ErrorName.MULTIPLE_DEFINITION.value})
_OUTPUTS = frozenset({"stream", "display_data", "execute_result", "error"})


def output_of(msg: Mapping[str, Any]) -> dict:
    """The nbformat v4 output for a stream, display_data, execute_result or error message."""
    kind = msg["msg_type"]
    content = msg["content"]
    if kind == "stream":
        return {"output_type": kind, "name": content["name"], "text": content["text"]}
    if kind == "error":
        return {
            "output_type": kind,
            "ename": content["ename"],
            "evalue": content["evalue"],
            "traceback": list(content["traceback"]),
        }
    output = {"output_type": kind, "data": content.get("data", {}), "metadata": content.get("metadata", {})}
    if kind == "execute_result":
        output["execution_count"] = content.get("execution_count")
    return output


def _tag(msg: Mapping[str, Any]) -> Tag | None:
    if msg["msg_type"] not in ("display_data", "update_display_data"):
        return None
    return tag_of(msg)


def _report(cell_id: str, reply: Mapping[str, Any]) -> Report:
    """The reply's report; a plain one built from the reply's status when it has none (or a broken one)."""
    data = (reply.get("metadata") or {}).get(REACTIVE)
    if isinstance(data, Mapping):
        try:
            return Report.from_json(data)
        except (KeyError, ValueError, TypeError):
            log.warning("ignoring an unreadable report in the reply to %s: %r", cell_id, data)
    ok = (reply.get("content") or {}).get("status") == "ok"
    return Report(cell_id, Status.OK if ok else Status.ERROR)


def _entries(cell_id: str, raw: Any) -> list[CascadeEntry]:
    entries = []
    for item in raw or ():
        try:
            entries.append(CascadeEntry.from_json(item))
        except (KeyError, ValueError, TypeError):
            log.warning("ignoring an unreadable cascade entry in the reply for %s: %r", cell_id, item)
    return entries


class Collector:
    """One request's records, built as its messages arrive.

    ``msg_id`` is the request's; ``cell_id`` the cell it executes (or
    unregisters); ``executes`` says whether the request runs that cell
    (execute) or only its dependents (unregister); ``earlier`` maps the
    client's earlier execute requests (msg_id) to their cells.
    """

    def __init__(
        self,
        msg_id: str,
        cell_id: str,
        *,
        executes: bool,
        earlier: Mapping[str, str] | None = None,
        emit: Callable[[CellEvent], None] | None = None,
    ) -> None:
        self.msg_id = msg_id
        self.cell_id = cell_id
        self.executes = executes
        self.earlier = dict(earlier or {})
        self.emit = emit
        #: whether the kernel took the request up (its busy status arrived)
        self.started = False
        self.runs: dict[str, CellRun] = {}
        self._section: CellRun | None = None
        self._active: CellRun | None = None
        self._announced: dict[str, str] = {}
        self._pending_clear: set[str] = set()
        self._displays: dict[str, list[dict]] = {}

    @property
    def running(self) -> str | None:
        """The cell running now, as far as the messages so far tell (None when none is)."""
        active = self._active
        return active.cell_id if active is not None and active.status == RUNNING else None

    # -- events --------------------------------------------------------------
    def _event(self, kind: str, run: CellRun, **data: Any) -> None:
        if self.emit is not None:
            self.emit(CellEvent(kind, run.cell_id, self.msg_id, data))

    def _status(self, run: CellRun) -> None:
        if self._announced.get(run.cell_id) != run.status:
            self._announced[run.cell_id] = run.status
            self._event("cell_status", run, status=str(run.status), index=run.index)

    # -- sections --------------------------------------------------------------
    def _start(self, cell_id: str, msg_id: str, notice: str | None = None) -> CellRun:
        run = self.runs.get(cell_id)
        if run is None:
            run = self.runs[cell_id] = CellRun(cell_id, index=len(self.runs), msg_id=msg_id)
        if self._active is not None and self._active is not run:
            self._close(self._active)
        self._active = run
        run.status = notice or RUNNING
        self._status(run)
        return run

    def _close(self, run: CellRun) -> None:
        if run.status == RUNNING:
            run.status = Status.ERROR.value if run.ename else Status.OK.value
            self._status(run)

    # -- messages --------------------------------------------------------------
    def feed(self, msg: Mapping[str, Any]) -> None:
        """Take one iopub message (any parent); ignores what is not this request's."""
        parent = (msg.get("parent_header") or {}).get("msg_id")
        kind = msg["msg_type"]
        if parent == self.msg_id:
            if kind == "status":
                if msg["content"].get("execution_state") == "busy" and not self.started:
                    self.started = True
                    if self.executes:
                        self._section = self._start(self.cell_id, self.msg_id)
                return
            tag = _tag(msg)
            if tag is not None:
                if tag.cell_id is not None and tag.kind in (TagKind.HEADING, TagKind.NOTICE):
                    notice = tag.status.value if tag.kind is TagKind.NOTICE and tag.status else None
                    self._section = self._start(tag.cell_id, self.msg_id, notice)
                return
            run = self._section
        elif parent in self.earlier:
            tag = _tag(msg)
            if tag is not None:
                if tag.kind is TagKind.NOTICE and tag.status is not None:
                    self._start(self.earlier[parent], parent, tag.status.value)
                return
            run = self.runs.get(self.earlier[parent]) or self._start(self.earlier[parent], parent)
        else:
            return
        if run is not None:
            self._apply(run, msg)

    def _apply(self, run: CellRun, msg: Mapping[str, Any]) -> None:
        kind = msg["msg_type"]
        content = msg["content"]
        if kind == "clear_output":
            if content.get("wait"):
                self._pending_clear.add(run.cell_id)
            else:
                run.outputs.clear()
            self._event("cell_clear", run, wait=bool(content.get("wait")))
            return
        if kind == "update_display_data":
            display_id = (content.get("transient") or {}).get("display_id")
            for output in self._displays.get(display_id, ()) if isinstance(display_id, str) else ():
                output["data"] = content.get("data", {})
                output["metadata"] = content.get("metadata", {})
            self._event(
                "cell_output",
                run,
                output_type=kind,
                data=content.get("data", {}),
                metadata=content.get("metadata", {}),
                display_id=display_id,
            )
            return
        if kind not in _OUTPUTS:
            return
        if run.cell_id in self._pending_clear:
            self._pending_clear.discard(run.cell_id)
            run.outputs.clear()
        if kind == "stream":
            last = run.outputs[-1] if run.outputs else None
            if last is not None and last["output_type"] == "stream" and last["name"] == content["name"]:
                last["text"] += content["text"]
            else:
                run.outputs.append(output_of(msg))
            self._event("cell_stdout" if content["name"] == "stdout" else "cell_stderr", run, text=content["text"])
        elif kind == "error":
            run.outputs.append(output_of(msg))
            self._event(
                "cell_error",
                run,
                ename=content["ename"],
                evalue=content["evalue"],
                traceback=list(content["traceback"]),
            )
        else:
            output = output_of(msg)
            run.outputs.append(output)
            display_id = (content.get("transient") or {}).get("display_id")
            if display_id:
                self._displays.setdefault(display_id, []).append(output)
            self._event(
                "cell_output",
                run,
                output_type=kind,
                data=content.get("data", {}),
                metadata=content.get("metadata", {}),
                display_id=display_id,
            )

    # -- endings -------------------------------------------------------------------
    def finish(self, reply: Mapping[str, Any]) -> CascadeResult:
        """The request's result, from its reply (an ``execute_reply`` or ``unregister_cell_reply``).

        Runs are ordered as the reply says and each gets the status it reports.
        """
        if not self.executes:
            content = reply["content"]
            runs = self._order(None, _entries(self.cell_id, content.get("cascade")))
            return CascadeResult(self.cell_id, self.msg_id, runs, deleted=list(content.get("deleted") or []))
        return self._finish_execute(reply)

    def _finish_execute(self, reply: Mapping[str, Any]) -> CascadeResult:
        content = reply["content"]
        report = _report(self.cell_id, reply)
        status = report.status.value
        refusal = None
        started = self.runs.get(self.cell_id)
        if report.status is Status.BLOCKED or (content.get("status") == "error" and content.get("ename") in _REFUSALS):
            status = Status.BLOCKED.value
            refusal = refusal_from_reply(self.cell_id, content)
        elif report.status is Status.ERROR and started is not None and started.ename == "KeyboardInterrupt":
            status = Status.INTERRUPTED.value
        runs = self._order(status, report.cascade)
        own = runs[0]
        own.execution_count = content.get("execution_count")
        own.refusal = refusal
        own.reads = tuple(report.reads)
        own.writes = tuple(report.writes)
        if refusal is not None and not own.outputs:
            own.outputs.append(
                {
                    "output_type": "error",
                    "ename": refusal.ename,
                    "evalue": refusal.evalue,
                    "traceback": refusal.traceback,
                }
            )
        return CascadeResult(
            self.cell_id,
            self.msg_id,
            runs,
            deleted=list(report.deleted),
            execution_count=content.get("execution_count"),
            registered=refusal is None and report.registered,
            replayed=report.replayed,
        )

    def _order(self, own_status: str | None, entries: list[CascadeEntry]) -> list[CellRun]:
        ordered: list[CellRun] = []
        if self.executes:
            run = self.runs.get(self.cell_id) or CellRun(self.cell_id, msg_id=self.msg_id)
            run.status = own_status or (Status.ERROR.value if run.ename else Status.OK.value)
            ordered.append(run)
        for entry in entries:
            run = self.runs.get(entry.cell_id) or CellRun(entry.cell_id)
            run.status = entry.status.value
            run.msg_id = entry.msg_id or run.msg_id
            run.blocked_by = entry.blocked_by
            run.reason = entry.reason
            ordered.append(run)
        for index, run in enumerate(ordered):
            run.index, run.total = index, len(ordered)
            self._status(run)
        return ordered

    def crash(self, exit_code: int | None) -> tuple[list[CellRun], str | None]:
        """The runs seen so far once the kernel died, and the cell that was running (or None).

        The running cell gets a ``KernelDied`` error.  When the kernel died
        before the request started, an executed cell gets a ``KernelDied``
        error saying so, and no cell counts as running.
        """
        running = self._active if self.running is not None else None
        if running is not None:
            self._died(running, f"the kernel died (exit code {exit_code}) while cell {running.cell_id} was running")
        elif self.executes and self.cell_id not in self.runs:
            own = self.runs[self.cell_id] = CellRun(self.cell_id, msg_id=self.msg_id)
            self._died(
                own,
                f"the kernel died (exit code {exit_code}) before cell {self.cell_id} reported "
                "starting: it may not have run",
            )
        ordered = list(self.runs.values())
        for index, run in enumerate(ordered):
            self._close(run)
            run.index, run.total = index, len(ordered)
            self._status(run)
        return ordered, running.cell_id if running is not None else None

    def _died(self, run: CellRun, evalue: str) -> None:
        error = {
            "output_type": "error",
            "ename": KERNEL_DIED,
            "evalue": evalue,
            "traceback": [f"{KERNEL_DIED}: {evalue}"],
        }
        run.outputs.append(error)
        self._event("cell_error", run, ename=KERNEL_DIED, evalue=evalue, traceback=error["traceback"])
        run.status = Status.ERROR.value
