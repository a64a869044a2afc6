"""Links to one kernel: send requests, receive its shell and iopub messages, learn of its death.

A link reports every incoming message and the kernel's death to its listener;
it never interprets messages.  Liveness comes from jupyter_client itself:

- ``LocalKernel`` starts a kernel process with an ``AsyncIOLoopKernelManager``
  whose restarter watches the process (``is_alive``) and, with
  ``restart_limit = 0``, reports a death at once instead of restarting behind
  the client's back; the client restarts it with ``restart_kernel``.
- ``AttachedKernel`` attaches to a running kernel through its connection file
  and learns of its death from the heartbeat channel.  It cannot restart it.

jupyter_client is imported when a link opens, not before.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from typing import Any

from .errors import CoordinatorError, KernelStartError

__all__ = ["AttachedKernel", "KernelLink", "LocalKernel"]

log = logging.getLogger(__name__)


class _QuietRestarter(logging.Filter):
    """Drops the restarter's "restart failed": with ``restart_limit = 0`` it means only "the kernel died",
    which the link reports itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "restart failed" not in record.getMessage()


#: The logger given to kernel managers (and so to their restarters).
manager_log = logging.getLogger(f"{__name__}.manager")
manager_log.addFilter(_QuietRestarter())

#: Seconds without a heartbeat after which an attached kernel counts as dead.
HEARTBEAT_TIMEOUT = 3.0

OnMessage = Callable[[str, dict], None]
OnDeath = Callable[[int | None], None]


class KernelLink:
    """The part every link shares: a jupyter_client kernel client and the tasks reading its channels.

    ``on_message(channel, msg)`` is called for every shell and iopub message,
    ``on_death(exit_code)`` once per dead kernel; both on the event loop.
    """

    #: whether ``restart`` can replace a dead kernel
    restartable = False

    def __init__(self, startup_timeout: float) -> None:
        self.startup_timeout = startup_timeout
        self.on_message: OnMessage = lambda channel, msg: None
        self.on_death: OnDeath = lambda exit_code: None
        self._kc: Any = None
        self._readers: list[asyncio.Task] = []
        self._dead = False

    @property
    def session(self) -> Any:
        """The jupyter_client Session that builds and signs messages for this kernel."""
        if self._kc is None:
            raise CoordinatorError("the kernel link is not open")
        return self._kc.session

    async def open(self, on_message: OnMessage, on_death: OnDeath) -> None:
        """Start (or reach) the kernel and read its channels; raises KernelStartError."""
        raise NotImplementedError

    async def close(self) -> None:
        """Stop reading; shut down the kernel when the link started it."""
        raise NotImplementedError

    async def restart(self) -> None:
        """Replace the dead kernel with a new one of the same spec; raises KernelStartError."""
        raise KernelStartError("this kernel cannot be restarted from here")

    async def interrupt(self) -> None:
        """Interrupt whatever the kernel runs."""
        raise NotImplementedError

    async def alive(self) -> bool:
        """Whether the kernel is alive, as far as the link knows now."""
        raise NotImplementedError

    async def exit_code(self) -> int | None:
        """The dead kernel's exit code, when known."""
        return None

    def send(self, channel: str, msg: dict) -> None:
        """Send a message built with ``session`` on the ``shell`` or ``control`` channel."""
        if self._kc is None:
            raise CoordinatorError("the kernel link is not open")
        getattr(self._kc, f"{channel}_channel").send(msg)

    # -- shared mechanics ------------------------------------------------------
    async def _connect(self, kc: Any) -> None:
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=self.startup_timeout)
        except BaseException as err:
            kc.stop_channels()
            if isinstance(err, RuntimeError):
                raise KernelStartError(f"the kernel did not answer: {err}") from err
            raise
        self._kc = kc
        self._dead = False
        self._readers = [
            asyncio.create_task(self._read("shell", kc.get_shell_msg), name="reactive-link-shell"),
            asyncio.create_task(self._read("iopub", kc.get_iopub_msg), name="reactive-link-iopub"),
        ]

    async def _read(self, channel: str, get: Callable[[], Any]) -> None:
        while True:
            try:
                msg = await get()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not read a %s message", channel)
                await asyncio.sleep(0.1)
                continue
            try:
                self.on_message(channel, msg)
            except Exception:
                log.exception("could not handle %s %s", channel, msg.get("msg_type"))

    async def _disconnect(self) -> None:
        readers, self._readers = self._readers, []
        for task in readers:
            task.cancel()
        for task in readers:
            try:
                await task
            except asyncio.CancelledError:
                pass
        if self._kc is not None:
            self._kc.stop_channels()
            self._kc = None

    def _report_death(self, exit_code: int | None) -> None:
        if not self._dead:
            self._dead = True
            self.on_death(exit_code)


class LocalKernel(KernelLink):
    """A kernel process this link starts, watches, restarts and shuts down.

    ``liveness_interval`` is how often jupyter_client's restarter polls the
    process, in seconds; ``transport`` is ``tcp`` or ``ipc`` (Unix sockets).
    """

    restartable = True

    def __init__(
        self,
        kernel_name: str,
        *,
        cwd: str | None = None,
        startup_timeout: float = 60.0,
        liveness_interval: float = 0.2,
        transport: str = "tcp",
    ) -> None:
        super().__init__(startup_timeout)
        self.kernel_name = kernel_name
        self.transport = transport
        self.cwd = cwd
        self.liveness_interval = liveness_interval
        self._km: Any = None
        self._generation = 0
        self._restarting = False
        self._watchers: set[asyncio.Future] = set()

    @property
    def pid(self) -> int | None:
        """The kernel process's id, while it runs."""
        provisioner = self._km.provisioner if self._km is not None else None
        return getattr(provisioner, "pid", None)

    async def open(self, on_message: OnMessage, on_death: OnDeath) -> None:
        from jupyter_client.ioloop import AsyncIOLoopKernelManager
        from traitlets.config import Config

        self.on_message, self.on_death = on_message, on_death
        config = Config()
        config.KernelRestarter.time_to_dead = self.liveness_interval
        config.KernelRestarter.restart_limit = 0
        km = self._km = AsyncIOLoopKernelManager(
            kernel_name=self.kernel_name,
            config=config,
            log=manager_log,
            transport=self.transport,
        )
        try:
            await km.start_kernel(cwd=self.cwd)
        except Exception as err:
            self._km = None
            raise KernelStartError(f"could not start kernel {self.kernel_name!r}: {err}") from err
        km.add_restart_callback(self._restarter_saw_death, "dead")
        await self._connect(km.client())

    def _restarter_saw_death(self) -> None:
        if not self._restarting:
            watcher = asyncio.ensure_future(self._died(self._generation))
            self._watchers.add(watcher)
            watcher.add_done_callback(self._watchers.discard)

    async def _died(self, generation: int) -> None:
        # A poll that was under way while this link restarted the kernel reports the old process.
        exit_code = await self.exit_code()
        if generation == self._generation and not self._restarting and not await self._km.is_alive():
            self._report_death(exit_code)

    async def alive(self) -> bool:
        return self._km is not None and not self._dead and await self._km.is_alive()

    async def exit_code(self) -> int | None:
        provisioner = self._km.provisioner if self._km is not None else None
        return await provisioner.poll() if provisioner is not None else None

    async def restart(self) -> None:
        if self._km is None:
            raise KernelStartError("the kernel link is closed")
        await self._disconnect()
        self._generation += 1
        self._restarting = True
        try:
            await self._km.restart_kernel(now=True)
            await self._connect(self._km.client())
        except KernelStartError:
            raise
        except Exception as err:
            raise KernelStartError(f"could not restart kernel {self.kernel_name!r}: {err}") from err
        finally:
            self._restarting = False

    async def interrupt(self) -> None:
        if self._km is not None:
            await self._km.interrupt_kernel()

    async def close(self) -> None:
        await self._disconnect()
        await self._shutdown_kernel()

    async def _shutdown_kernel(self) -> None:
        km, self._km = self._km, None
        if km is not None and km.has_kernel:
            self._generation += 1
            await km.shutdown_kernel(now=not await km.is_alive())


class AttachedKernel(KernelLink):
    """A running kernel reached through its connection file; its heartbeat tells when it dies."""

    def __init__(self, connection_file: str | os.PathLike, *, startup_timeout: float = 60.0) -> None:
        super().__init__(startup_timeout)
        self.connection_file = os.fspath(connection_file)
        self._loop: asyncio.AbstractEventLoop | None = None

    async def open(self, on_message: OnMessage, on_death: OnDeath) -> None:
        from jupyter_client import AsyncKernelClient
        from jupyter_client.channels import HBChannel

        link = self

        class Heartbeat(HBChannel):
            """jupyter_client's heartbeat, telling the link when a beat is missed."""

            time_to_dead = HEARTBEAT_TIMEOUT

            def call_handlers(self, since_last_heartbeat: float) -> None:
                link._heartbeat_missed()

        self.on_message, self.on_death = on_message, on_death
        self._loop = asyncio.get_running_loop()
        kc = AsyncKernelClient(hb_channel_class=Heartbeat)
        try:
            kc.load_connection_file(self.connection_file)
        except (OSError, ValueError) as err:
            raise KernelStartError(f"cannot read connection file {self.connection_file}: {err}") from err
        await self._connect(kc)

    def _heartbeat_missed(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._report_death, None)

    async def alive(self) -> bool:
        return self._kc is not None and not self._dead and self._kc.hb_channel.is_beating()

    async def interrupt(self) -> None:
        if self._kc is not None:
            self.send("control", self._kc.session.msg("interrupt_request", {}))

    async def close(self) -> None:
        await self._disconnect()
