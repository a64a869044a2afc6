"""The kernel as the cascade runner's host, for one request: where each cell's outputs go, and running it.

A re-run cell's outputs go under its own latest request when that request
came from the same client session as the current one (a frontend keeps that
request's output area alive: the outputs land in the cell), after a
``clear_output`` when the area shows something.  Otherwise they go under the
current request, after a heading naming the cell; and when another client
session last ran the cell, a copy goes under that request too, for that
client.  Notices (stale, skipped, interrupted) go to the same place, and a
one-line summary of what the cascade did ends the executed cell's output.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Protocol

from ..core.cascade import CellFacts, Outcome
from ..core.notebook import Notebook
from ..core.protocol import CELL_ORDER, REACTIVE, CascadeEntry, Status, Tag, TagKind, cell_link
from . import compat, wire
from .outputs import MemberRun, OutputWatch, flush_streams
from .queue import RequestQueue
from .records import CellRecord

__all__ = ["HostKernel", "RequestHost", "status_of"]


class HostKernel(Protocol):
    """What a request's host uses of the kernel (``ReactiveKernel`` provides it)."""

    shell: Any
    session: Any
    iopub_socket: Any
    notebook: Notebook
    queue: RequestQueue
    records: dict[str, CellRecord]
    outputs: OutputWatch

    def label(self, cell_id: str) -> str: ...
    def forget(self, names: Iterable[str]) -> None: ...
    def drop_relations(self, names: Iterable[str]) -> None: ...
    async def rerun(self, cid: str, prompt: int | None) -> dict: ...


def status_of(reply: dict) -> Status:
    """The status a reply content stands for."""
    if reply.get("status") == "ok":
        return Status.OK
    if reply.get("ename") == "KeyboardInterrupt":
        return Status.INTERRUPTED
    return Status.ERROR


class RequestHost:
    """Runs one request's cascade on the kernel; ``execute_self`` runs the requested cell's own code.

    ``execution_count`` is the request's own count: re-run cells may show it
    as their prompt.  A client that sends ``cellOrder`` (the companion plugin,
    the coordinator) shows it, so the kernel then names re-run cells by it too.
    """

    def __init__(
        self,
        kernel: HostKernel,
        parent: dict,
        execute_self: Callable[[], Awaitable[dict]] | None = None,
        execution_count: int | None = None,
    ) -> None:
        self.kernel = kernel
        self.parent = parent
        self.execute_self = execute_self
        self.execution_count = execution_count
        self.namespace = kernel.shell.user_ns
        self.reply: dict | None = None
        self.headed = False
        self._progress_id: str | None = None
        metadata = parent.get("metadata")
        self._renumbers = isinstance(metadata, dict) and isinstance(metadata.get(CELL_ORDER), list)

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
        # requests that already reached the kernel are read, and noted waiting within two turns of the loop
        wire.take_arrivals(self.kernel)
        for _ in range(3):
            await asyncio.sleep(0)

    def unbind(self, names: Sequence[str]) -> None:
        self.kernel.forget(names)

    # -- publishing ------------------------------------------------------------------
    def _display(
        self,
        parent: dict,
        text: str,
        tag: Tag,
        html: str | None = None,
        display_id: str | None = None,
        update: bool = False,
    ) -> None:
        reactive = {REACTIVE: tag.to_json()}
        data = {"text/plain": text}
        if html is not None:
            data["text/html"] = html
        content: dict[str, Any] = {"data": data, "metadata": reactive, "transient": {}}
        if display_id is not None:
            content["transient"] = {"display_id": display_id}
        kernel = self.kernel
        flush_streams()
        msg_type = "update_display_data" if update else "display_data"
        kernel.session.send(
            kernel.iopub_socket,
            msg_type,
            content,
            parent,
            metadata=reactive,
            ident=compat.topic(kernel, msg_type),
        )

    def _link(self, cell_id: str) -> str:
        return cell_link(cell_id, self.kernel.label(cell_id))

    def _arm_heading(self, verb: str, cell_id: str) -> None:
        kernel = self.kernel
        flush_streams()
        self.headed = True

        def heading() -> tuple[tuple, dict]:
            label = kernel.label(cell_id)
            tag = Tag(TagKind.HEADING, cell_id, label, execution_count=self.execution_count)
            reactive = {REACTIVE: tag.to_json()}
            data = {
                "text/plain": f"── {verb} {label} ──",
                "text/html": f"<pre>── {verb} {self._link(cell_id)} ──</pre>",
            }
            content = {"data": data, "metadata": reactive, "transient": {}}
            args = (kernel.iopub_socket, "display_data", content, self.parent)
            return args, {"metadata": reactive, "ident": compat.topic(kernel, "display_data")}

        kernel.outputs.arm(self.msg_id, heading)

    def _clear(self, parent: dict, cell_id: str) -> None:
        kernel = self.kernel
        reactive = {REACTIVE: Tag(TagKind.CLEAR, cell_id, execution_count=self.execution_count).to_json()}
        kernel.session.send(
            kernel.iopub_socket,
            "clear_output",
            {"wait": False},
            parent,
            metadata=reactive,
            ident=compat.topic(kernel, "clear_output"),
        )

    def _target(self, cell_id: str, heading: bool) -> tuple[dict, dict | None]:
        """(the request a cell's outputs go under, another client's request to copy them under)."""
        record = self.kernel.records[cell_id]
        if record.refused:  # its area shows why its latest code was refused: leave that in view
            if heading:
                self._arm_heading("re-ran the code registered before the refused edit of", cell_id)
            return self.parent, None
        own = record.parent
        current = self.parent["header"]
        if own is not None and own["header"].get("session") == current.get("session"):
            if record.published:
                self._clear(own, cell_id)
                record.published = False
            return own, None
        if heading:
            self._arm_heading("re-ran", cell_id)
        if own is not None and record.published:
            self._clear(own, cell_id)
            record.published = False
        return self.parent, own

    def notice(self, cell_id: str, status: Status, text: str) -> str:
        target, mirror = self._target(cell_id, heading=False)
        label = self.kernel.label(cell_id)
        tag = Tag(TagKind.NOTICE, cell_id, label, status)
        plain = f"{label}: {text}"
        html = f"<pre>{self._link(cell_id)}: {_escape(text)}</pre>"
        self._display(target, plain, tag, html)
        if mirror is not None:
            self._display(mirror, plain, tag, html)
        if target is not self.parent or mirror is not None:
            self.kernel.records[cell_id].published = True
        return target["header"]["msg_id"]

    def progress(self, done: int, total: int, cell_id: str) -> None:
        label = self.kernel.label(cell_id)
        text = f"running cell {done + 1} of {max(total, done + 1)}: {label}"
        html = f"<pre>running cell {done + 1} of {max(total, done + 1)}: {self._link(cell_id)}</pre>"
        tag = Tag(TagKind.PROGRESS)
        if self._progress_id is None:
            self._progress_id = uuid.uuid4().hex
            self._display(self.parent, text, tag, html, self._progress_id)
        else:
            self._display(self.parent, text, tag, html, self._progress_id, update=True)

    def end_progress(self) -> None:
        """Empty the progress line, if one was shown."""
        if self._progress_id is not None:
            self._display(self.parent, "", Tag(TagKind.PROGRESS), None, self._progress_id, update=True)

    def summary(self, cell_id: str | None, entries: Iterable[CascadeEntry], deleted: Iterable[str]) -> None:
        """One line in the executed cell's output saying what the cascade did besides running the cell.

        ``deleted`` are labels of cells the request deleted (they are gone: no link).
        """
        words = _summary_words(list(entries), self._link)
        gone = list(deleted)
        if not words and not gone:
            return
        plain = "; ".join(text for text, _ in words)
        html = "; ".join(markup for _, markup in words)
        if gone:
            prefix = ", ".join(gone) + (" was" if len(gone) == 1 else " were") + " deleted"
            plain = prefix + (f": {plain}" if plain else "")
            html = _escape(prefix) + (f": {html}" if html else "")
        tag = Tag(TagKind.SUMMARY, cell_id, self.kernel.label(cell_id) if cell_id else "")
        self._display(self.parent, plain, tag, f"<pre>{html}</pre>")

    # -- running -------------------------------------------------------------------------
    async def run(self, cell_id: str, requested: bool) -> Outcome:
        kernel = self.kernel
        record = kernel.records[cell_id]
        kernel.drop_relations(kernel.notebook.cells[cell_id].analysis.relations)
        if requested:
            assert self.execute_self is not None
            if self.headed:
                self._arm_heading("ran", cell_id)
            try:
                self.reply = await self.execute_self()
            finally:
                kernel.outputs.disarm()
            status = status_of(self.reply)
            record.kept = record.kept_status = None
            return Outcome(status, self.msg_id, self.reply.get("ename"))
        target, mirror = self._target(cell_id, heading=True)
        if self._renumbers and self.execution_count is not None:
            record.prompt = self.execution_count
        member = MemberRun(cell_id, target, mirror, count=self.execution_count)
        shell = kernel.shell
        kernel.outputs.begin(member)
        shell.set_parent(target)
        try:
            reply = await kernel.rerun(cell_id, record.prompt)
        finally:
            flush_streams()
            shell.set_parent(self.parent)
            kernel.outputs.end()
            kernel.outputs.disarm()
        if target is not self.parent or mirror is not None:
            record.published = member.seen
        status = status_of(reply)
        record.kept, record.kept_status = member.kept, status
        return Outcome(status, target["header"]["msg_id"], reply.get("ename"))


def _escape(text: str) -> str:
    from html import escape

    return escape(text)


def _summary_words(entries: list[CascadeEntry], link: Callable[[str], str]) -> list[tuple[str, str]]:
    """``re-ran [6] [7]``, ``skipped [8] (an ancestor raised)``, ... as (text, html) pairs, in that order."""
    groups: dict[str, list[CascadeEntry]] = {}
    for entry in entries:
        status = entry.status
        key = "re-ran" if status in (Status.OK, Status.ERROR) else str(status)
        if status is Status.SKIPPED:
            key = f"skipped ({entry.reason})" if entry.reason else "skipped"
        groups.setdefault(key, []).append(entry)
    words = []
    for key in sorted(groups, key=_summary_rank):
        cells = groups[key]
        verb, _, why = key.partition(" (")
        short = [_short(e.label) for e in cells]
        text = f"{verb} {' '.join(short)}" + (f" ({why}" if why else "")
        html = (
            f"{verb} "
            + " ".join(
                link(e.cell_id).replace(f">{_escape(e.label)}<", f">{_escape(s)}<") for e, s in zip(cells, short)
            )
            + (_escape(f" ({why}") if why else "")
        )
        words.append((text, html))
    return words


def _short(label: str) -> str:
    """``[5]`` for ``cell [5] x = 1``; a cell that never showed a prompt keeps its whole label."""
    found = re.search(r"\[(\d+)\]", label)
    return found.group(0) if found else label


def _summary_rank(key: str) -> int:
    for rank, prefix in enumerate(("re-ran", "interrupted", "skipped", "stale", "blocked")):
        if key.startswith(prefix):
            return rank
    return 5
