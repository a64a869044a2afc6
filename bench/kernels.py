"""Kernels under measurement: started through jupyter_client, timed on the wire.

A request counts as done when its shell reply *and* its ``idle`` status on
iopub have both arrived, which is when a notebook frontend considers the cell
finished.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil
import zmq
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

__all__ = ["BenchError", "KernelKind", "Running", "Wire", "close_all", "execute_content", "start"]

#: Default seconds to wait for any one request.
REQUEST_TIMEOUT = 600.0


class BenchError(RuntimeError):
    """A kernel failed to start, died, timed out, or answered with an error."""


@dataclass(frozen=True)
class KernelKind:
    """How to start one kind of kernel.

    ``argv`` replaces the kernelspec's command line (for a kernel that lives in
    another Python environment); otherwise the kernelspec ``kernel_name`` is
    looked up on the usual Jupyter path.
    """

    label: str
    kernel_name: str
    argv: tuple[str, ...] | None = None

    def manager(self, spec_dir: Path) -> KernelManager:
        """A KernelManager for this kind; writes a kernelspec under ``spec_dir`` if needed."""
        if self.argv is None:
            return KernelManager(kernel_name=self.kernel_name)
        folder = spec_dir / self.kernel_name
        folder.mkdir(parents=True, exist_ok=True)
        spec = {"argv": list(self.argv), "display_name": self.label, "language": "python"}
        (folder / "kernel.json").write_text(json.dumps(spec))
        ksm = KernelSpecManager(kernel_dirs=[str(spec_dir)], ensure_native_kernel=False)
        return KernelManager(kernel_name=self.kernel_name, kernel_spec_manager=ksm)


def execute_content(code: str, silent: bool = False, user_expressions: dict | None = None) -> dict:
    """The content of an execute_request as a notebook frontend sends it."""
    return {
        "code": code,
        "silent": silent,
        "store_history": not silent,
        "user_expressions": user_expressions or {},
        "allow_stdin": False,
        "stop_on_error": True,
    }


class Wire:
    """Sends requests on a started client's shell socket and waits for reply + idle."""

    def __init__(self, kc) -> None:
        self.session = kc.session
        self.shell = kc.shell_channel.socket
        self.iopub = kc.iopub_channel.socket
        self.poller = zmq.Poller()
        self.poller.register(self.shell, zmq.POLLIN)
        self.poller.register(self.iopub, zmq.POLLIN)
        self._replies: dict[str, dict | None] = {}
        self._idle: set[str] = set()
        self._errors: dict[str, dict] = {}

    # -- sending ---------------------------------------------------------
    def send(self, msg_type: str, content: dict, metadata: dict | None = None) -> str:
        """Send one shell request; returns its msg_id."""
        msg = self.session.msg(msg_type, content, metadata=metadata or {})
        msg_id = msg["header"]["msg_id"]
        self._replies[msg_id] = None
        self.session.send(self.shell, msg)
        return msg_id

    def execute(
        self,
        code: str,
        cell_id: str | None = None,
        silent: bool = False,
        user_expressions: dict | None = None,
    ) -> str:
        """Send an execute_request as JupyterLab does (with ``cellId`` metadata when given)."""
        metadata = {"cellId": cell_id} if cell_id is not None else {}
        return self.send("execute_request", execute_content(code, silent, user_expressions), metadata)

    # -- receiving -------------------------------------------------------
    def _pump(self, timeout: float) -> None:
        events = dict(self.poller.poll(max(0, int(timeout * 1000))))
        if self.shell in events:
            while True:
                _, msg = self.session.recv(self.shell, mode=zmq.NOBLOCK)
                if msg is None:
                    break
                parent = msg["parent_header"].get("msg_id")
                if parent in self._replies:
                    self._replies[parent] = msg
        if self.iopub in events:
            while True:
                _, msg = self.session.recv(self.iopub, mode=zmq.NOBLOCK)
                if msg is None:
                    break
                parent = msg["parent_header"].get("msg_id")
                if parent not in self._replies:
                    continue
                kind = msg["msg_type"]
                if kind == "status" and msg["content"].get("execution_state") == "idle":
                    self._idle.add(parent)
                elif kind == "error":
                    self._errors[parent] = msg["content"]

    def _done(self, msg_id: str) -> bool:
        return self._replies.get(msg_id) is not None and msg_id in self._idle

    def _take(self, msg_id: str) -> dict:
        reply = self._replies.pop(msg_id)
        self._idle.discard(msg_id)
        self._errors.pop(msg_id, None)
        return reply

    def wait(self, msg_id: str, timeout: float = REQUEST_TIMEOUT) -> dict:
        """Block until ``msg_id`` has its reply and idle; returns the reply.

        Raises BenchError on timeout.
        """
        deadline = time.perf_counter() + timeout
        while not self._done(msg_id):
            left = deadline - time.perf_counter()
            if left <= 0:
                raise BenchError(f"no reply and idle for {msg_id} within {timeout:.0f} s")
            self._pump(left)
        return self._take(msg_id)

    def request(
        self, msg_type: str, content: dict, metadata: dict | None = None, timeout: float = REQUEST_TIMEOUT
    ) -> tuple[float, dict]:
        """Send one request and wait; returns (seconds to reply + idle, reply)."""
        start = time.perf_counter()
        msg_id = self.send(msg_type, content, metadata)
        reply = self.wait(msg_id, timeout)
        return time.perf_counter() - start, reply

    def run(self, code: str, cell_id: str | None = None, timeout: float = REQUEST_TIMEOUT) -> tuple[float, dict]:
        """Execute ``code`` and wait; returns (seconds, reply)."""
        start = time.perf_counter()
        reply = self.wait(self.execute(code, cell_id), timeout)
        return time.perf_counter() - start, reply

    def pipeline(
        self,
        requests: Iterable[tuple[str, dict, dict | None]],
        window: int = 64,
        timeout: float = REQUEST_TIMEOUT,
    ) -> tuple[float, list[dict]]:
        """Send requests keeping at most ``window`` in flight, as a frontend's
        "run all" queues them; returns (seconds until the last is done, replies in order).

        The window keeps both sides' ZMQ queues below their high-water marks,
        where messages would be dropped. Raises BenchError on timeout.
        """
        start = time.perf_counter()
        deadline = start + timeout
        in_flight: list[str] = []
        replies: list[dict] = []
        for msg_type, content, metadata in requests:
            in_flight.append(self.send(msg_type, content, metadata))
            while len(in_flight) >= window:
                self._drain_front(in_flight, replies, deadline)
        while in_flight:
            self._drain_front(in_flight, replies, deadline)
        return time.perf_counter() - start, replies

    def _drain_front(self, in_flight: list[str], replies: list[dict], deadline: float) -> None:
        while not self._done(in_flight[0]):
            left = deadline - time.perf_counter()
            if left <= 0:
                raise BenchError(f"pipeline stalled at {in_flight[0]}")
            self._pump(left)
        replies.append(self._take(in_flight.pop(0)))

    def value(self, expression: str) -> str:
        """The ``text/plain`` of ``expression`` evaluated by a silent execute.

        Raises BenchError when the expression fails.
        """
        reply = self.wait(self.execute("pass", silent=True, user_expressions={"v": expression}))
        result = reply["content"].get("user_expressions", {}).get("v", {})
        if result.get("status") != "ok":
            raise BenchError(f"{expression!r} failed: {result.get('ename')}: {result.get('evalue')}")
        return result["data"]["text/plain"]


class Running:
    """A started kernel with its client, wire and OS process."""

    def __init__(self, kind: KernelKind, km: KernelManager, kc, ready_s: float) -> None:
        self.kind = kind
        self.km = km
        self.kc = kc
        self.ready_s = ready_s
        self.wire = Wire(kc)
        pid = km.provisioner.pid if km.provisioner is not None else None
        if pid is None:
            raise BenchError(f"{kind.label}: no kernel process id")
        self.process = psutil.Process(pid)

    @property
    def label(self) -> str:
        return self.kind.label

    def cpu(self) -> float:
        """Seconds of CPU (user + system) the kernel process has used so far."""
        times = self.process.cpu_times()
        return times.user + times.system

    def rss(self) -> int:
        """Resident memory of the kernel process, in bytes."""
        return self.process.memory_info().rss

    def close(self) -> None:
        """Stop the channels and the kernel (immediately)."""
        try:
            self.kc.stop_channels()
        finally:
            self.km.shutdown_kernel(now=True)


_WORK = Path(tempfile.mkdtemp(prefix="bench-kernels-"))


def start(kind: KernelKind, timeout: float = 120.0, attempts: int = 3) -> Running:
    """Start a kernel and wait until it is ready; raises BenchError if it does not come up.

    jupyter_client picks free TCP ports before the kernel binds them, so on a
    machine where other kernels start at the same time a kernel can die on a
    port taken meanwhile; such a start is retried (``attempts`` in all), and
    only the successful start is timed.

    Each kind gets its own IPython profile directory under a temporary folder,
    so its history database is not shared with other IPython processes on the
    machine (whose writes would make it wait on SQLite's lock). Kernels may
    write bytecode caches even where PYTHONDONTWRITEBYTECODE is set, so that a
    package installed from source starts as it would once installed (pip
    compiles installed packages; the caches of an editable checkout are
    written on first import).
    """
    profile = _WORK / "ipython" / kind.label
    profile.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, IPYTHONDIR=str(profile))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    failures = []
    for _ in range(attempts):
        km = kind.manager(_WORK / "kernelspecs")
        begin = time.perf_counter()
        try:
            km.start_kernel(env=env)
            kc = km.client()
            kc.start_channels()
            kc.wait_for_ready(timeout=timeout)
        except Exception as exc:  # jupyter_client raises RuntimeError/TimeoutError/OSError here
            failures.append(str(exc))
            if km.has_kernel:
                km.shutdown_kernel(now=True)
            continue
        return Running(kind, km, kc, time.perf_counter() - begin)
    raise BenchError(f"{kind.label} ({kind.kernel_name}) did not start in {attempts} attempts: {failures[-1]}")


def close_all(kernels: Sequence[Running]) -> None:
    """Close every kernel, even when one of them fails to stop."""
    for kernel in kernels:
        try:
            kernel.close()
        except Exception:  # a kernel that died already cannot be shut down cleanly
            pass
