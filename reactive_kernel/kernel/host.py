"""The kernel as the cascade runner's host, for one request: where each cell's outputs go, and running it.

A re-run cell's outputs go under its own latest request when that request
came from the same client session as the current one (a frontend keeps that
request's output area alive: the outputs land in the cell), after a
``clear_output`` when the area shows something.  Otherwise they go under the
current request, after a heading naming the cell; and when another client
session last ran the cell, a copy goes under that request too, for that
client.  Notices (stale, skipped, interrupted) go to the same place.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Sequence

from ..core.cascade import CellFacts, Outcome
from ..core.protocol import REACTIVE, Status, Tag, TagKind
from . import compat
from .outputs import MemberRun, flush_streams

if TYPE_CHECKING:
    from .kernel import ReactiveKernel

__all__ = ["RequestHost"]


def status_of(reply: dict) -> Status:
    """The status a reply content stands for."""
    if reply.get("status") == "ok":
        return Status.OK
    if reply.get("ename") == "KeyboardInterrupt":
        return Status.INTERRUPTED
    return Status.ERROR


class RequestHost:
    """Runs one request's cascade on the kernel; ``execute_self`` runs the requested cell's own code."""

    def __init__(
        self,
        kernel: "ReactiveKernel",
        parent: dict,
        execute_self: Callable[[], Awaitable[dict]] | None = None,
    ) -> None:
        self.kernel = kernel
        self.parent = parent
        self.execute_self = execute_self
        self.namespace = kernel.shell.user_ns
        self.reply: dict | None = None
        self.headed = False
        self._progress_id: str | None = None

    @property
    def msg_id(self) -> str:
        return self.parent["header"]["msg_id"]

    # -- the runner's questions -------------------------------------------------
    def facts(self, cell_id: str) -> CellFacts:
        return self.kernel.notebook.facts(cell_id)

    def is_queued(self, cell_id: str) -> bool:
        return self.kernel.queue.waiting(cell_id)

    def label(self, cell_id: str) -> str:
        return self.kernel.label(cell_id)

    async def pause(self) -> None:
        # a few turns of the event loop: requests that already reached the kernel get noted as waiting
        for _ in range(3):
            await asyncio.sleep(0)

    def unbind(self, names: Sequence[str]) -> None:
        self.kernel.forget(names)

    # -- publishing ------------------------------------------------------------------
    def _display(self, parent: dict, text: str, tag: Tag, display_id: str | None = None, update: bool = False) -> None:
        reactive = {REACTIVE: tag.to_json()}
        content: dict[str, Any] = {"data": {"text/plain": text}, "metadata": reactive, "transient": {}}
        if display_id is not None:
            content["transient"] = {"display_id": display_id}
        kernel = self.kernel
        flush_streams()
        msg_type = "update_display_data" if update else "display_data"
        kernel.session.send(
            kernel.iopub_socket, msg_type, content, parent, metadata=reactive, ident=compat.topic(kernel, msg_type),
        )

    def _arm_heading(self, text: str, cell_id: str) -> None:
        kernel = self.kernel
        flush_streams()
        self.headed = True
        reactive = {REACTIVE: Tag(TagKind.HEADING, cell_id, kernel.label(cell_id)).to_json()}
        content = {"data": {"text/plain": text}, "metadata": reactive, "transient": {}}
        kernel.outputs.arm(
            self.msg_id, kernel.iopub_socket, "display_data", content, self.parent,
            metadata=reactive, ident=compat.topic(kernel, "display_data"),
        )

    def _clear(self, parent: dict, cell_id: str) -> None:
        kernel = self.kernel
        reactive = {REACTIVE: Tag(TagKind.CLEAR, cell_id).to_json()}
        kernel.session.send(
            kernel.iopub_socket, "clear_output", {"wait": False}, parent, metadata=reactive,
            ident=compat.topic(kernel, "clear_output"),
        )

    def _target(self, cell_id: str, heading: bool) -> tuple[dict, dict | None]:
        """(the request a cell's outputs go under, another client's request to copy them under)."""
        record = self.kernel.records[cell_id]
        own = record.parent
        current = self.parent["header"]
        if own is not None and own["header"].get("msg_id") == current.get("msg_id"):
            return self.parent, None
        if own is not None and own["header"].get("session") == current.get("session"):
            if record.published:
                self._clear(own, cell_id)
                record.published = False
            return own, None
        if heading:
            self._arm_heading(f"── re-ran {self.kernel.label(cell_id)} ──", cell_id)
        if own is not None and record.published:
            self._clear(own, cell_id)
            record.published = False
        return self.parent, own

    def notice(self, cell_id: str, status: Status, text: str) -> str:
        target, mirror = self._target(cell_id, heading=False)
        tag = Tag(TagKind.NOTICE, cell_id, self.kernel.label(cell_id), status)
        self._display(target, text, tag)
        if mirror is not None:
            self._display(mirror, text, tag)
        record = self.kernel.records[cell_id]
        record.status, record.reason = status, text
        if target is not self.parent or mirror is not None:
            record.published = True
        return target["header"]["msg_id"]

    def progress(self, done: int, total: int, cell_id: str) -> None:
        text = f"running cell {done + 1} of {max(total, done + 1)}: {self.kernel.label(cell_id)}"
        tag = Tag(TagKind.PROGRESS)
        if self._progress_id is None:
            self._progress_id = uuid.uuid4().hex
            self._display(self.parent, text, tag, self._progress_id)
        else:
            self._display(self.parent, text, tag, self._progress_id, update=True)

    def end_progress(self) -> None:
        """Empty the progress line, if one was shown."""
        if self._progress_id is not None:
            self._display(self.parent, "", Tag(TagKind.PROGRESS), self._progress_id, update=True)

    # -- running -------------------------------------------------------------------------
    async def run(self, cell_id: str, requested: bool) -> Outcome:
        kernel = self.kernel
        record = kernel.records[cell_id]
        kernel.drop_relations(kernel.notebook.cells[cell_id].analysis.relations)
        if requested:
            assert self.execute_self is not None
            if self.headed:
                self._arm_heading(f"── ran {kernel.label(cell_id)} ──", cell_id)
            try:
                self.reply = await self.execute_self()
            finally:
                kernel.outputs.disarm()
            status = status_of(self.reply)
            record.kept = record.kept_status = None
            return Outcome(status, self.msg_id, self.reply.get("ename"))
        target, mirror = self._target(cell_id, heading=True)
        member = MemberRun(cell_id, target, mirror)
        shell = kernel.shell
        kernel.outputs.begin(member)
        shell.set_parent(target)
        try:
            reply = await kernel.rerun(cell_id)
        finally:
            flush_streams()
            shell.set_parent(self.parent)
            kernel.outputs.end()
            kernel.outputs.disarm()
        if target is not self.parent or mirror is not None:
            record.published = member.seen
        status = status_of(reply)
        record.kept, record.kept_status = member.kept, status
        record.status = status
        record.reason = None if status is Status.OK else f"raised {reply.get('ename')}"
        return Outcome(status, target["header"]["msg_id"], reply.get("ename"))
