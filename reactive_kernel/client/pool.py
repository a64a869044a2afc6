"""A pool of warm kernels: each user gets a started, ready kernel, used once.

::

    async with KernelPool(4, max_kernels=16) as pool:
        async with pool.acquire() as co:       # a Coordinator on a warm kernel
            await co.load_notebook("nb.ipynb")
            await co.execute("root")

The pool keeps ``size`` kernels started and ready.  An acquired kernel belongs
to its user until released; then it is shut down and a fresh one takes its
place, in the background, so no state passes from one user to the next.  A
ready kernel that dies is shut down and replaced.  At most ``max_kernels``
kernels exist at once (starting, ready, in use or stopping); past that an
acquire waits for one and raises ``PoolExhausted`` after its timeout.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from typing import Any

from .. import KERNEL_NAME
from .coordinator import Coordinator
from .errors import CoordinatorError, KernelStartError
from .records import CellEvent

__all__ = ["KernelPool", "PoolExhausted"]

log = logging.getLogger(__name__)

#: Seconds before trying again after a kernel failed to start.
RETRY_AFTER = 1.0


class PoolExhausted(CoordinatorError, TimeoutError):
    """No kernel became free in time: ``max_kernels`` kernels exist and all are taken.

    ``timeout`` is how long the acquire waited; ``max_kernels`` the pool's bound.
    """

    def __init__(self, timeout: float | None, max_kernels: int, last_error: BaseException | None) -> None:
        self.timeout = timeout
        self.max_kernels = max_kernels
        why = f"; the last kernel start failed: {last_error}" if last_error is not None else ""
        super().__init__(f"no kernel became free within {timeout:g} s (at most {max_kernels} kernels){why}")


class _Lease:
    """``async with pool.acquire() as co``: takes a kernel on entry, gives it back on exit."""

    def __init__(self, pool: KernelPool, timeout: float | None) -> None:
        self._pool = pool
        self._timeout = timeout
        self._co: Coordinator | None = None

    async def __aenter__(self) -> Coordinator:
        self._co = await self._pool._take(self._timeout)
        return self._co

    async def __aexit__(self, *exc: object) -> None:
        if self._co is not None:
            self._pool._release(self._co)
            self._co = None


class KernelPool:
    """Warm kernels of spec ``kernel_name``, handed out as Coordinators.

    ``options`` go to each Coordinator (``cwd``, ``startup_timeout``,
    ``poll_interval``, ``gateway`` for kernels on a Jupyter gateway).
    ``max_kernels`` defaults to four times ``size`` (at least 4);
    ``acquire_timeout`` is the default wait of ``acquire``.  ``metrics``
    (a ``Metrics``) gets every kernel's life and the pool's state; without
    one the pool makes its own when prometheus_client is installed.
    """

    def __init__(
        self,
        size: int = 2,
        *,
        kernel_name: str = KERNEL_NAME,
        max_kernels: int | None = None,
        acquire_timeout: float = 60.0,
        metrics: Any = None,
        **options: Any,
    ) -> None:
        if size < 0:
            raise ValueError("size must be 0 or more")
        self.size = size
        self.kernel_name = kernel_name
        self.max_kernels = max_kernels if max_kernels is not None else max(4, 4 * size)
        if self.max_kernels < max(size, 1):
            raise ValueError("max_kernels must be at least size, and at least 1")
        self.acquire_timeout = acquire_timeout
        self.options = options
        if metrics is None:
            try:
                from .metrics import Metrics
            except ModuleNotFoundError:
                metrics = None
            else:
                metrics = Metrics()
        self._metrics = metrics
        self._ready: collections.deque[Coordinator] = collections.deque()
        self._busy: set[Coordinator] = set()
        self._starting: set[asyncio.Task] = set()
        self._stopping: set[asyncio.Task] = set()
        self._waiters: collections.deque[asyncio.Future] = collections.deque()
        self._last_error: BaseException | None = None
        self._retry: asyncio.TimerHandle | None = None
        self._closed = False

    # -- life cycle -------------------------------------------------------------------
    async def start(self) -> KernelPool:
        """Start ``size`` kernels and wait until they are ready; raises KernelStartError when none starts."""
        starts = self._fill()
        if starts:
            await asyncio.wait(starts)
        if self.size and not self._ready and self._last_error is not None:
            raise KernelStartError(f"the pool could not start a kernel: {self._last_error}")
        return self

    async def close(self) -> None:
        """Shut every kernel down, those in use and those starting too; waiting acquires raise CoordinatorError."""
        self._closed = True
        if self._retry is not None:
            self._retry.cancel()
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(CoordinatorError("the pool is closed"))
        self._waiters.clear()
        if self._starting:
            # Kernels still starting are let finish, then shut down: cancelled halfway, one could be left running.
            await asyncio.wait(list(self._starting))
        for co in [*self._ready, *self._busy]:
            self._stop(co)
        self._ready.clear()
        self._busy.clear()
        if self._stopping:
            await asyncio.wait(list(self._stopping))
        self._publish()

    async def __aenter__(self) -> KernelPool:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- state ------------------------------------------------------------------------
    @property
    def stats(self) -> dict[str, int]:
        """How many kernels are starting, ready, in use (busy) and stopping, and how many acquires wait."""
        return {
            "starting": len(self._starting),
            "ready": len(self._ready),
            "busy": len(self._busy),
            "stopping": len(self._stopping),
            "waiting": len(self._waiters),
        }

    def metrics(self) -> Any:
        """The pool's ``Metrics`` (its ``registry`` serves /metrics); raises ModuleNotFoundError without
        prometheus_client."""
        if self._metrics is None:
            raise ModuleNotFoundError("metrics need prometheus_client: pip install 'reactive_kernel[server]'")
        return self._metrics

    def _count(self) -> int:
        return len(self._ready) + len(self._busy) + len(self._starting) + len(self._stopping)

    def _publish(self) -> None:
        if self._metrics is not None:
            self._metrics.pool(starting=len(self._starting), ready=len(self._ready), busy=len(self._busy))

    # -- acquiring ------------------------------------------------------------------------
    def acquire(self, timeout: float | None = None) -> _Lease:
        """``async with pool.acquire() as co``: a Coordinator on a ready kernel, shut down on exit.

        Waits at most ``timeout`` seconds (the pool's ``acquire_timeout`` when
        None), then raises PoolExhausted.
        """
        return _Lease(self, self.acquire_timeout if timeout is None else timeout)

    async def _take(self, timeout: float | None) -> Coordinator:
        if self._closed:
            raise CoordinatorError("the pool is closed")
        began = time.perf_counter()
        if self._ready:
            co = self._ready.popleft()
        else:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            self._fill()
            try:
                await asyncio.wait({waiter}, timeout=timeout)
            except BaseException:
                if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                    self._hand(waiter.result())
                self._forget_waiter(waiter)
                raise
            if not waiter.done():
                self._forget_waiter(waiter)
                raise PoolExhausted(timeout, self.max_kernels, self._last_error)
            co = waiter.result()
        co.on_event = None
        co.restart_idle = True
        self._busy.add(co)
        self._publish()
        self._fill()
        if self._metrics is not None:
            self._metrics.acquired(time.perf_counter() - began)
        return co

    def _forget_waiter(self, waiter: asyncio.Future) -> None:
        waiter.cancel()
        if waiter in self._waiters:
            self._waiters.remove(waiter)

    def _release(self, co: Coordinator) -> None:
        if co in self._busy:
            self._busy.discard(co)
            self._stop(co)
            self._fill()

    # -- keeping kernels -----------------------------------------------------------------------
    def _fill(self) -> list[asyncio.Task]:
        """Start kernels until ``size`` plus the waiting acquires are ready or starting, within the bound."""
        started = []
        while (
            not self._closed
            and len(self._ready) + len(self._starting) < self.size + len(self._waiters)
            and self._count() < self.max_kernels
        ):
            task = asyncio.ensure_future(self._start_one())
            self._starting.add(task)
            started.append(task)
        self._publish()
        return started

    async def _start_one(self) -> None:
        task = asyncio.current_task()
        # A ready kernel that dies is replaced by the pool, not restarted in place.
        co = Coordinator(self.kernel_name, metrics=self._metrics, restart_idle=False, **self.options)
        try:
            await co.start()
        except CoordinatorError as err:
            log.warning("a pooled kernel did not start: %s", err)
            self._last_error = err
            await co.shutdown()
            if self._retry is None and not self._closed:
                self._retry = asyncio.get_running_loop().call_later(RETRY_AFTER, self._retry_fill)
            return
        finally:
            self._starting.discard(task)
            self._publish()
        self._last_error = None
        if self._closed:
            await co.shutdown()
        else:
            self._hand(co)

    def _retry_fill(self) -> None:
        self._retry = None
        self._fill()

    def _hand(self, co: Coordinator) -> None:
        """A ready kernel goes to the longest-waiting acquire, or joins the ready ones."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(co)
                return
        co.on_event = lambda event: self._pooled_event(co, event)
        self._ready.append(co)
        self._publish()

    def _pooled_event(self, co: Coordinator, event: CellEvent) -> None:
        if event.kind == "kernel_died" and co in self._ready:
            log.info("a ready kernel died; replacing it")
            self._ready.remove(co)
            self._stop(co)
            self._fill()

    def _stop(self, co: Coordinator) -> None:
        task = asyncio.ensure_future(self._shutdown(co))
        self._stopping.add(task)
        task.add_done_callback(self._stopped)
        self._publish()

    async def _shutdown(self, co: Coordinator) -> None:
        try:
            await co.shutdown()
        except Exception:
            log.exception("could not shut a pooled kernel down")

    def _stopped(self, task: asyncio.Task) -> None:
        self._stopping.discard(task)
        self._publish()
        self._fill()
