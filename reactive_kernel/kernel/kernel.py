"""ReactiveKernel: ipykernel's IPythonKernel with a notebook model behind every execute.

Protocol glue only: analysis, graph, versions and the cascade runner live in
``reactive_kernel.core``; where outputs go in ``host``.  See docs/semantics.md
and docs/protocol.md for the behaviour.
"""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterable

from ipykernel.ipkernel import IPythonKernel
from traitlets import Enum, Float, Int, observe

from .. import __version__
from ..core.analysis import Analysis, standard_analyzer
from ..core.graph import CycleError, MultipleDefinitionError, RegistrationError, format_cycle
from ..core.notebook import Notebook
from ..core.protocol import (
    CELL_ORDER,
    DELETED_CELLS,
    REACTIVE,
    REGISTER_REPLY,
    UNREGISTER_REPLY,
    ErrorName,
    Report,
    Status,
    cell_label,
)
from ..core.resolve import FILE_PREFIX
from . import compat, magics
from .host import RequestHost, status_of
from .outputs import OutputWatch, compact, flush_streams
from .queue import RequestQueue
from .records import CellRecord
from .stats import KernelStats

__all__ = ["ReactiveKernel"]


class BadRequest(ValueError):
    """A request whose content is missing fields or has ill-typed ones."""


@contextmanager
def _no_interrupt():
    """Defer SIGINT while the graph and namespace change, so they change as a whole."""
    main = threading.current_thread() is threading.main_thread()
    if main:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        if main:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _error_reply(ename: str, evalue: str, **data: Any) -> dict:
    """An error reply's content: status, ename, evalue, an empty traceback, and any data fields."""
    return {"status": "error", "ename": ename, "evalue": evalue, "traceback": [], **data}


def _field(content: dict, name: str, kind: type | tuple, default: Any = ...) -> Any:
    """content[name] checked against kind; raises BadRequest."""
    if name not in content:
        if default is ...:
            raise BadRequest(f"missing field {name!r}")
        return default
    value = content[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        expected = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise BadRequest(f"field {name!r} must be {expected}, not {type(value).__name__}")
    return value


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
    max_code_size = Int(
        16 * 1024 * 1024, help="Largest cell, in characters, the kernel will analyse and run."
    ).tag(config=True)
    progress_after = Float(
        1.0, help="Seconds after which a running cascade shows which cell of how many runs."
    ).tag(config=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        compat.set_execute_sleep(self, 0.0)
        self.notebook = Notebook(strict=self.redefinitions == "refuse")
        self.records: dict[str, CellRecord] = {}
        self.queue = RequestQueue()
        self._transform = compat.memoize_transform(self.shell)
        self.analyzer = standard_analyzer(self._transform.transform)
        self.relation_dropper = None
        self.outputs = OutputWatch(self.session)
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
    async def shell_main(self, subshell_id: str | None, msg: list) -> None:
        """Note execute requests as they arrive, so a cascade can leave their cells to them."""
        msg_id = self._note_waiting(msg) if subshell_id is None else None
        try:
            await super().shell_main(subshell_id, msg)
        finally:
            self.queue.started(msg_id)

    def _note_waiting(self, msg: list) -> str | None:
        """Remember a waiting execute request's cell: a hint only, so the signature is not checked here."""
        if compat.is_internal_message(msg):
            return None
        try:
            _, frames = self.session.feed_identities(msg, copy=False)
            header = self.session.unpack(bytes(frames[1]))
            if header.get("msg_type") != "execute_request":
                return None
            metadata = self.session.unpack(bytes(frames[3]))
        except Exception:
            return None
        if not isinstance(header, dict) or not isinstance(metadata, dict):
            return None
        self.queue.arrived(header, metadata)
        msg_id = header.get("msg_id")
        return msg_id if isinstance(msg_id, str) else None

    async def dispatch_shell(self, msg, /, subshell_id=None, *, concurrent=False):  # type: ignore[override]
        """Reply ``BadRequest`` to a request whose content cannot be decoded."""
        if self.session is not None and not compat.is_internal_message(msg):
            refused = self._undecodable(msg)
            if refused is not None:
                idents, head = refused
                self._reply_bad_request(self.shell_stream, idents, head, "content could not be decoded")
                return
        await super().dispatch_shell(msg, subshell_id, concurrent=concurrent)

    def _undecodable(self, msg: list):
        """(idents, message without content) for a signed request whose content is not JSON, else None."""
        try:
            idents, frames = self.session.feed_identities(msg, copy=False)
        except Exception:
            return None
        try:
            self.session.unpack(bytes(frames[4]))
            return None
        except Exception:
            pass
        try:
            return idents, self.session.deserialize(frames, content=False, copy=False)
        except Exception:
            return None

    def _reply_bad_request(self, stream, ident, parent: dict, why: str) -> None:
        msg_type = parent["header"].get("msg_type", "")
        reply_type = msg_type[: -len("_request")] + "_reply" if msg_type.endswith("_request") else "error_reply"
        compat.publish_status(self, "busy", parent)
        content = _error_reply(ErrorName.BAD_REQUEST.value, why)
        if msg_type == "execute_request":
            content["execution_count"] = self.execution_count
        self.log.warning("Bad %s: %s", msg_type, why)
        self.session.send(stream, reply_type, content, parent, ident=ident)
        compat.publish_status(self, "idle", parent)

    async def execute_request(self, stream, ident, parent):
        """Check the request's fields, then execute it reactively."""
        msg_id = parent["header"].get("msg_id")
        self.queue.started(msg_id)
        try:
            self._check_execute(parent)
        except BadRequest as err:
            content = _error_reply(ErrorName.BAD_REQUEST.value, str(err), execution_count=self.execution_count)
            self.log.warning("Bad execute_request: %s", err)
            self.session.send(stream, "execute_reply", content, parent, ident=ident)
            return
        try:
            await super().execute_request(stream, ident, parent)
        finally:
            self._reports.pop(msg_id, None)

    def _check_execute(self, parent: dict) -> None:
        content = parent.get("content")
        if not isinstance(content, dict):
            raise BadRequest("content must be an object")
        code = _field(content, "code", str)
        _field(content, "silent", bool, False)
        _field(content, "store_history", bool, True)
        _field(content, "allow_stdin", bool, False)
        _field(content, "stop_on_error", bool, True)
        _field(content, "user_expressions", dict, {})
        metadata = parent.get("metadata")
        if not isinstance(metadata, dict):
            raise BadRequest("metadata must be an object")
        if metadata.get("cellId") is not None and not isinstance(metadata["cellId"], str):
            raise BadRequest("metadata.cellId must be a string")
        for key in (DELETED_CELLS, CELL_ORDER):
            value = metadata.get(key)
            if value is not None and not isinstance(value, list):
                raise BadRequest(f"metadata.{key} must be a list")
        self._check_size(code)

    def _check_size(self, code: str) -> None:
        """Raise BadRequest for a cell over ``max_code_size``."""
        if len(code) > self.max_code_size:
            raise BadRequest(
                f"cell is {len(code)} characters; the limit is {self.max_code_size} "
                "(ReactiveKernel.max_code_size)"
            )

    def finish_metadata(self, parent, metadata, reply_content):
        """Attach the request's reactive report; note a deferred cell whose request was aborted."""
        metadata = super().finish_metadata(parent, metadata, reply_content)
        msg_id = parent["header"].get("msg_id")
        report = self._reports.get(msg_id)
        if report is None and reply_content.get("status") == "aborted":
            report = self._aborted(parent)
        if report is not None:
            metadata[REACTIVE] = report.to_json()
        self.stats.executed(report, reply_content)
        return metadata

    def _aborted(self, parent: dict) -> Report | None:
        """A request ipykernel aborted after an error, for a cell a cascade left to it or already ran.

        A cell left to it is out of date: it gets a ``stale`` notice in its
        output area (the next execute runs it).  A cell a cascade ran before the
        request arrived is up to date: the request shows that run's outputs.
        """
        self.queue.started(parent["header"].get("msg_id"))
        cell_id = (parent.get("metadata") or {}).get("cellId")
        if not isinstance(cell_id, str) or cell_id not in self.notebook:
            return None
        record = self.records[cell_id]
        if cell_id in self.notebook.versions.dirty:
            text = "● stale: its own request was aborted after an error above. Run this cell to bring it up to date."
            record.parent = {"header": parent["header"]}
            RequestHost(self, {"header": parent["header"]}).notice(cell_id, Status.STALE, text)
            return Report(cell_id, Status.STALE, self.label(cell_id))
        if record.kept is not None:
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
        """Bring the notebook model up to date with this request, then run the cell and its cascade."""
        self._transform.forget()
        run_cell = super().do_execute
        if silent:
            return await run_cell(
                code, silent, store_history, user_expressions, allow_stdin,
                cell_meta=cell_meta, cell_id=cell_id,
            )
        parent = self.get_parent("shell")
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
        self._learn_order(cid, header, metadata)
        gone = self._delete_cells([c for c in metadata.get(DELETED_CELLS) or () if isinstance(c, str) and c != cid])
        report.deleted = list(gone)
        deleted = list(gone.values())
        if self._replayable(cid, code):
            reply = self._replay(cid, code, parent, store_history, user_expressions, report)
            await self._cascade(RequestHost(self, parent, execution_count=count), None, report, deleted)
            return reply
        analysis = self._analyze(code)

        try:
            registration = self.notebook.prepare(
                cid, code, analysis, self.shell.user_ns.__getitem__, os.getcwd(),
                self._last_run.get(header.get("session", "")), anonymous,
            )
        except RegistrationError as err:
            record.parent, record.prompt = {"header": header}, count
            report.status, report.registered = Status.BLOCKED, False
            report.label = self.label(cid)
            reply = self._refuse(cid, code, err, store_history, parent)
            refused = reply
        else:
            refused = None
        if refused is not None:
            await self._cascade(RequestHost(self, parent, execution_count=count), None, report, deleted)
            return refused
        with _no_interrupt():
            self.notebook.commit(registration)
            for gone, remaining in registration.retire.items():
                if remaining is None:
                    self.records.pop(gone, None)
            self._relations |= analysis.relations
            # a console input's re-runs show under the current request, after a heading
            record.parent = None if anonymous else {"header": header}
            record.prompt, record.published = count, False
            if record.transformed is not None and record.transformed[0] != code:
                record.transformed, record.is_async = None, None
            self._last_run[header.get("session", "")] = cid
        report.reads = sorted(n for n in registration.node.inputs if not n.startswith(FILE_PREFIX))
        report.writes = sorted(n for n in registration.node.writes if not n.startswith(FILE_PREFIX))
        report.label = self.label(cid)

        async def execute_self() -> dict:
            self.outputs.watch(header["msg_id"])
            try:
                return await run_cell(
                    code, False, store_history, user_expressions, allow_stdin,
                    cell_meta=cell_meta, cell_id=cell_id,
                )
            finally:
                flush_streams()
                record.published = self.outputs.unwatch()

        host = RequestHost(self, parent, execute_self, count)
        cascade = await self._cascade(host, cid, report, deleted)
        reply = host.reply or _error_reply(
            "KeyboardInterrupt", "interrupted before the cell ran",
            execution_count=count, user_expressions={}, payload=[],
        )
        status = status_of(reply)
        record.status = status
        record.reason = None if status is Status.OK else f"raised {reply.get('ename')}"
        report.status = status
        if anonymous and cid in self.notebook and not self.notebook.graph.cell(cid).writes:
            with _no_interrupt():
                self.notebook.delete(cid)
                self.records.pop(cid, None)
        if not anonymous:
            self._learn_batch(cid, header)
        if cascade.interrupted is not None and reply.get("status") == "ok":
            reply = _error_reply(
                "KeyboardInterrupt", f"cascade interrupted at {self.label(cascade.interrupted)}",
                execution_count=reply.get("execution_count", count), user_expressions={},
                payload=reply.get("payload", []),
            )
        return reply

    def _learn_order(self, cell_id: str, header: dict, metadata: dict) -> None:
        """Take the notebook's order from ``cellOrder``, or from a Run All's batch of requests."""
        order = metadata.get(CELL_ORDER)
        with _no_interrupt():
            if isinstance(order, list):
                self.notebook.apply_order([c for c in order if isinstance(c, str)])
            else:
                self._learn_batch(cell_id, header)

    def _learn_batch(self, cell_id: str, header: dict) -> None:
        """Order this cell and the requests of its batch still waiting (a Run All) as they were sent."""
        batch = [cell_id, *self.queue.batch_after(header)]
        if len(batch) > 1 and not self.notebook.order.is_ordered(batch):
            with _no_interrupt():
                self.notebook.apply_order(batch, complete=False)

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
            record is not None and record.kept is not None and not record.anonymous
            and cell is not None and cell.code == code
            and self.notebook.versions.fresh(self.notebook.graph, cell_id)
        )

    def _replay(self, cell_id: str, code: str, parent: dict, store_history: bool,
                user_expressions: dict | None, report: Report) -> dict:
        """Show the outputs of the cascade run that brought the cell up to date, instead of running it again."""
        shell = self.shell
        count = shell.execution_count
        if store_history:
            shell.history_manager.store_inputs(count, code, code)
            shell.execution_count += 1
        error = self._show_kept(cell_id, parent, report, count)
        reply: dict[str, Any] = {"status": "ok", "execution_count": count, "payload": []}
        if error is not None:
            reply.update(status="error", ename=error.get("ename", ""), evalue=error.get("evalue", ""),
                         traceback=error.get("traceback", []), user_expressions={})
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
        record.parent = {"header": parent["header"]}
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
            record.published = True
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
            with _no_interrupt():
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

    async def _cascade(self, host: RequestHost, requested: str | None, report: Report, deleted: list[str] = ()):
        """Run a cascade for a request; fills ``report.cascade``; returns the cascade.

        ``deleted`` are the labels of the cells the request deleted, for the summary line.
        """
        lazy, started = self.mode == "lazy", time.monotonic()
        cascade = self.notebook.cascade(
            host, requested, lazy=lazy, skip_after_error=self.after_error == "skip",
            seed_dirty=not lazy, progress_after=self.progress_after,
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
                self, code, False, store_history=False, user_expressions=None,
                allow_stdin=False, cell_id=cell_id,
            )
        compat.reset_traceback(shell)
        compat.forward_input(self)
        result = None
        try:
            result = _run_sync(
                shell.run_cell_async(
                    code, store_history=False, silent=False, transformed_cell=source,
                    preprocessing_exc_tuple=None, cell_id=cell_id,
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
        self._transform.forget()
        content = parent.get("content")
        try:
            if not isinstance(content, dict):
                raise BadRequest("content must be an object")
            cid = _field(content, "cell_id", str)
            code = _field(content, "code", str)
            if not cid:
                raise BadRequest("cell_id must not be empty")
            self._check_size(code)
        except BadRequest as err:
            cid = content.get("cell_id") if isinstance(content, dict) else None
            reply = _error_reply(ErrorName.BAD_REQUEST.value, str(err), cell_id=cid)
            self.session.send(stream, REGISTER_REPLY, reply, parent, ident=ident)
            return
        metadata = parent.get("metadata")
        header = parent["header"]
        self._learn_order(cid, header, metadata if isinstance(metadata, dict) else {})
        try:
            transformed = self._transform.transform(code)
            analysis = self.analyzer.analyze_python(transformed)
            registration = self.notebook.prepare(
                cid, code, analysis, self.shell.user_ns.__getitem__, os.getcwd(),
                self._last_run.get(header.get("session", "")),
            )
        except SyntaxError as err:
            reply = _error_reply(ErrorName.SYNTAX.value, str(err), cell_id=cid, lineno=err.lineno)
            reply["traceback"] = [f"SyntaxError: {err}"]
        except RegistrationError as err:
            reply = {"status": "error", **self._error_content(err)}
        else:
            with _no_interrupt():
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
                "status": "ok", "cell_id": cid,
                "reads": sorted(n for n in node.inputs if not n.startswith(FILE_PREFIX)),
                "writes": sorted(n for n in node.writes if not n.startswith(FILE_PREFIX)),
                "parents": graph.parents(cid), "children": graph.children(cid),
            }
        self.stats.registered(reply)
        self.session.send(stream, REGISTER_REPLY, reply, parent, ident=ident)

    async def unregister_cell_request(self, stream, ident, parent):
        """Unregister a cell, delete its names and re-run what read them; replies unregister_cell_reply."""
        content = parent.get("content")
        cid = content.get("cell_id") if isinstance(content, dict) else None
        if not isinstance(cid, str) or not cid:
            reply = _error_reply(ErrorName.BAD_REQUEST.value, "cell_id must be a non-empty string", cell_id=cid)
        elif cid not in self.records and cid not in self.notebook:
            reply = _error_reply(ErrorName.UNKNOWN_CELL.value, f"no cell {cid!r} is registered", cell_id=cid)
        else:
            node = self.notebook.graph.cell(cid) if cid in self.notebook.graph else None
            report = Report(cid)
            gone = self._delete_cells([cid])
            await self._cascade(RequestHost(self, parent), None, report, list(gone.values()))
            names = sorted(n for n in (node.writes if node else ()) if not n.startswith(FILE_PREFIX))
            reply = {
                "status": "ok", "cell_id": cid, "deleted": names,
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
