"""Kernels on a Jupyter Kernel Gateway or Enterprise Gateway, through its REST and WebSocket API.

The gateway starts, interrupts, restarts and stops kernels (``/api/kernels``)
and carries their messages over one WebSocket per kernel
(``/api/kernels/{id}/channels``, JSON messages with a ``channel`` key: Jupyter
Server's kernel WebSocket protocol).  Both go through tornado, which
jupyter_client already depends on.  The gateway watches its kernels itself:
when one dies it restarts it and says ``execution_state: restarting`` on
iopub (``dead`` when it gives up); the link reports that as the kernel's death
and ``restart`` reconnects to the new kernel (or asks for one).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .connection import KernelLink, OnDeath, OnMessage
from .errors import CoordinatorError, KernelStartError

__all__ = ["Gateway", "GatewayKernel"]

log = logging.getLogger(__name__)

#: Seconds between kernel_info requests while waiting for a kernel to answer.
_READY_POLL = 1.0


@dataclass(frozen=True)
class Gateway:
    """A gateway's base URL (``http://host:8888``, with any base path) and its token."""

    url: str
    token: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    request_timeout: float = 60.0
    validate_cert: bool = True

    def endpoint(self, *parts: str) -> str:
        """The URL of an API path under the gateway's base URL."""
        return self.url.rstrip("/") + "/api/" + "/".join(quote(part, safe="") for part in parts)

    def ws_endpoint(self, *parts: str) -> str:
        """The WebSocket URL of an API path."""
        url = self.endpoint(*parts)
        return "ws" + url[4:] if url.startswith("http") else url

    def request_headers(self) -> dict[str, str]:
        """The headers of every request: the token (``Authorization: token ...``) and ``headers``."""
        headers = dict(self.headers)
        if self.token:
            headers["Authorization"] = f"token {self.token}"
        return headers


def decode_frame(frame: str | bytes) -> dict:
    """A kernel message from a WebSocket frame: JSON text, or the binary form with buffers.

    The binary form is a 32-bit count of parts, one 32-bit offset per part,
    then the parts: the message's JSON first, its buffers after.
    """
    if isinstance(frame, str):
        return json.loads(frame)
    count = struct.unpack("!i", frame[:4])[0]
    offsets = list(struct.unpack("!" + "I" * count, frame[4 : 4 * (count + 1)])) + [len(frame)]
    parts = [frame[offsets[i] : offsets[i + 1]] for i in range(count)]
    msg = json.loads(parts[0].decode("utf8"))
    msg["buffers"] = parts[1:]
    return msg


class GatewayKernel(KernelLink):
    """A kernel of spec ``kernel_name`` on a gateway; ``cwd`` becomes ``KERNEL_WORKING_DIR``."""

    restartable = True

    def __init__(
        self, gateway: Gateway, kernel_name: str, *, cwd: str | None = None, startup_timeout: float = 60.0
    ) -> None:
        super().__init__(startup_timeout)
        self.gateway = gateway
        self.kernel_name = kernel_name
        self.cwd = cwd
        self.kernel_id: str | None = None
        self._session: Any = None
        self._ws: Any = None
        self._reader: asyncio.Task | None = None
        self._waiting: dict[str, asyncio.Future] = {}
        self._waiting_idle: dict[str, asyncio.Future] = {}
        self._closing = False

    @property
    def session(self) -> Any:
        if self._session is None:
            raise CoordinatorError("the kernel link is not open")
        return self._session

    # -- REST -----------------------------------------------------------------------
    async def _call(self, method: str, *parts: str, body: dict | None = None) -> Any:
        from tornado.httpclient import AsyncHTTPClient, HTTPClientError

        request: dict[str, Any] = {
            "method": method,
            "headers": {**self.gateway.request_headers(), "Content-Type": "application/json"},
            "request_timeout": self.gateway.request_timeout,
            "validate_cert": self.gateway.validate_cert,
        }
        if method in ("POST", "PUT"):
            request["body"] = json.dumps(body or {})
        try:
            response = await AsyncHTTPClient().fetch(self.gateway.endpoint(*parts), **request)
        except HTTPClientError as err:
            if err.code == 404:
                return None
            raise CoordinatorError(f"the gateway answered {method} /api/{'/'.join(parts)} with {err}") from err
        except OSError as err:
            raise CoordinatorError(f"cannot reach the gateway at {self.gateway.url}: {err}") from err
        return json.loads(response.body) if response.body else {}

    async def _start_kernel(self) -> None:
        env = {"KERNEL_WORKING_DIR": self.cwd} if self.cwd else {}
        try:
            model = await self._call("POST", "kernels", body={"name": self.kernel_name, "env": env})
        except CoordinatorError as err:
            raise KernelStartError(f"the gateway did not start kernel {self.kernel_name!r}: {err}") from err
        if not model or "id" not in model:
            raise KernelStartError(f"the gateway has no kernel {self.kernel_name!r}")
        self.kernel_id = model["id"]

    # -- WebSocket ----------------------------------------------------------------------
    async def open(self, on_message: OnMessage, on_death: OnDeath) -> None:
        from jupyter_client.session import Session

        self.on_message, self.on_death = on_message, on_death
        # The gateway authenticates the WebSocket and signs for the kernel; this key only keeps Session quiet.
        self._session = Session(key=secrets.token_hex(16).encode())
        await self._start_kernel()
        await self._connect_ws()

    async def _connect_ws(self) -> None:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        assert self.kernel_id is not None
        url = self.gateway.ws_endpoint("kernels", self.kernel_id, "channels") + f"?session_id={self.session.session}"
        request = HTTPRequest(
            url,
            headers=self.gateway.request_headers(),
            validate_cert=self.gateway.validate_cert,
            connect_timeout=self.startup_timeout,
            request_timeout=self.startup_timeout,
        )
        try:
            self._ws = await websocket_connect(request, max_message_size=1 << 30)
        except Exception as err:
            raise KernelStartError(f"cannot open the gateway's channels for kernel {self.kernel_id}: {err}") from err
        self._closing = False
        self._dead = False
        self._reader = asyncio.create_task(self._read_socket(self._ws), name="reactive-gateway-reader")
        await self._wait_ready()

    async def _wait_ready(self) -> None:
        """Send kernel_info requests until one gets its reply and its idle status (so iopub flows too)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.startup_timeout
        while loop.time() < deadline:
            msg = self.session.msg("kernel_info_request", {})
            msg_id = msg["header"]["msg_id"]
            self._waiting[msg_id] = loop.create_future()
            self._waiting_idle[msg_id] = loop.create_future()
            try:
                self.send("shell", msg)
                await asyncio.wait_for(asyncio.gather(self._waiting[msg_id], self._waiting_idle[msg_id]), _READY_POLL)
                return
            except asyncio.TimeoutError:
                continue
            finally:
                self._waiting.pop(msg_id, None)
                self._waiting_idle.pop(msg_id, None)
        await self._disconnect()
        raise KernelStartError(f"kernel {self.kernel_id} on the gateway did not answer in {self.startup_timeout} s")

    async def _read_socket(self, ws: Any) -> None:
        while True:
            frame = await ws.read_message()
            if frame is None:
                if not self._closing:
                    log.warning("the gateway closed the channels of kernel %s", self.kernel_id)
                    self._report_death(None)
                return
            try:
                msg = decode_frame(frame)
            except (ValueError, struct.error):
                log.warning("ignoring an unreadable frame from the gateway")
                continue
            channel = msg.get("channel")
            parent_id = (msg.get("parent_header") or {}).get("msg_id")
            parent = parent_id if isinstance(parent_id, str) else ""
            if channel == "iopub" and msg.get("msg_type") == "status" and not parent:
                if (msg.get("content") or {}).get("execution_state") in ("restarting", "dead"):
                    self._report_death(None)
                continue
            waiting = self._waiting.get(parent) if channel == "shell" else self._waiting_idle.get(parent)
            if waiting is not None:
                idle = channel == "shell" or (msg.get("content") or {}).get("execution_state") == "idle"
                if idle and not waiting.done():
                    waiting.set_result(msg)
                continue
            if channel in ("shell", "iopub"):
                try:
                    self.on_message(channel, msg)
                except Exception:
                    log.exception("could not handle %s %s", channel, msg.get("msg_type"))

    def send(self, channel: str, msg: dict) -> None:
        if self._ws is None:
            raise CoordinatorError("the kernel link is not open")
        from jupyter_client.jsonutil import json_default

        self._ws.write_message(json.dumps({**msg, "channel": channel}, default=json_default))

    async def _disconnect(self) -> None:
        self._closing = True
        ws, self._ws = self._ws, None
        if ws is not None:
            ws.close()
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            try:
                await reader
            except (asyncio.CancelledError, Exception):
                pass

    async def _delete(self) -> None:
        if self.kernel_id is not None:
            try:
                await self._call("DELETE", "kernels", self.kernel_id)
            except CoordinatorError as err:
                log.warning("could not shut down kernel %s on the gateway: %s", self.kernel_id, err)

    # -- the link's calls -------------------------------------------------------------------
    async def alive(self) -> bool:
        return self._ws is not None and not self._dead

    async def restart(self) -> None:
        """Reconnect to the kernel the gateway restarted; ask for a restart (or a new kernel) when it gave up."""
        await self._disconnect()
        try:
            kernel_id = self.kernel_id
            model = await self._call("GET", "kernels", kernel_id) if kernel_id else None
            if kernel_id is None or model is None:
                await self._start_kernel()
            elif model.get("execution_state") == "dead":
                await self._call("POST", "kernels", kernel_id, "restart")
        except CoordinatorError as err:
            raise KernelStartError(str(err)) from err
        await self._connect_ws()

    async def interrupt(self) -> None:
        if self.kernel_id is not None:
            await self._call("POST", "kernels", self.kernel_id, "interrupt")

    async def close(self) -> None:
        await self._disconnect()
        await self._delete()
        self.kernel_id = None
