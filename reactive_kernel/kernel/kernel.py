"""ReactiveKernel: ipykernel's IPythonKernel with a notebook model behind every execute.

Protocol glue only: analysis, graph, versions and the cascade runner live in
``reactive_kernel.core``; where outputs go in ``host``.  See docs/semantics.md
and docs/protocol.md for the behaviour.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import os
import threading
import time
from collections.abc import Iterable, Sequence
from hmac import compare_digest
from typing import Any

from ipykernel.ipkernel import IPythonKernel
from traitlets import Enum, Float, Int, observe

from .. import __version__
from ..core.analysis import Analysis
from ..core.graph import CycleError, MultipleDefinitionError, RegistrationError, format_cycle
from ..core.notebook import Notebook
from ..core.protocol import (
    CELL_ID,
    CELL_ORDER,
    DELETED_CELLS,
    REACTIVE,
    REGISTER_REPLY,
    REGISTER_REQUEST,
    UNREGISTER_REPLY,
    UNREGISTER_REQUEST,
    ErrorName,
    Report,
    Status,
    cell_label,
)
from ..core.resolve import FILE_PREFIX
from ..core.standard_analyzer import standard_analyzer
from . import compat, magics, requests, wire
from .host import RequestHost, status_of
from .interrupts import InterruptGate
from .outputs import OutputWatch, compact, flush_streams
from .queue import RequestQueue
from .records import CellRecord
from .stats import KernelStats

__all__ = ["ReactiveKernel"]


def _error_reply(ename: str, evalue: str, **data: Any) -> dict:
    """An error reply's content: status, ename, evalue, an empty traceback, and any data fields."""
    return {"status": "error", "ename": ename, "evalue": evalue, "traceback": [], **data}


def _printable(text: str) -> str:
    """``text`` with anything UTF-8 cannot encode (lone surrogates) escaped, for logs and messages."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _peek(msg: list, session: Any) -> dict | None:
    """A raw message's header (unverified: a hint), or None when it is not an object."""
    if compat.is_internal_message(msg):
        return None
    try:
        _, frames = session.feed_identities(msg, copy=False)
        header = session.unpack(wire.raw(frames[1]))
    except Exception:
        return None
    return header if isinstance(header, dict) else None


class _NotedStream:
    """A reply stream that notes whether a message went out on it."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.sent = False

    def send_multipart(self, *args: Any, **kwargs: Any) -> Any:
        self.sent = True
        return self.stream.send_multipart(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class ReactiveKernel(IPythonKernel):
    """A Python kernel whose cells re-run what depends on them, to the state of a fresh top-to-bottom run."""

    implementation = "reactive_kernel"
    implementation_version = __version__
    banner = "Reactive Python kernel: running a cell re-runs the cells that depend on it."

    msg_types = [*IPythonKernel.msg_types, "register_cell_request", "unregister_cell_request"]

    mode = Enum(
        ["eager", "lazy"],
        default_value="eager",
        help="eager: running a cell re-runs what depends on it; lazy: marks those cells stale.",
    ).tag(config=True)
    redefinitions = Enum(
        ["allow", "refuse"],
        default_value="allow",
        help="allow: several cells may define one name (each reads the nearest definition above it); "
        "refuse: marimo's rule, a name is defined by one cell only.",
    ).tag(config=True)
    after_error = Enum(
        ["run", "skip"],
        default_value="run",
        help="run: cells that read from a cell that raised still run, as in a top-to-bottom run; "
        "skip: they are skipped with a notice.",
    ).tag(config=True)
    sql_result = Enum(
        ["pandas", "polars", "arrow", "relation"],
        default_value="pandas",
        help="What %%sql returns: a pandas or polars DataFrame, an Arrow table, or the DuckDB relation.",
    ).tag(config=True)
    sql_display_limit = Int(100, help="Rows shown when a SQL result is displayed.").tag(config=True)
    max_code_size = Int(16 * 1024 * 1024, help="Largest cell, in characters, the kernel will analyse and run.").tag(
        config=True
    )
    max_cell_id_length = Int(
        1000, help="Longest cell id, in characters, the kernel accepts (a longer one is refused as BadRequest)."
    ).tag(config=True)
    progress_after = Float(1.0, help="Seconds after which a running cascade shows which cell of how many runs.").tag(
        config=True
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        compat.set_execute_sleep(self, 0.0)
        if self.session is None:
            raise RuntimeError("the kernel was made without a session")
        wire.use_pack(self.session)
        for handlers in (self.shell_handlers, self.control_handlers):
            for msg_type, handler in list(handlers.items()):
                handlers[msg_type] = self._answering(msg_type, handler)
        self.notebook = Notebook(strict=self.redefinitions == "refuse")
        self.records: dict[str, CellRecord] = {}
        self.queue = RequestQueue()
        self._gate = InterruptGate()
        self._transform = compat.memoize_transform(self.shell)
        self.analyzer = standard_analyzer(self._transform.transform)
        self.relation_dropper = None
        self.outputs = OutputWatch(self.session)
        self.session.send = self._gate.whole(self.session.send)  # type: ignore[method-assign]
        self._gate.guard_logging(self.log)
        self._anonymous = itertools.count(1)
        self._last_run: dict[str, str] = {}
        self._reports: dict[str, Report] = {}
        self._scheduled: list[str] = []
        self._relations: set[str] = set()
        self.stats = KernelStats()
        self.shell.configurables.append(self)
        magics.install(self)

    @observe("redefinitions")
    def _redefinitions_changed(self, change: dict) -> None:
        self.notebook.strict = change["new"] == "refuse"

    # ------------------------------------------------------------------
    # message plumbing
    # ------------------------------------------------------------------
    def start(self) -> None:
        """Start as ipykernel does, with the shell queues a client that does not read cannot deadlock."""
        super().start()
        wire.unblock_shell(self)

    async def shell_channel_thread_main(self, msg):
        """Hand the main shell a request ipykernel's router would drop unanswered, so that it is answered."""
        thread = self.shell_channel_thread
        if self.session is not None and wire.misrouted(self.session, msg):
            async with thread.asyncio_lock:
                thread.manager.get_shell_channel_to_subshell_socket(None).send_multipart(msg, copy=False)
            return
        await super().shell_channel_thread_main(msg)

    async def shell_main(self, subshell_id: str | None, msg: list) -> None:
        """Note execute requests as they arrive, so a cascade can leave their cells to them.

        A message whose ``msg_type`` cannot be hashed (a list) would make
        ipykernel raise while it decides how to queue it; it waits for its
        turn here instead, and ``dispatch_shell`` refuses it.
        """
        header = _peek(msg, self.session) if subshell_id is None else None
        msg_id = self._note_waiting(msg, header) if header is not None else None
        try:
            if header is not None and isinstance(header.get("msg_type"), (list, dict)):
                async with compat.shell_lock(self):
                    await self.dispatch_shell(msg)
                return
            await super().shell_main(subshell_id, msg)
        finally:
            self.queue.started(msg_id)

    def _note_waiting(self, msg: list, header: dict) -> str | None:
        """Remember a waiting execute request's cell: a hint only, so the signature is not checked here."""
        if header.get("msg_type") != "execute_request":
            return None
        try:
            _, frames = self.session.feed_identities(msg, copy=False)
            metadata = self.session.unpack(wire.raw(frames[3]))
        except Exception:
            return None
        if not isinstance(metadata, dict):
            return None
        self.queue.arrived(header, metadata)
        msg_id = header.get("msg_id")
        return msg_id if isinstance(msg_id, str) else None

    async def dispatch_shell(self, msg, /, subshell_id=None, *, concurrent=False):
        """Answer a malformed request with an error reply before ipykernel logs, hashes or handles it.

        An interrupt that lands after a handler returned but before ipykernel
        restores its signal handler escapes ipykernel's dispatch before the
        idle status; the request still gets its idle here.
        """
        if self.session is not None and not compat.is_internal_message(msg):
            refused = self._screen(msg)
            if refused is not None:
                idents, parent, why = refused
                self._refuse_request(self._reply_stream(subshell_id), idents, parent, why, not concurrent, "shell")
                return
        try:
            await super().dispatch_shell(msg, subshell_id, concurrent=concurrent)
        except KeyboardInterrupt:
            self.log.warning("An interrupt came as a request ended; it had nothing left to stop")
            if not concurrent:
                compat.publish_status(self, "idle", self.get_parent("shell"))

    async def process_control(self, msg):
        """Answer a malformed control request with an error reply, as on the shell channel.

        An ``execute_request`` is refused here: the notebook runs on the shell's thread only.
        """
        if self.session is not None:
            refused = self._screen(msg)
            if refused is None and (_peek(msg, self.session) or {}).get("msg_type") == "execute_request":
                refused = self._screen(msg, "execute_request is answered on the shell channel only")
            if refused is not None:
                idents, parent, why = refused
                self._refuse_request(self.control_stream, idents, parent, why, True, "control")
                return
        await super().process_control(msg)

    def _reply_stream(self, subshell_id: str | None):
        """Where a shell reply goes from this thread: through the shell-channel thread when there is one."""
        thread = self.shell_channel_thread
        if thread is None:
            return self.shell_stream
        return thread.manager.get_subshell_to_shell_channel_socket(subshell_id)

    def _screen(self, msg: list, refuse: str | None = None) -> tuple[list, dict, str] | None:
        """(identities, message, why) for a signed request to refuse; None to hand it to ipykernel.

        Unsigned, wrongly signed or replayed messages, and ones without a
        header naming a message type, are left to ipykernel, which drops them.  ``refuse``:
        the reason to refuse a request that passes every check.
        """
        session = self.session
        try:
            idents, frames = session.feed_identities(msg, copy=False)
        except Exception:
            return None
        signature = wire.raw(frames[0]) if frames else b""
        if signature in session.digest_history:
            return None  # a replayed message: ipykernel drops it
        try:
            parsed = session.deserialize(frames, content=True, copy=False)
        except Exception as err:
            session.digest_history.discard(signature)
            return self._undecodable(idents, frames, err)
        header = parsed["header"]
        why = requests.header_problem(header)
        if why is None:
            why = requests.content_problem(header["msg_type"], parsed["content"]) or self._fields_problem(parsed)
        if why is None:
            why = refuse
        if why is None:
            session.digest_history.discard(signature)  # ipykernel deserializes it again
            return None
        return idents, parsed, why

    def _undecodable(self, idents: list, frames: list, err: Exception) -> tuple[list, dict, str] | None:
        """The refusal of a correctly signed message whose parts could not be decoded, if its header has a type."""
        session = self.session
        try:
            parts = [wire.raw(frame) for frame in frames[:5]]
            if len(parts) < 5 or (session.auth is not None and not compare_digest(parts[0], session.sign(parts[1:]))):
                return None
            header = session.unpack(parts[1])
        except Exception:
            return None
        if not isinstance(header, dict) or "msg_type" not in header:
            return None
        session.digest_history.add(parts[0])
        parent = {"header": header, "parent_header": {}, "metadata": {}, "content": {}, "buffers": []}
        why = requests.header_problem(header) or f"the message could not be decoded ({_printable(str(err))})"
        return idents, parent, why

    def _fields_problem(self, parsed: dict) -> str | None:
        """What is wrong with a request's metadata, cell id or code, beyond the fields' types; None if nothing."""
        metadata = parsed["metadata"]
        if not isinstance(metadata, dict):
            return "metadata must be an object"
        msg_type, content = parsed["header"]["msg_type"], parsed["content"]
        if msg_type == "execute_request":
            cell_id = metadata.get(CELL_ID)
            if cell_id is not None:
                if not isinstance(cell_id, str):
                    return "metadata.cellId must be a string"
                why = self._cell_id_problem(cell_id, "metadata.cellId")
                if why is not None:
                    return why
            for key in (DELETED_CELLS, CELL_ORDER):
                value = metadata.get(key)
                if value is not None and not isinstance(value, list):
                    return f"metadata.{key} must be a list"
            return self._code_problem(content["code"])
        if msg_type in (REGISTER_REQUEST, UNREGISTER_REQUEST):
            why = self._cell_id_problem(content["cell_id"], "cell_id")
            if why is None and msg_type == REGISTER_REQUEST:
                why = self._code_problem(content["code"])
            return why
        return None

    def _cell_id_problem(self, cell_id: str, what: str) -> str | None:
        if not cell_id:
            return f"{what} must not be empty"
        if len(cell_id) > self.max_cell_id_length:
            return (
                f"{what} is {len(cell_id)} characters; the limit is {self.max_cell_id_length} "
                "(ReactiveKernel.max_cell_id_length)"
            )
        return requests.text_problem(cell_id, what)

    def _code_problem(self, code: str) -> str | None:
        if len(code) > self.max_code_size:
            return f"cell is {len(code)} characters; the limit is {self.max_code_size} (ReactiveKernel.max_code_size)"
        return requests.text_problem(code, "code")

    def _usable_id(self, cell_id: Any) -> bool:
        """Whether a cell id from a request can name a cell (a non-empty string within bounds, valid text)."""
        return isinstance(cell_id, str) and self._cell_id_problem(cell_id, "") is None

    def _refuse_request(self, stream, idents: list, parent: dict, why: str, status: bool, channel: str) -> None:
        """Busy, an error reply of the request's type (``BadRequest``), idle.

        Only requests the channel answers get a reply, as in ipykernel: comm
        messages and unknown types get busy and idle only.
        """
        header = parent["header"]
        msg_type = header.get("msg_type")
        handlers = self.shell_handlers if channel == "shell" else self.control_handlers
        reply = requests.reply_type(msg_type) if isinstance(msg_type, str) and msg_type in handlers else None
        shell = channel == "shell"
        self.log.warning("Refused %s: %s", _printable(str(msg_type))[:80], why)
        if status:
            compat.publish_status(self, "busy", parent)
        if reply is not None:
            content = _error_reply(ErrorName.BAD_REQUEST.value, why)
            metadata: dict[str, Any] = {}
            if msg_type == "execute_request":
                content["execution_count"] = self.execution_count
                # a header that is itself malformed never becomes a cell's output area (outputs would go under it)
                own_area = requests.header_problem(header) is None
                report = (
                    self._left_undone(parent, "its own request was refused as malformed", own_area) if shell else None
                )
                if report is not None:
                    metadata[REACTIVE] = report.to_json()
            elif msg_type in (REGISTER_REQUEST, UNREGISTER_REQUEST):
                cell_id = parent["content"].get("cell_id") if isinstance(parent["content"], dict) else None
                content["cell_id"] = cell_id if self._usable_id(cell_id) else None
            self.session.send(stream, reply, content, parent, metadata=metadata, ident=idents)
        if status:
            compat.publish_status(self, "idle", parent)

    def _answering(self, msg_type: str, handler):
        """``handler``, made to send an error reply of the matching type when it raises before replying."""
        reply = requests.reply_type(msg_type)
        if reply is None:
            return handler

        @functools.wraps(handler)
        async def answered(stream, ident, parent):
            noted = _NotedStream(stream)
            try:
                result = handler(noted, ident, parent)
                if inspect.isawaitable(result):
                    await result
            except (Exception, KeyboardInterrupt) as err:
                if noted.sent:
                    raise
                with self._gate.held():  # a second interrupt must not cost the reply
                    self.log.error("%s failed; replying with the error", msg_type, exc_info=True)
                    content = _error_reply(type(err).__name__, _printable(str(err)))
                    if msg_type == "execute_request":
                        content["execution_count"] = self.execution_count
                    self.session.send(stream, reply, content, parent, ident=ident)

        return answered

    async def execute_request(self, stream, ident, parent):
        """Execute a request reactively (``dispatch_shell`` already checked its fields)."""
        msg_id = parent["header"]["msg_id"]
        self.queue.started(msg_id)
        try:
            await super().execute_request(stream, ident, parent)
        finally:
            self._reports.pop(msg_id, None)

    async def interrupt_request(self, stream, ident, parent):
        """Send the interrupt and reply ``ok``.

        On the shell channel the interrupt can only land on this very handler
        (the shell runs one request at a time): it is held and dropped, so the
        reply still goes out.
        """
        with self._gate.held():
            await super().interrupt_request(stream, ident, parent)
            if threading.current_thread() is threading.main_thread():
                self._gate.take()

    async def history_request(self, stream, ident, parent):
        """Pass on only the fields the protocol defines: ipykernel makes every content field an argument."""
        known = {name for name, _, _ in requests.FIELDS["history_request"]}
        fields = {k: v for k, v in parent["content"].items() if k in known and v is not None}
        await super().history_request(stream, ident, {**parent, "content": fields})

    def finish_metadata(self, parent, metadata, reply_content):
        """Attach the request's reactive report; note a deferred cell whose request was aborted."""
        metadata = super().finish_metadata(parent, metadata, reply_content)
        msg_id = parent["header"].get("msg_id")
        report = self._reports.get(msg_id) if isinstance(msg_id, str) else None
        if report is None and reply_content.get("status") == "aborted":
            report = self._left_undone(parent, "its own request was aborted after an error above")
        if report is not None:
            metadata[REACTIVE] = report.to_json()
        self.stats.executed(report, reply_content)
        return metadata

    def _left_undone(self, parent: dict, why: str, own_area: bool = True) -> Report | None:
        """The report of an execute request that did not run its cell (aborted, silent, refused as malformed).

        A cell a cascade left to the request is out of date: it gets a
        ``stale`` notice where its client sees it (the next execute runs it).
        A cell a cascade ran before the request arrived is up to date: a
        request whose output area is the cell's (``own_area``) shows that run's
        outputs.  Returns None for a request that names no known cell.
        """
        self.queue.started(parent["header"].get("msg_id"))
        metadata = parent.get("metadata")
        cell_id = metadata.get(CELL_ID) if isinstance(metadata, dict) else None
        if not self._usable_id(cell_id) or cell_id not in self.notebook or cell_id not in self.records:
            return None
        record = self.records[cell_id]
        if cell_id in self.notebook.versions.dirty:
            text = f"● stale: {why}. Run this cell to bring it up to date."
            if own_area:
                record.parent, record.refused = {"header": parent["header"]}, False
            RequestHost(self, {"header": parent["header"]}).notice(cell_id, Status.STALE, text)
            return Report(cell_id, Status.STALE, self.label(cell_id))
        if own_area and record.kept is not None:
            report = Report(cell_id)
            self._show_kept(cell_id, parent, report)
            return report
        return None

    # ------------------------------------------------------------------
    # names
    # ------------------------------------------------------------------
    def label(self, cell_id: str) -> str:
        """How people see a cell: ``cell [5] df = df.dropna()``."""
        record = self.records.get(cell_id)
        if record is None:
            cell = self.notebook.cells.get(cell_id)
            return cell_label(None, cell.code if cell is not None else "")
        return record.label

    # ------------------------------------------------------------------
    # execute
    # ------------------------------------------------------------------
    async def do_execute(
        self,
        code,
        silent,
        store_history=True,
        user_expressions=None,
        allow_stdin=False,
        *,
        cell_meta=None,
        cell_id=None,
    ):
        """Bring the notebook model up to date with this request, then run the cell and its cascade.

        Silent requests and requests on a subshell (another thread) run as in
        ipykernel, touching nothing of the notebook.  Interrupts are held
        while the kernel updates its graph and namespace (see ``interrupts``):
        one that comes then stops the cascade before the next cell's code,
        or, once nothing is left to run, makes the reply a ``KeyboardInterrupt``.
        """
        self._transform.forget()
        run_cell = super().do_execute
        parent = self.get_parent("shell")
        if silent or threading.current_thread() is not threading.main_thread():
            reply = await run_cell(
                code,
                silent,
                store_history,
                user_expressions,
                allow_stdin,
                cell_meta=cell_meta,
                cell_id=cell_id,
            )
            if cell_id is not None and silent:
                why = "its own request was silent, and silent requests run no notebook cell"
                report = self._left_undone(parent, why, own_area=False)
                if report is not None:
                    self._reports[parent["header"]["msg_id"]] = report
            return reply
        started = time.monotonic()
        with self._gate.held():
            try:
                reply = await self._execute(
                    parent,
                    run_cell,
                    code,
                    store_history,
                    user_expressions,
                    allow_stdin,
                    cell_meta,
                    cell_id,
                )
            finally:
                self.queue.finished(parent["header"], time.monotonic() - started)
            if self._gate.take() and reply.get("status") == "ok":
                reply = _error_reply(
                    "KeyboardInterrupt",
                    "interrupted while the kernel brought the notebook up to date",
                    execution_count=reply.get("execution_count"),
                    user_expressions={},
                    payload=reply.get("payload", []),
                )
        return reply

    async def _execute(self, parent, run_cell, code, store_history, user_expressions, allow_stdin, cell_meta, cell_id):
        header = parent["header"]
        metadata = cell_meta or {}
        anonymous = not (isinstance(cell_id, str) and cell_id)
        cid = f"anon-{next(self._anonymous)}" if anonymous else cell_id
        report = Report(cid)
        self._reports[header["msg_id"]] = report
        count = self.shell.execution_count
        record = self.records.get(cid)
        if record is None:
            record = self.records[cid] = CellRecord(cid, anonymous=anonymous)
        record.code = code
        self._learn_order(cid, header, metadata, joins=not anonymous)
        gone = self._delete_cells([c for c in metadata.get(DELETED_CELLS) or () if self._usable_id(c) and c != cid])
        report.deleted = list(gone)
        deleted = list(gone.values())
        if self._replayable(cid, code):
            reply = self._replay(cid, code, parent, store_history, user_expressions, report)
            await self._cascade(RequestHost(self, parent, execution_count=count), None, report, deleted)
            return reply
        analysis = self._analyze(code)

        try:
            registration = self._prepare(cid, code, analysis, header, anonymous)
        except RegistrationError as err:
            record.parent, record.prompt = {"header": header}, count
            report.status, report.registered = Status.BLOCKED, False
            report.label = self.label(cid)
            reply = self._refuse(cid, code, err, store_history, parent)
            refused: dict | None = reply
        else:
            refused = None
        if refused is not None:
            await self._cascade(RequestHost(self, parent, execution_count=count), None, report, deleted)
            return refused
        with self._gate.held():
            self.notebook.commit(registration)
            for retired, remaining in registration.retire.items():
                if remaining is None:
                    self.records.pop(retired, None)
            self._relations |= analysis.relations
            # a console input's re-runs show under the current request, after a heading
            record.parent = None if anonymous else {"header": header}
            record.prompt, record.published, record.refused = count, False, False
            if record.transformed is not None and record.transformed[0] != code:
                record.transformed, record.is_async = None, None
            self._last_run[header.get("session", "")] = cid
        report.reads = sorted(n for n in registration.node.inputs if not n.startswith(FILE_PREFIX))
        report.writes = sorted(n for n in registration.node.writes if not n.startswith(FILE_PREFIX))
        report.label = self.label(cid)

        async def execute_self() -> dict:
            self.outputs.watch(header["msg_id"])
            try:
                with self._gate.open():
                    return await run_cell(
                        code,
                        False,
                        store_history,
                        user_expressions,
                        allow_stdin,
                        cell_meta=cell_meta,
                        cell_id=cell_id,
                    )
            finally:
                flush_streams()
                record.published = self.outputs.unwatch()

        host = RequestHost(self, parent, execute_self, count)
        cascade = await self._cascade(host, cid, report, deleted)
        reply = host.reply or _error_reply(
            "KeyboardInterrupt",
            "interrupted before the cell ran",
            execution_count=count,
            user_expressions={},
            payload=[],
        )
        status = status_of(reply)
        record.status = status
        record.reason = None if status is Status.OK else f"raised {reply.get('ename')}"
        report.status = status
        if anonymous and cid in self.notebook and not self.notebook.graph.cell(cid).writes:
            with self._gate.held():
                self.notebook.delete(cid)
                self.records.pop(cid, None)
        if not anonymous:
            self._learn_batch(cid, header)
        if cascade.interrupted is not None and reply.get("status") == "ok":
            reply = _error_reply(
                "KeyboardInterrupt",
                f"cascade interrupted at {self.label(cascade.interrupted)}",
                execution_count=reply.get("execution_count", count),
                user_expressions={},
                payload=reply.get("payload", []),
            )
        return reply

    def _learn_order(self, cell_id: str, header: dict, metadata: dict, joins: bool = False) -> None:
        """Take the notebook's order from ``cellOrder``, or from a Run All's burst of requests.

        ``joins``: the request is an execute of a cell, part of its client's burst.
        """
        order = metadata.get(CELL_ORDER)
        before = self.queue.join_burst(header, cell_id)[:-1] if joins else []
        with self._gate.held():
            if isinstance(order, list):
                self.notebook.apply_order([c for c in order if self._usable_id(c)])
            else:
                self._learn_batch(cell_id, header, before)

    def _learn_batch(self, cell_id: str, header: dict, before: Sequence[str] = ()) -> None:
        """Order this cell, the cells of its burst ``before`` it and the requests of its burst still waiting."""
        batch = [*before, cell_id, *self.queue.batch_after(header)]
        if len(batch) > 1 and not self.notebook.order.is_ordered(batch):
            with self._gate.held():
                self.notebook.apply_order(batch, complete=False)

    def _prepare(self, cid: str, code: str, analysis: Analysis, header: dict, anonymous: bool = False):
        """Check a registration against the notebook (raises RegistrationError; changes nothing)."""
        return self.notebook.prepare(
            cid,
            code,
            analysis,
            self.shell.user_ns.__getitem__,
            os.getcwd(),
            self._last_run.get(header.get("session", "")),
            anonymous,
        )

    def _analyze(self, code: str) -> Analysis:
        """Transform and analyse a cell; a cell that does not parse binds nothing (it raises when run)."""
        try:
            transformed = self._transform.transform(code)
            self._transform.remember(code, transformed)
            return self.analyzer.analyze_python(transformed)
        except SyntaxError:
            return Analysis()
        except Exception as err:
            self.log.warning("Could not analyse a cell: %s", err)
            return Analysis(dynamic=True)

    def _replayable(self, cell_id: str, code: str) -> bool:
        """Whether a cascade already ran this cell, as it now reads, with its current inputs."""
        record = self.records.get(cell_id)
        cell = self.notebook.cells.get(cell_id)
        return (
            record is not None
            and record.kept is not None
            and not record.anonymous
            and cell is not None
            and cell.code == code
            and self.notebook.versions.fresh(self.notebook.graph, cell_id)
        )

    def _replay(
        self, cell_id: str, code: str, parent: dict, store_history: bool, user_expressions: dict | None, report: Report
    ) -> dict:
        """Show the outputs of the cascade run that brought the cell up to date, instead of running it again."""
        shell = self.shell
        count = shell.execution_count
        if store_history:
            shell.history_manager.store_inputs(count, code, code)
            shell.execution_count += 1
        error = self._show_kept(cell_id, parent, report, count)
        reply: dict[str, Any] = {"status": "ok", "execution_count": count, "payload": []}
        if error is not None:
            reply.update(
                status="error",
                ename=error.get("ename", ""),
                evalue=error.get("evalue", ""),
                traceback=error.get("traceback", []),
                user_expressions={},
            )
        else:
            reply["user_expressions"] = shell.user_expressions(user_expressions or {})
        return reply

    def _show_kept(self, cell_id: str, parent: dict, report: Report, count: int | None = None) -> dict | None:
        """Publish a cell's kept outputs under ``parent``, fill the report; returns the error shown, if any."""
        record = self.records[cell_id]
        error: dict | None = None
        for msg_type, content in compact(record.kept or []):
            if msg_type == "execute_result":
                content = {**content, "execution_count": count}
            elif msg_type == "error":
                error = content
            self.session.send(self.iopub_socket, msg_type, content, parent, ident=compat.topic(self, msg_type))
        record.parent, record.refused = {"header": parent["header"]}, False
        if count is not None:
            record.prompt = count
        record.published = bool(record.kept)
        report.status = record.kept_status or Status.OK
        record.kept = record.kept_status = None
        report.replayed, report.label = True, self.label(cell_id)
        node = self.notebook.graph.cell(cell_id)
        report.reads = sorted(n for n in node.inputs if not n.startswith(FILE_PREFIX))
        report.writes = sorted(n for n in node.writes if not n.startswith(FILE_PREFIX))
        return error

    # ------------------------------------------------------------------
    # registration
    # ------------------------------------------------------------------
    def _refuse(self, cid: str, code: str, err: RegistrationError, store_history: bool, parent: dict) -> dict:
        """Publish a refused registration and build its error reply."""
        shell = self.shell
        count = shell.execution_count
        if store_history:
            shell.history_manager.store_inputs(count, code, code)
            shell.execution_count += 1
        content = self._error_content(err)
        record = self.records.get(cid)
        if record is not None and not record.anonymous:
            record.status, record.reason = Status.BLOCKED, content["evalue"]
            record.published = record.refused = True
        elif record is not None:
            self.records.pop(cid, None)
        self.session.send(self.iopub_socket, "error", content, parent, ident=compat.topic(self, "error"))
        reply = {"status": "error", "execution_count": count, "user_expressions": {}, "payload": []}
        reply.update(content)
        return reply

    def _describe(self, err: RegistrationError) -> str:
        """A refusal in words, cells named as people see them."""
        if isinstance(err, CycleError):
            return (
                f"{self.label(err.cell_id)} would close a cycle: {format_cycle(err.cycle, self.label)}. "
                "Define the name in a cell above the cells that read it, or move the shared "
                "computation into one cell."
            )
        if isinstance(err, MultipleDefinitionError):
            return (
                f"{err.name!r} is already defined by {self.label(err.owner)}; strict mode allows one "
                "definition per name. Rename it here, or remove it there (%reactive allow lifts the rule)."
            )
        return str(err)

    def _error_content(self, err: RegistrationError) -> dict:
        """The error fields (ename, evalue, traceback and data) for a refused registration."""
        evalue = self._describe(err)
        content: dict[str, Any] = {
            "ename": type(err).__name__,
            "evalue": evalue,
            "traceback": [f"{type(err).__name__}: {evalue}"],
            "cell_id": err.cell_id,
        }
        if isinstance(err, CycleError):
            content["cycle"] = [list(step) for step in err.cycle]
        elif isinstance(err, MultipleDefinitionError):
            content["name"] = err.name
            content["owner"] = err.owner
        return content

    def _delete_cells(self, cell_ids: Iterable[str]) -> dict[str, str]:
        """Unregister cells the frontend deleted; returns the known ones' labels by id."""
        deleted = {}
        for cid in cell_ids:
            label = self.label(cid)
            with self._gate.held():
                known = self.notebook.delete(cid) is not None or cid in self.records
                self.records.pop(cid, None)
            if known:
                deleted[cid] = label
        return deleted

    def forget(self, names: Iterable[str]) -> None:
        """Delete names from the user namespace and drop the SQL relations among them."""
        ns = self.shell.user_ns
        relations = set()
        for name in names:
            if name in self._relations:
                relations.add(name)
            ns.pop(name, None)
        self.drop_relations(relations)

    def drop_relations(self, names: Iterable[str]) -> None:
        """Drop SQL tables and views (before the cell that creates them runs again, or when it goes)."""
        names = frozenset(names)
        if names and self.relation_dropper is not None:
            self.relation_dropper(names)

    # ------------------------------------------------------------------
    # cascades
    # ------------------------------------------------------------------
    def schedule_run(self, cell_ids: Iterable[str]) -> None:
        """Run these cells (as if their inputs changed) after the current cell."""
        self._scheduled.extend(c for c in cell_ids if c in self.notebook)

    async def _cascade(self, host: RequestHost, requested: str | None, report: Report, deleted: Sequence[str] = ()):
        """Run a cascade for a request; fills ``report.cascade``; returns the cascade.

        ``deleted`` are the labels of the cells the request deleted, for the summary line.
        """
        lazy, started = self.mode == "lazy", time.monotonic()
        cascade = self.notebook.cascade(
            host,
            requested,
            lazy=lazy,
            skip_after_error=self.after_error == "skip",
            seed_dirty=not lazy,
            progress_after=self.progress_after,
        )
        try:
            await cascade.run()
            while self._scheduled and cascade.interrupted is None:
                extra, self._scheduled = self._scheduled, []
                self.notebook.versions.dirty.update(extra)
                follow = self.notebook.cascade(host, None, seed_dirty=True, progress_after=self.progress_after)
                await follow.run()
                cascade.entries.extend(follow.entries)
                cascade.interrupted = follow.interrupted
        finally:
            self._scheduled = []
            host.end_progress()
            host.summary(requested, cascade.entries, deleted)
            report.cascade = cascade.entries
            self.stats.cascade(cascade.entries, time.monotonic() - started)
            for entry in cascade.entries:
                record = self.records.get(entry.cell_id)
                if record is not None:
                    record.status = entry.status
                    by = f" ({self.label(entry.blocked_by)})" if entry.blocked_by else ""
                    record.reason = None if entry.status is Status.OK else f"{entry.reason or entry.status}{by}"
        return cascade

    async def rerun(self, cid: str, prompt: int | None) -> dict:
        """Run a registered cell's code as a cascade member (no history; the count moves not).

        While it runs, IPython's count is ``prompt``, the number the cell
        shows, so that its traceback and result name that prompt.  Synchronous
        cells go straight to IPython's ``run_cell_async`` with the source
        transformed once; cells that await take ipykernel's full path.
        Returns a reply-like dict with ``status`` and, on error, ``ename``.
        """
        shell = self.shell
        count = shell.execution_count
        if prompt is not None:
            shell.execution_count = prompt
        try:
            with self._gate.open():
                return await self._rerun(cid)
        finally:
            shell.execution_count = count

    async def _rerun(self, cid: str) -> dict:
        record = self.records[cid]
        code = self.notebook.cells[cid].code
        shell = self.shell
        cell_id = None if record.anonymous else cid
        if record.transformed is None or record.transformed[0] != code:
            record.transformed, record.is_async = (code, self._transform.transform(code)), None
        source = record.transformed[1]
        if record.is_async is None:
            record.is_async = ("await" in source or "async" in source) and shell.should_run_async(
                code, transformed_cell=source, preprocessing_exc_tuple=None
            )
        if record.is_async:
            return await IPythonKernel.do_execute(
                self,
                code,
                False,
                store_history=False,
                user_expressions=None,
                allow_stdin=False,
                cell_id=cell_id,
            )
        compat.reset_traceback(shell)
        compat.forward_input(self)
        result = None
        try:
            result = _run_sync(
                shell.run_cell_async(
                    code,
                    store_history=False,
                    silent=False,
                    transformed_cell=source,
                    preprocessing_exc_tuple=None,
                    cell_id=cell_id,
                )
            )
        finally:
            compat.restore_input(self)
            shell.events.trigger("post_execute")
            shell.events.trigger("post_run_cell", result)
            shell.payload_manager.clear_payload()
        error = result.error_before_exec or result.error_in_exec
        if result.success and not compat.run_failed_in_displayhook(shell):
            return {"status": "ok"}
        return {"status": "error", "ename": type(error).__name__ if error else "DisplayError"}

    # ------------------------------------------------------------------
    # register / unregister requests
    # ------------------------------------------------------------------
    async def register_cell_request(self, stream, ident, parent):
        """Register a cell without running it; replies register_cell_reply."""
        with self._gate.held():
            self._register(stream, ident, parent)

    def _register(self, stream, ident, parent) -> None:
        self._transform.forget()
        content = parent["content"]
        cid, code = content["cell_id"], content["code"]
        header = parent["header"]
        self._learn_order(cid, header, parent["metadata"])
        try:
            transformed = self._transform.transform(code)
            analysis = self.analyzer.analyze_python(transformed)
            registration = self._prepare(cid, code, analysis, header)
        except SyntaxError as err:
            reply = _error_reply(ErrorName.SYNTAX.value, str(err), cell_id=cid, lineno=err.lineno)
            reply["traceback"] = [f"SyntaxError: {err}"]
        except RegistrationError as err:
            reply = {"status": "error", **self._error_content(err)}
        else:
            with self._gate.held():
                self.notebook.commit(registration)
                self._relations |= analysis.relations
                record = self.records.setdefault(cid, CellRecord(cid))
                record.code = code
                if record.status is Status.BLOCKED:
                    record.status, record.reason = Status.REGISTERED, None
                record.transformed, record.is_async = (code, transformed), None
                self._last_run[header.get("session", "")] = cid
            graph = self.notebook.graph
            node = graph.cell(cid)
            reply = {
                "status": "ok",
                "cell_id": cid,
                "reads": sorted(n for n in node.inputs if not n.startswith(FILE_PREFIX)),
                "writes": sorted(n for n in node.writes if not n.startswith(FILE_PREFIX)),
                "parents": graph.parents(cid),
                "children": graph.children(cid),
            }
        self.stats.registered(reply)
        self.session.send(stream, REGISTER_REPLY, reply, parent, ident=ident)

    async def unregister_cell_request(self, stream, ident, parent):
        """Unregister a cell, delete its names and re-run what read them; replies unregister_cell_reply."""
        with self._gate.held():
            await self._unregister(stream, ident, parent)

    async def _unregister(self, stream, ident, parent) -> None:
        cid = parent["content"]["cell_id"]
        if cid not in self.records and cid not in self.notebook:
            reply = _error_reply(ErrorName.UNKNOWN_CELL.value, f"no cell {cid!r} is registered", cell_id=cid)
        else:
            node = self.notebook.graph.cell(cid) if cid in self.notebook.graph else None
            report = Report(cid)
            gone = self._delete_cells([cid])
            await self._cascade(RequestHost(self, parent), None, report, list(gone.values()))
            names = sorted(n for n in (node.writes if node else ()) if not n.startswith(FILE_PREFIX))
            reply = {
                "status": "ok",
                "cell_id": cid,
                "deleted": names,
                "cascade": [entry.to_json() for entry in report.cascade],
            }
        self.session.send(stream, UNREGISTER_REPLY, reply, parent, ident=ident)


def _run_sync(coro):
    """Drive a coroutine that never awaits to its result; raises RuntimeError if it does await."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()
    raise RuntimeError("a cell run synchronously tried to await")
