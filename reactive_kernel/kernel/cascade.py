"""Running a planned cascade: routing each cell's outputs, skipping, interrupts, progress.

A ``Cascade`` runs cells the kernel planned in topological order.  It decides
where each cell's outputs go (its own earlier request, or the current one after
a heading), skips cells whose ancestor failed, leaves cells whose own execute
request is already queued to that request, and stops at an interrupt.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from ..core.protocol import REACTIVE, Status, Tag, TagKind
from .outputs import flush_streams

if TYPE_CHECKING:
    from .kernel import ReactiveKernel

__all__ = ["Cascade", "CellRecord", "Outcome"]


@dataclass
class CellRecord:
    """What the kernel keeps about a cell besides its graph node."""

    cell_id: str
    code: str
    anonymous: bool = False
    status: str = "registered"
    reason: str | None = None
    parent: dict | None = None
    relations: frozenset = frozenset()
    transformed: str | None = None
    is_async: bool | None = None
    published: bool = True


@dataclass
class Outcome:
    """How one cascade member ended."""

    cell_id: str
    status: str
    msg_id: str
    blocked_by: str | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form used in ``metadata.reactive.cascade``."""
        out: dict[str, Any] = {"cell_id": self.cell_id, "status": self.status, "msg_id": self.msg_id}
        if self.blocked_by is not None:
            out["blocked_by"] = self.blocked_by
        if self.reason is not None:
            out["reason"] = self.reason
        return out


class Cascade:
    """One request's run through ``plan`` (cell ids in topological order)."""

    def __init__(self, kernel: "ReactiveKernel", parent: dict, plan: list[str]) -> None:
        self.kernel = kernel
        self.parent = parent
        self.plan = plan
        self.outcomes: list[Outcome] = []
        self.done: set[str] = set()
        self.interrupted: str | None = None
        self._failed: set[str] = set()
        self._deferred: set[str] = set()
        self._headed = False
        self._progress_id: str | None = None
        self._started = 0.0
        self._progress_at = 0.0
        self._yielded = 0.0

    # -- publishing --------------------------------------------------------
    def _send(self, msg_type: str, content: dict, parent: dict, metadata: dict | None = None) -> None:
        kernel = self.kernel
        flush_streams()
        kernel.session.send(
            kernel.iopub_socket, msg_type, content, parent, metadata=metadata,
            ident=kernel._topic(msg_type),
        )

    def _display(self, parent: dict, text: str, tag: Tag, display_id: str | None = None, update: bool = False) -> None:
        reactive = {REACTIVE: tag.to_json()}
        content: dict[str, Any] = {"data": {"text/plain": text}, "metadata": reactive, "transient": {}}
        if display_id is not None:
            content["transient"] = {"display_id": display_id}
        self._send("update_display_data" if update else "display_data", content, parent, reactive)

    def _target(self, cid: str) -> dict:
        """The request a cell's outputs go under.

        Its own earlier request, cleared first if it shows anything; or the
        current request, with a heading armed to precede the cell's first output.
        """
        record = self.kernel.records[cid]
        own = record.parent
        current = self.parent["header"]
        if (
            own is not None
            and own["header"].get("session") == current.get("session")
            and own["header"].get("msg_id") != current.get("msg_id")
        ):
            if record.published:
                self._send("clear_output", {"wait": False}, own)
                record.published = False
            return own
        self._arm_heading(f"── re-ran cell {cid} ──", cid)
        return self.parent

    def _arm_heading(self, text: str, cid: str) -> None:
        kernel = self.kernel
        flush_streams()
        self._headed = True
        reactive = {REACTIVE: Tag(TagKind.HEADING, cid).to_json()}
        content = {"data": {"text/plain": text}, "metadata": reactive, "transient": {}}
        kernel.outputs.arm(
            self.parent["header"]["msg_id"], kernel.iopub_socket, "display_data", content, self.parent,
            metadata=reactive, ident=kernel._topic("display_data"),
        )

    def _notice(self, cid: str, status: str, text: str) -> str:
        target = self._target(cid)
        self._display(target, text, Tag(TagKind.NOTICE, cid, status=Status(status)))
        self.kernel.outputs.disarm()
        if target is not self.parent:
            self.kernel.records[cid].published = True
        return target["header"]["msg_id"]

    def _progress(self, index: int, cid: str, now: float) -> None:
        """Show which cell of how many runs, once the cascade is slow; at most 4 updates a second."""
        if self._progress_id is None:
            if len(self.plan) < 2 or now - self._started < self.kernel.progress_after:
                return
            self._progress_id = uuid.uuid4().hex
            update = False
        elif now - self._progress_at < 0.25:
            return
        else:
            update = True
        self._progress_at = now
        text = f"running cell {index + 1} of {len(self.plan)}: {cid}"
        self._display(self.parent, text, Tag(TagKind.PROGRESS), self._progress_id, update)

    def _end_progress(self) -> None:
        if self._progress_id is not None:
            self._display(self.parent, "", Tag(TagKind.PROGRESS), self._progress_id, update=True)

    # -- running ----------------------------------------------------------
    async def run(
        self,
        executed: str | None,
        execute_self: Callable[[], Awaitable[dict]] | None,
        lazy: bool,
    ) -> dict | None:
        """Run the plan; ``executed`` runs through ``execute_self`` at its place.

        Returns the executed cell's reply, or None when it was not run.
        Interrupts are caught: the running cell is reported interrupted, the
        rest skipped.
        """
        reply = None
        self._started = self._yielded = time.monotonic()
        index = 0
        try:
            if executed is None and execute_self is not None:
                reply = await execute_self()
            for index, cid in enumerate(self.plan):
                if cid == executed:
                    if self._headed:
                        self._arm_heading(f"── ran cell {cid} ──", cid)
                    reply = await execute_self()
                    self.kernel.outputs.disarm()
                    self.done.add(cid)
                    if reply.get("status") != "ok":
                        self._failed.add(cid)
                        if reply.get("ename") == "KeyboardInterrupt":
                            self.interrupted = cid
                            self._skip_rest(index + 1, cid)
                            break
                    continue
                now = time.monotonic()
                if now - self._yielded > 0.001:
                    await asyncio.sleep(0)
                    self._yielded = now
                parents = self.kernel.graph.parent_set(cid)
                if self._defer(cid, parents):
                    continue
                self._progress(index, cid, now)
                if not await self._run_member(cid, parents, lazy):
                    self._skip_rest(index + 1, cid)
                    break
        except KeyboardInterrupt:
            current = self.plan[index] if self.plan else executed
            self.interrupted = current
            if current is not None and current not in self.done:
                self._record(current, "interrupted", "interrupted", self._safe_notice(current, "interrupted", "⏹ interrupted"))
            self._skip_rest(index + 1, current)
        finally:
            self._end_progress()
        return reply

    def _defer(self, cid: str, parents: set[str]) -> bool:
        """Leave a cell to its own queued request (and its dependents with it)."""
        queued = self.kernel._queued
        if (queued and cid in queued.values()) or (self._deferred and parents & self._deferred):
            self._deferred.add(cid)
            return True
        return False

    async def _run_member(self, cid: str, parents: set[str], lazy: bool) -> bool:
        """Run (or skip, or mark stale) one cell; False when the cascade must stop."""
        kernel = self.kernel
        failed = parents & self._failed
        if failed:
            blocker = kernel.graph.order(failed)[0]
            self._failed.add(cid)
            msg_id = self._notice(
                cid, "skipped",
                f"⚠ not run: cell {blocker} (an ancestor) raised an error. Fix it and run it again.",
            )
            self._record(cid, "skipped", "an ancestor raised", msg_id, blocker)
            return True
        if lazy:
            msg_id = self._notice(
                cid, "stale",
                "● stale: an ancestor changed. Run this cell, or run %reactive run-stale.",
            )
            self._record(cid, "stale", "an ancestor changed", msg_id)
            return True
        target = self._target(cid)
        own = target is not self.parent
        msg_id = target["header"]["msg_id"]
        shell = kernel.shell
        if own:
            kernel.outputs.watch(msg_id)
        shell.set_parent(target)
        try:
            reply = await kernel.rerun(cid)
        finally:
            flush_streams()
            shell.set_parent(self.parent)
            if own:
                kernel.records[cid].published = kernel.outputs.unwatch()
            kernel.outputs.disarm()
        if reply.get("status") == "ok":
            self._record(cid, "ok", None, msg_id)
            return True
        self._failed.add(cid)
        if reply.get("ename") == "KeyboardInterrupt":
            self.interrupted = cid
            self._record(cid, "interrupted", "interrupted", msg_id)
            return False
        self._record(cid, "error", f"raised {reply.get('ename')}", msg_id)
        return True

    def _record(self, cid: str, status: str, reason: str | None, msg_id: str, blocked_by: str | None = None) -> None:
        record = self.kernel.records.get(cid)
        if record is not None:
            record.status = status
            record.reason = f"{reason} (cell {blocked_by})" if blocked_by else reason
        self.done.add(cid)
        self.outcomes.append(Outcome(cid, status, msg_id, blocked_by, reason if status != "ok" else None))

    def _safe_notice(self, cid: str, status: str, text: str) -> str:
        try:
            return self._notice(cid, status, text)
        except KeyError:
            return self.parent["header"]["msg_id"]

    def _skip_rest(self, start: int, by: str | None) -> None:
        for cid in self.plan[start:]:
            if cid in self.done or cid in self._deferred or cid not in self.kernel.records:
                continue
            msg_id = self._safe_notice(cid, "skipped", "⏹ not run: the cascade was interrupted. Run this cell again.")
            self._record(cid, "skipped", "interrupted", msg_id, by)
