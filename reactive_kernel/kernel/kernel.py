"""ReactiveKernel: ipykernel's IPythonKernel with a cell dependency graph.

Protocol glue only: analysis lives in ``analysis``, the graph in ``graph``,
cascade planning and running in ``cascade``.  See docs/semantics.md and
docs/protocol.md for the behaviour.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import threading
from contextlib import contextmanager
from typing import Any, Awaitable, Callable, Iterable

from ipykernel.ipkernel import IPythonKernel
from traitlets import Enum, Float, Int, default

from .. import __version__
from . import magics
from ..core.analysis import Analysis, CellAnalyzer, makes_edges
from .cascade import Cascade, CellRecord
from .outputs import OutputWatch, flush_streams
from ..core.graph import CycleError, DependencyGraph, MultipleDefinitionError, RegistrationError

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
    """A Python kernel whose cells re-run their dependents."""

    implementation = "reactive_kernel"
    implementation_version = __version__
    banner = "Reactive Python kernel: running a cell re-runs the cells that depend on it."

    msg_types = [*IPythonKernel.msg_types, "register_cell_request", "unregister_cell_request"]

    mode = Enum(
        ["eager", "lazy"],
        default_value="eager",
        help="eager: running a cell re-runs its dependents; lazy: marks them stale.",
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
    batch_grace = Float(
        0.05,
        help="Seconds of quiet a notebook frontend's request (one carrying deletedCells) "
        "waits for the frontend's other queued execute requests (Run All) before a cascade.",
    ).tag(config=True)
    burst_grace = Float(
        0.001,
        help="Seconds of quiet a request from another client (one with a cellId but no "
        "deletedCells) waits for further queued execute requests before a cascade.",
    ).tag(config=True)
    progress_after = Float(
        1.0, help="Seconds after which a running cascade shows which cell of how many runs."
    ).tag(config=True)

    @default("_execute_sleep")
    def _default_execute_sleep(self) -> float:
        return 0.0

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.graph = DependencyGraph()
        self.records: dict[str, CellRecord] = {}
        self._transform = self.shell.transform_cell
        self._transform_memo: tuple[str, str] | None = None
        self.shell.transform_cell = self._transform_once
        self.analyzer = CellAnalyzer(self._transform)
        self.relation_dropper = None
        self.outputs = OutputWatch(self.session)
        self._anonymous = itertools.count(1)
        self._queued: dict[str, str] = {}
        self._arrivals = 0
        self._scheduled: list[str] = []
        self._reports: dict[str, dict] = {}
        self.shell.configurables.append(self)
        magics.install(self)

    # ------------------------------------------------------------------
    # message plumbing
    # ------------------------------------------------------------------
    async def shell_main(self, subshell_id: str | None, msg: list) -> None:
        """Note execute requests that must wait, so a cascade can leave their cells to them."""
        self._arrivals += 1
        msg_id = self._note_queued(msg) if subshell_id is None else None
        try:
            await super().shell_main(subshell_id, msg)
        finally:
            if msg_id is not None:
                self._queued.pop(msg_id, None)

    def _note_queued(self, msg: list) -> str | None:
        """Remember an execute request's cell until it runs: a hint only, so the signature is not checked here."""
        try:
            _, frames = self.session.feed_identities(msg, copy=False)
            header = self.session.unpack(bytes(frames[1]))
            if header.get("msg_type") != "execute_request":
                return None
            cell_id = self.session.unpack(bytes(frames[3])).get("cellId")
        except Exception:
            return None
        if not isinstance(cell_id, str):
            return None
        msg_id = header.get("msg_id")
        self._queued[msg_id] = cell_id
        return msg_id

    async def dispatch_shell(self, msg, /, subshell_id=None, *, concurrent=False):  # type: ignore[override]
        """Reply ``BadRequest`` to a request whose content cannot be decoded."""
        if self.session is not None and not (len(msg) == 1 and msg[0].buffer == b"stop aborting"):
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
        self._publish_status("busy", "shell", parent)
        content = _error_reply("BadRequest", why)
        if msg_type == "execute_request":
            content["execution_count"] = self.execution_count
        self.log.warning("Bad %s: %s", msg_type, why)
        self.session.send(stream, reply_type, content, parent, ident=ident)
        self._publish_status("idle", "shell", parent)

    async def execute_request(self, stream, ident, parent):
        """Check the request's fields, then execute it reactively."""
        msg_id = parent["header"].get("msg_id")
        self._queued.pop(msg_id, None)
        try:
            self._check_execute(parent)
        except BadRequest as err:
            content = _error_reply("BadRequest", str(err), execution_count=self.execution_count)
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
        deleted = metadata.get("deletedCells")
        if deleted is not None and not isinstance(deleted, list):
            raise BadRequest("metadata.deletedCells must be a list")
        self._check_size(code)

    def _check_size(self, code: str) -> None:
        """Raise BadRequest for a cell over ``max_code_size``."""
        if len(code) > self.max_code_size:
            raise BadRequest(
                f"cell is {len(code)} characters; the limit is {self.max_code_size} "
                "(ReactiveKernel.max_code_size)"
            )

    def finish_metadata(self, parent, metadata, reply_content):
        """Attach the request's reactive report."""
        metadata = super().finish_metadata(parent, metadata, reply_content)
        report = self._reports.get(parent["header"].get("msg_id"))
        if report is not None:
            metadata["reactive"] = report
        return metadata

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
        """Register the cell, run it, then run its dependents."""
        self._transform_memo = None
        run_cell = super().do_execute
        if silent:
            return await run_cell(
                code, silent, store_history, user_expressions, allow_stdin,
                cell_meta=cell_meta, cell_id=cell_id,
            )
        parent = self.get_parent("shell")
        metadata = cell_meta or {}
        anonymous = not (isinstance(cell_id, str) and cell_id)
        cid = f"anon-{next(self._anonymous)}" if anonymous else cell_id
        report: dict[str, Any] = {"cell_id": cid, "status": "ok", "reads": [], "writes": [], "cascade": []}
        self._reports[parent["header"]["msg_id"]] = report
        if not anonymous and cid in self.records:
            self.records[cid].parent = {"header": parent["header"]}
            self.records[cid].published = True
        deleted = [c for c in metadata.get("deletedCells") or () if isinstance(c, str) and c != cid]
        changed = self._delete_cells(deleted, report)
        try:
            analysis = self._analyze(code)
        except SyntaxError:
            analysis = None
        except Exception as err:
            self.log.warning("Could not analyse cell %s: %s", cid, err)
            analysis = None

        if analysis is not None:
            try:
                changed |= self._register(cid, code, analysis, anonymous, parent)
            except RegistrationError as err:
                report["status"] = "blocked"
                report["registered"] = False
                reply = self._refuse(cid, code, err, store_history, parent)
                await self._cascade(Cascade(self, parent, self._plan([], changed, cid)), report)
                return reply
            report["reads"] = sorted(analysis.reads)
            report["writes"] = sorted(analysis.writes)

        async def execute_self() -> dict:
            snapshot = self._namespace_ids() if analysis is not None and analysis.dynamic else None
            self.outputs.watch(parent["header"]["msg_id"])
            try:
                reply = await run_cell(
                    code, False, store_history, user_expressions, allow_stdin,
                    cell_meta=cell_meta, cell_id=cell_id,
                )
            finally:
                flush_streams()
                published = self.outputs.unwatch()
                if cid in self.records:
                    self.records[cid].published = published
            if snapshot is not None and cid in self.graph:
                self._add_dynamic_writes(cid, snapshot)
            ok = reply.get("status") == "ok"
            report["status"] = "ok" if ok else "error"
            record = self.records.get(cid)
            if analysis is not None and record is not None:
                record.status, record.reason = ("ok", None) if ok else ("error", f"raised {reply.get('ename')}")
            return reply

        executed = cid if analysis is not None else None
        roots = [cid] if executed is not None else []
        cascade = Cascade(self, parent, self._plan(roots, changed, None if executed else cid))
        if not anonymous and len(cascade.plan) > len(roots):
            frontend = metadata.get("deletedCells") is not None
            await self._settle(self.batch_grace if frontend else self.burst_grace)
        report["registered"] = executed is not None
        return await self._cascade(cascade, report, executed, execute_self)

    async def _settle(self, grace: float) -> None:
        """Wait until no shell message arrived for ``grace`` seconds (at most 20 x grace)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20 * grace
        seen = -1
        while seen != self._arrivals and loop.time() < deadline:
            seen = self._arrivals
            await asyncio.sleep(grace)

    def _plan(self, roots: list[str], changed: set[str], exclude: str | None) -> list[str]:
        """The cells to run, in topological order: roots, readers of changed names, their dependents."""
        order = self.graph.descendants(roots, changed)
        return order if exclude is None else [c for c in order if c != exclude]

    # ------------------------------------------------------------------
    # registration
    # ------------------------------------------------------------------
    def _transform_once(self, code: str) -> str:
        """IPython's ``transform_cell``, computed once per request for the request's own code.

        Analysis, ipykernel and IPython each transform the executed cell; the
        memo is dropped when the next request starts (the transform can depend
        on the namespace, e.g. with ``%autocall``).
        """
        memo = self._transform_memo
        if memo is not None and memo[0] == code:
            return memo[1]
        return self._transform(code)

    def _analyze(self, code: str) -> Analysis:
        """Transform and analyse a cell, keeping the transformed source for re-runs; raises SyntaxError."""
        transformed = self._transform(code)
        self._transform_memo = (code, transformed)
        return self.analyzer.analyze_python(transformed)

    def _register(
        self, cid: str, code: str, analysis: Analysis, anonymous: bool, parent: dict | None
    ) -> set[str]:
        """Register a cell; returns names whose definitions went away.

        Raises RegistrationError, leaving graph and namespace unchanged.
        """
        retire: set[str] = set()
        if anonymous:
            for name in analysis.writes:
                owner = self.graph.writer(name)
                if owner is not None and self.records.get(owner) is not None and self.records[owner].anonymous:
                    retire.add(owner)
        previous = self.graph.cell(cid) if cid in self.graph else None
        with _no_interrupt():
            self.graph.register(cid, analysis.reads, analysis.writes, retire)
            for old in retire:
                self.records.pop(old, None)
            record = self.records.get(cid)
            old_relations = record.relations if record is not None else frozenset()
            header = None if anonymous else {"header": parent["header"]} if parent else None
            if record is None:
                record = self.records[cid] = CellRecord(cid, code, anonymous=anonymous, published=header is not None)
            record.code = code
            memo = self._transform_memo
            record.transformed = memo[1] if memo is not None and memo[0] == code else None
            record.is_async = None
            record.relations = analysis.relations
            if header is not None:
                record.parent = header
            gone: set[str] = set()
            if previous is not None:
                gone = set(previous.writes - analysis.writes)
                # a cell about to run drops every table it created; a registration only the ones it no longer creates
                dropped = old_relations if parent is not None else old_relations - analysis.relations
                self.forget(gone, dropped)
        return gone

    def _refuse(self, cid: str, code: str, err: RegistrationError, store_history: bool, parent: dict) -> dict:
        """Publish a refused registration and build its error reply."""
        shell = self.shell
        count = shell.execution_count
        if store_history:
            shell.history_manager.store_inputs(count, code, code)
            shell.execution_count += 1
        if not cid.startswith("anon-"):
            record = self.records.get(cid)
            if record is None or cid not in self.graph:
                record = self.records[cid] = CellRecord(cid, code)
            record.status, record.reason = "blocked", str(err)
            record.parent, record.published = {"header": parent["header"]}, True
        content = _error_content(err)
        self.session.send(self.iopub_socket, "error", content, parent, ident=self._topic("error"))
        reply = {"status": "error", "execution_count": count, "user_expressions": {}, "payload": []}
        reply.update(content)
        return reply

    def _delete_cells(self, cell_ids: Iterable[str], report: dict) -> set[str]:
        """Unregister cells the frontend deleted; returns the names they defined."""
        names: set[str] = set()
        deleted = []
        for cid in cell_ids:
            if cid not in self.graph:
                if self.records.pop(cid, None) is not None:
                    deleted.append(cid)
                continue
            with _no_interrupt():
                self._forget_cell(cid)
                cell = self.graph.unregister(cid)
                self.records.pop(cid, None)
            names |= cell.writes
            deleted.append(cid)
        if deleted:
            report["deleted"] = deleted
        return names

    def forget(self, names: Iterable[str], relations: Iterable[str] = ()) -> None:
        """Delete names from the user namespace and drop SQL relations."""
        ns = self.shell.user_ns
        relations = frozenset(relations)
        for name in names:
            if name not in relations:
                ns.pop(name, None)
        if relations and self.relation_dropper is not None:
            self.relation_dropper(relations)

    def _namespace_ids(self) -> dict[str, int]:
        return {k: id(v) for k, v in self.shell.user_ns.items() if makes_edges(k)}

    def _add_dynamic_writes(self, cid: str, before: dict[str, int]) -> None:
        ns = self.shell.user_ns
        bound = {k for k, v in ns.items() if makes_edges(k) and before.get(k) != id(v)}
        if bound:
            with _no_interrupt():
                accepted = self.graph.add_writes(cid, bound)
            if accepted:
                self.log.debug("cell %s also bound %s", cid, sorted(accepted))

    # ------------------------------------------------------------------
    # cascades
    # ------------------------------------------------------------------
    def schedule_run(self, cell_ids: Iterable[str]) -> None:
        """Run these cells (and, in eager mode, their dependents) after the current cell."""
        self._scheduled.extend(c for c in cell_ids if c in self.graph)

    async def _cascade(
        self,
        cascade: Cascade,
        report: dict,
        executed: str | None = None,
        execute_self: Callable[[], Awaitable[dict]] | None = None,
    ) -> dict:
        """Delete the planned cells' old names, run the plan and cells scheduled meanwhile.

        Fills ``report["cascade"]``; returns the executed cell's reply.
        """
        lazy = self.mode == "lazy"
        self._forget_planned(cascade.plan, executed, lazy)
        try:
            reply = await cascade.run(executed, execute_self, lazy) or {"status": "ok"}
            while self._scheduled and not cascade.interrupted:
                extra, self._scheduled = self._scheduled, []
                order = self.graph.order(extra) if lazy else self.graph.descendants(extra)
                follow = Cascade(self, cascade.parent, [c for c in order if c not in cascade.done])
                self._forget_planned(follow.plan, None, False)
                await follow.run(None, None, False)
                cascade.outcomes.extend(follow.outcomes)
                cascade.done |= follow.done
                cascade.interrupted = follow.interrupted
        finally:
            self._scheduled = []
            report["cascade"] = [o.as_dict() for o in cascade.outcomes]
        if cascade.interrupted and reply.get("status") == "ok":
            reply = _error_reply(
                "KeyboardInterrupt", f"cascade interrupted at cell {cascade.interrupted}",
                execution_count=reply.get("execution_count", self.shell.execution_count - 1),
                user_expressions={}, payload=reply.get("payload", []),
            )
        return reply

    def _forget_planned(self, plan: list[str], executed: str | None, lazy: bool) -> None:
        if lazy:
            return
        with _no_interrupt():
            for cid in plan:
                if cid != executed:
                    self._forget_cell(cid)

    def _forget_cell(self, cid: str) -> None:
        record = self.records.get(cid)
        if cid in self.graph:
            self.forget(self.graph.cell(cid).writes, record.relations if record else frozenset())

    async def rerun(self, cid: str) -> dict:
        """Run a registered cell's code as a cascade member (no history, no count).

        Synchronous cells go straight to IPython's ``run_cell_async`` with the
        source transformed at registration; cells that await take ipykernel's
        full path.  Returns a reply-like dict with ``status`` and, on error, ``ename``.
        """
        record = self.records[cid]
        shell = self.shell
        code, cell_id = record.code, None if record.anonymous else cid
        if record.transformed is None:
            record.transformed = shell.transform_cell(code)
        if record.is_async is None:
            source = record.transformed
            record.is_async = ("await" in source or "async" in source) and shell.should_run_async(
                code, transformed_cell=source, preprocessing_exc_tuple=None
            )
        if record.is_async:
            return await IPythonKernel.do_execute(
                self, code, False, store_history=False, user_expressions=None,
                allow_stdin=False, cell_id=cell_id,
            )
        shell._last_traceback = None
        shell._last_traceback_during_displayhook = False
        self._forward_input(False)
        result = None
        try:
            result = _run_sync(
                shell.run_cell_async(
                    code, store_history=False, silent=False, transformed_cell=record.transformed,
                    preprocessing_exc_tuple=None, cell_id=cell_id,
                )
            )
        finally:
            self._restore_input()
            shell.events.trigger("post_execute")
            shell.events.trigger("post_run_cell", result)
            shell.payload_manager.clear_payload()
        error = result.error_before_exec or result.error_in_exec
        if result.success and not shell._last_traceback_during_displayhook:
            return {"status": "ok"}
        return {"status": "error", "ename": type(error).__name__ if error else "DisplayError"}

    # ------------------------------------------------------------------
    # register / unregister requests
    # ------------------------------------------------------------------
    async def register_cell_request(self, stream, ident, parent):
        """Register a cell without running it; replies register_cell_reply."""
        self._transform_memo = None
        try:
            content = parent.get("content")
            if not isinstance(content, dict):
                raise BadRequest("content must be an object")
            cid = _field(content, "cell_id", str)
            code = _field(content, "code", str)
            if not cid:
                raise BadRequest("cell_id must not be empty")
            self._check_size(code)
        except BadRequest as err:
            cid = content.get("cell_id") if isinstance(content, dict) else None
            reply = _error_reply("BadRequest", str(err), cell_id=cid)
            self.session.send(stream, "register_cell_reply", reply, parent, ident=ident)
            return
        try:
            analysis = self._analyze(code)
            self._register(cid, code, analysis, anonymous=False, parent=None)
        except SyntaxError as err:
            reply = _error_reply("SyntaxError", str(err), cell_id=cid, lineno=err.lineno)
            reply["traceback"] = [f"SyntaxError: {err}"]
        except RegistrationError as err:
            reply = {"status": "error", **_error_content(err)}
        else:
            record = self.records[cid]
            if record.status == "blocked":
                record.status, record.reason = "registered", None
            reply = {
                "status": "ok", "cell_id": cid,
                "reads": sorted(analysis.reads), "writes": sorted(analysis.writes),
                "parents": self.graph.parents(cid), "children": self.graph.children(cid),
            }
        self.session.send(stream, "register_cell_reply", reply, parent, ident=ident)

    async def unregister_cell_request(self, stream, ident, parent):
        """Unregister a cell, delete its names and re-run its dependents; replies unregister_cell_reply."""
        content = parent.get("content")
        cid = content.get("cell_id") if isinstance(content, dict) else None
        if not isinstance(cid, str) or not cid:
            reply = _error_reply("BadRequest", "cell_id must be a non-empty string", cell_id=cid)
        elif cid not in self.records:
            reply = _error_reply("UnknownCell", f"no cell {cid!r} is registered", cell_id=cid)
        else:
            report: dict[str, Any] = {"cell_id": cid, "cascade": []}
            names = self._delete_cells([cid], report)
            await self._cascade(Cascade(self, parent, self._plan([], names, None)), report)
            reply = {"status": "ok", "cell_id": cid, "deleted": sorted(names), "cascade": report["cascade"]}
        self.session.send(stream, "unregister_cell_reply", reply, parent, ident=ident)


def _run_sync(coro):
    """Drive a coroutine that never awaits to its result; raises RuntimeError if it does await."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()
    raise RuntimeError("a cell run synchronously tried to await")


def _error_content(err: RegistrationError) -> dict:
    """The error fields (ename, evalue, traceback and data) for a refused registration."""
    content: dict[str, Any] = {
        "ename": type(err).__name__,
        "evalue": str(err),
        "traceback": [f"{type(err).__name__}: {err}"],
        "cell_id": err.cell_id,
    }
    if isinstance(err, CycleError):
        content["cycle"] = [list(step) for step in err.cycle]
    elif isinstance(err, MultipleDefinitionError):
        content["name"] = err.name
        content["owner"] = err.owner
    return content
