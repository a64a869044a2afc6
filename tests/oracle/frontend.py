"""Kernels for the oracle and a client that drives them as JupyterLab does.

Every kernel starts in its own empty working directory (so cells that write
files start from nothing) with its own IPython directory, ``PYTHONHASHSEED=0``
(so sets of strings print in the same order in every kernel) and
``MPLBACKEND=Agg`` (figures are drawn, never displayed).  Kernels inherit the
rest of the environment, ``PYTHONPATH`` included.

``Frontend`` sends execute requests as JupyterLab does: metadata
``{"cellId": ..., "deletedCells": []}`` (plus ``cellOrder`` when asked),
content ``store_history: true, stop_on_error: true, allow_stdin: false``;
"Run All" sends every cell's request at once, without waiting.  Every iopub
message goes into an ``OutputAreas``.

``watch_runs`` has the kernel's shell note the cell id of every cell it runs
(IPython's ``pre_run_cell`` event, which fires for every cell a kernel runs,
whether for its own request or in a reactive cascade, and not for a silent
request or a user expression): the harness's own count of cells run, kept on
the shell object, outside the user's namespace.
"""

from __future__ import annotations

import ast
import os
import queue
import tempfile
import threading
import time
from collections import defaultdict, deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_client.manager import start_new_kernel

from . import names as _names
from .outputs import OutputAreas

__all__ = ["Frontend", "HarnessError", "Kernel", "KernelPool", "start_kernel"]

STARTUP_TIMEOUT = 90.0
START_ATTEMPTS = 3
REQUEST_TIMEOUT = 60.0
#: Seconds without an iopub message after which late messages are taken to be all in.
QUIET = 0.3

_WATCH_RUNS = (
    "(lambda ip: (setattr(ip, '_oracle_runs', []),"
    " ip.events.register('pre_run_cell', lambda info: ip._oracle_runs.append(info.cell_id)))[1])(get_ipython())"
)
_RUNS = "list(get_ipython()._oracle_runs)"


class HarnessError(RuntimeError):
    """A kernel did not start, died, or did not answer in time."""


@dataclass
class Kernel:
    """A started kernel, its blocking client and its working directory."""

    name: str
    km: Any
    kc: Any
    cwd: Path
    log: Path | None = None
    _dirs: list = field(default_factory=list, repr=False)

    def log_tail(self) -> str:
        """The end of the kernel process's stdout and stderr, for error messages."""
        return _tail(self.log) if self.log is not None else ""

    def shutdown(self) -> None:
        """Stop the client and the kernel process, remove the temporary directories."""
        try:
            self.kc.stop_channels()
        finally:
            try:
                self.km.shutdown_kernel(now=True)
            finally:
                for d in self._dirs:
                    d.cleanup()


def start_kernel(name: str) -> Kernel:
    """Start kernelspec ``name`` in a fresh working directory; raises HarnessError if it does not become ready.

    A kernel that fails because a port it was given got taken meanwhile (by
    another process starting at the same moment) is started again, up to
    ``START_ATTEMPTS`` times.
    """
    attempt = 1
    while True:
        try:
            return _start_kernel(name)
        except _PortTaken as err:
            if attempt >= START_ATTEMPTS:
                raise HarnessError(str(err)) from err
            attempt += 1


class _PortTaken(HarnessError):
    """The kernel could not bind a port it was given."""


def _start_kernel(name: str) -> Kernel:
    workdir = tempfile.TemporaryDirectory(prefix="oracle-nb-")
    ipython_dir = tempfile.TemporaryDirectory(prefix="oracle-ipython-")
    env = dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="Agg", IPYTHONDIR=ipython_dir.name)
    env.pop("JPY_SESSION_NAME", None)
    log_path = Path(ipython_dir.name) / "kernel.log"
    log = open(log_path, "wb")
    try:
        km, kc = start_new_kernel(
            kernel_name=name,
            startup_timeout=STARTUP_TIMEOUT,
            cwd=workdir.name,
            env=env,
            stdout=log,
            stderr=log,
        )
    except Exception as err:
        log.close()
        tail = _tail(log_path)
        workdir.cleanup()
        ipython_dir.cleanup()
        error = _PortTaken if "Address already in use" in tail else HarnessError
        raise error(f"kernel {name!r} did not start: {err}{tail}") from err
    finally:
        if not log.closed:
            log.close()
    return Kernel(name, km, kc, Path(workdir.name), log_path, [workdir, ipython_dir])


def _tail(path: Path, size: int = 2000) -> str:
    try:
        text = path.read_bytes()[-size:].decode("utf-8", "replace").strip()
    except OSError:
        return ""
    return f"\nkernel log:\n{text}" if text else ""


class KernelPool:
    """Kernels started ahead in background threads, so that a run rarely waits for one.

    ``take(name)`` hands out a started kernel of kernelspec ``name`` (the
    caller shuts it down) and starts a replacement in the background, keeping
    ``ahead`` kernels of each name that was asked for warm.  ``close()`` shuts
    down every kernel still in the pool.
    """

    def __init__(self, ahead: int = 1, workers: int = 2) -> None:
        self.ahead = ahead
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="oracle-kernel-start")
        self._warm: dict[str, deque[Future]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def warm(self, name: str, count: int | None = None) -> None:
        """Start kernels of ``name`` in the background until ``count`` (default ``ahead``) are ready or starting."""
        want = self.ahead if count is None else count
        with self._lock:
            if self._closed:
                return
            warm = self._warm[name]
            while len(warm) < want:
                warm.append(self._executor.submit(start_kernel, name))

    def take(self, name: str) -> Kernel:
        """A started kernel of ``name``; raises HarnessError if it cannot start."""
        with self._lock:
            future = self._warm[name].popleft() if self._warm[name] else None
        self.warm(name)
        if future is None:
            return start_kernel(name)
        return future.result()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            futures = [f for warm in self._warm.values() for f in warm]
            self._warm.clear()
        for future in futures:
            if future.cancel():
                continue
            try:
                future.result().shutdown()
            except Exception:
                pass
        self._executor.shutdown(wait=True)


class Frontend:
    """A notebook open in JupyterLab on ``kernel``: sends cells, keeps every cell's output area.

    ``send_order`` adds ``cellOrder`` (the ids of the notebook being run, top
    to bottom) to every execute request's metadata.
    """

    def __init__(self, kernel: Kernel, send_order: bool = False, timeout: float = REQUEST_TIMEOUT) -> None:
        self.kernel = kernel
        self.kc = kernel.kc
        self.send_order = send_order
        self.timeout = timeout
        self.areas = OutputAreas()
        self.replies: dict[str, dict] = {}
        self.cell_of_request: dict[str, str] = {}
        self.iopub: list[dict] = []
        self._idle: set[str] = set()

    # -- sending -----------------------------------------------------------
    def _send_execute(
        self,
        cell_id: str | None,
        code: str,
        order: Sequence[str] = (),
        *,
        silent: bool = False,
        stop_on_error: bool = True,
        user_expressions: dict | None = None,
    ) -> str:
        content = {
            "code": code,
            "silent": silent,
            "store_history": not silent,
            "user_expressions": user_expressions or {},
            "allow_stdin": False,
            "stop_on_error": stop_on_error,
        }
        metadata: dict[str, Any] = {}
        if cell_id is not None:
            metadata = {"cellId": cell_id, "deletedCells": []}
            if self.send_order:
                metadata["cellOrder"] = list(order)
        msg = self.kc.session.msg("execute_request", content, metadata=metadata)
        msg_id = msg["header"]["msg_id"]
        if cell_id is not None:
            self.areas.start(cell_id, msg_id)
            self.cell_of_request[msg_id] = cell_id
        self.kc.shell_channel.send(msg)
        return msg_id

    # -- receiving ---------------------------------------------------------
    def _take_iopub(self, timeout: float) -> bool:
        try:
            msg = self.kc.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            return False
        self.iopub.append(msg)
        self.areas.feed(msg)
        parent = (msg.get("parent_header") or {}).get("msg_id")
        if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle" and parent:
            self._idle.add(parent)
        return True

    def _take_shell(self) -> None:
        while self.kc.shell_channel.msg_ready():
            reply = self.kc.get_shell_msg(timeout=1)
            parent = (reply.get("parent_header") or {}).get("msg_id")
            if parent:
                self.replies[parent] = reply

    def wait(self, msg_ids: Sequence[str]) -> list[dict]:
        """Wait until every request in ``msg_ids`` has its reply and its idle; returns the replies in order.

        Raises HarnessError when the kernel dies or ``timeout`` passes.
        """
        deadline = time.monotonic() + self.timeout
        checked = time.monotonic()
        while True:
            self._take_shell()
            if all(m in self.replies and m in self._idle for m in msg_ids):
                return [self.replies[m] for m in msg_ids]
            now = time.monotonic()
            if now > deadline:
                missing = [
                    self.cell_of_request.get(m, m) for m in msg_ids if m not in self.replies or m not in self._idle
                ]
                raise HarnessError(f"no reply and idle within {self.timeout:.0f} s for {missing}")
            if now - checked > 2.0:
                checked = now
                if not self.kernel.km.is_alive():
                    raise HarnessError(f"the kernel died{self.kernel.log_tail()}")
            self._take_iopub(0.02)

    def quiet(self, period: float = QUIET) -> None:
        """Read iopub until nothing arrives for ``period`` seconds (late messages land in their areas)."""
        while self._take_iopub(period):
            pass

    # -- what a user does --------------------------------------------------
    def run_all(self, cells: Sequence[tuple[str, str]]) -> list[dict]:
        """Run All: every cell's request sent at once, then every reply and idle awaited."""
        order = [cid for cid, _ in cells]
        ids = [self._send_execute(cid, src, order) for cid, src in cells]
        return self.wait(ids)

    def run_cell(self, cell_id: str, code: str, order: Sequence[str] = (), stop_on_error: bool = True) -> dict:
        """Run one cell and wait for its reply and idle."""
        return self.wait([self._send_execute(cell_id, code, order, stop_on_error=stop_on_error)])[0]

    def run_in_turn(self, cells: Sequence[tuple[str, str]]) -> list[dict]:
        """Run cells one at a time, top to bottom; an error does not stop the run."""
        order = [cid for cid, _ in cells]
        return [self.run_cell(cid, src, order, stop_on_error=False) for cid, src in cells]

    def evaluate(self, expression: str) -> dict:
        """``expression``'s entry in the reply to a silent execute; raises RuntimeError when there is none."""
        msg_id = self._send_execute(None, "", silent=True, user_expressions={"value": expression})
        reply = self.wait([msg_id])[0]
        expressions = reply["content"].get("user_expressions") or {}
        if "value" not in expressions:
            raise RuntimeError(f"user expression got no answer: {reply['content']}")
        return expressions["value"]

    def names(self) -> dict[str, str]:
        """Every user name's stable repr (see ``names``), read by a silent execute; raises RuntimeError on failure."""
        return _names.parse(self.evaluate(_names.EXPRESSION))

    def watch_runs(self) -> None:
        """From now on the kernel notes every cell it runs; raises RuntimeError when it cannot."""
        answer = self.evaluate(_WATCH_RUNS)
        if answer.get("status") != "ok":
            raise RuntimeError(f"cannot watch runs: {answer.get('ename')}: {answer.get('evalue')}")

    def runs(self) -> list[str | None]:
        """The cell id of every cell the kernel ran since ``watch_runs``, in run order (None: no id)."""
        answer = self.evaluate(_RUNS)
        if answer.get("status") != "ok":
            raise RuntimeError(f"cannot read runs: {answer.get('ename')}: {answer.get('evalue')}")
        return ast.literal_eval(answer["data"]["text/plain"])

    def shown(self, cell_ids: Sequence[str]) -> dict[str, list[str]]:
        """Every listed cell's output area, as compared."""
        return {cid: self.areas.shown(cid) for cid in cell_ids}
