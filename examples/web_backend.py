"""One reactive kernel per WebSocket connection: a Starlette app on a warm KernelPool.

    python examples/web_backend.py --port 8000 --pool 4 --max-kernels 32
    python examples/web_backend.py --gateway http://gateway:8888 --token TOKEN   # kernels on a gateway

Each connection to ``/ws`` gets its own kernel from the pool, a fresh one:
nothing one user ran is seen by the next.  The connection's coordinator events
are sent to it as they happen; disconnecting shuts its kernel down.
``/health`` reports the pool; ``/metrics`` serves Prometheus metrics.

Messages are JSON text.  The client sends requests with an ``id`` of its choosing:

    {"id": 1, "op": "load", "notebook": {...nbformat JSON...}}
    {"id": 2, "op": "execute", "cell_id": "a", "code": "x = 1"}      # code optional
    {"id": 3, "op": "register", "cell_id": "b", "code": "y = x", "after": "a"}
    {"id": 4, "op": "unregister", "cell_id": "b"}
    {"id": 5, "op": "order", "ids": ["a", "b"]}
    {"id": 6, "op": "interrupt"}

and gets, in the order things happened:

    {"type": "event", "kind": "cell_status", "cell_id": "a", "request": "...", "status": "running", ...}
    {"type": "result", "id": 2, "op": "execute", "result": {...}}
    {"type": "error", "id": 2, "op": "execute", "error": "CellCycleError", "message": "...", "data": {...}}

Requires the ``server`` extra (starlette, uvicorn, prometheus-client, websockets).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
from typing import Any

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from reactive_kernel.client import (
    CascadeResult,
    CellConflictError,
    CellCycleError,
    CoordinatorError,
    NotebookRefused,
    Registration,
    RegistrationRefused,
)
from reactive_kernel.client.pool import KernelPool

log = logging.getLogger("web_backend")


def result_json(value: Any) -> Any:
    """A coordinator result as JSON-ready data."""
    if isinstance(value, CascadeResult):
        return {
            "cell_id": value.cell_id,
            "msg_id": value.msg_id,
            "deleted": value.deleted,
            "registered": value.registered,
            "execution_count": value.execution_count,
            "restart": dataclasses.asdict(value.restart) if value.restart else None,
            "runs": [
                {
                    "cell_id": run.cell_id,
                    "status": run.status,
                    "outputs": run.outputs,
                    "execution_count": run.execution_count,
                    "reads": run.reads,
                    "writes": run.writes,
                    "blocked_by": run.blocked_by,
                    "reason": run.reason,
                }
                for run in value
            ],
        }
    if isinstance(value, Registration):
        return dataclasses.asdict(value)
    if isinstance(value, list):
        return [result_json(item) for item in value]
    return value


def error_json(err: Exception) -> dict:
    """An error's name, message and data."""
    data: dict[str, Any] = {}
    if isinstance(err, RegistrationRefused):
        data = {"cell_id": err.cell_id, "ename": err.ename}
        if isinstance(err, CellCycleError):
            data["cycle"] = err.cycle
        if isinstance(err, CellConflictError):
            data.update(name=err.name, owner=err.owner)
    if isinstance(err, NotebookRefused):
        data = {"refusals": [{"number": number, **error_json(refusal)} for number, refusal in err.refusals]}
    return {"error": type(err).__name__, "message": str(err), "data": data}


class Session:
    """One connection: its coordinator, and one queue so events and results go out in order."""

    def __init__(self, websocket: WebSocket, co: Any) -> None:
        self.websocket = websocket
        self.co = co
        self.outbox: asyncio.Queue = asyncio.Queue()
        co.on_event = lambda event: self.outbox.put_nowait({"type": "event", **event.to_json()})

    async def send_all(self) -> None:
        while True:
            message = await self.outbox.get()
            await self.websocket.send_text(json.dumps(message, default=str))

    async def handle(self, request: dict) -> None:
        op, ident = request.get("op"), request.get("id")
        try:
            result = await self.run(op, request)
        except (CoordinatorError, ValueError, KeyError, TypeError) as err:
            self.outbox.put_nowait({"type": "error", "id": ident, "op": op, **error_json(err)})
        else:
            self.outbox.put_nowait({"type": "result", "id": ident, "op": op, "result": result_json(result)})

    async def run(self, op: str | None, request: dict) -> Any:
        co = self.co
        if op == "load":
            import nbformat

            return await co.load_notebook(nbformat.reads(json.dumps(request["notebook"]), as_version=4))
        if op == "execute":
            return await co.execute(request["cell_id"], request.get("code"), after=request.get("after"))
        if op == "register":
            return await co.register(request["cell_id"], request["code"], after=request.get("after"))
        if op == "unregister":
            return await co.unregister(request["cell_id"])
        if op == "order":
            co.set_order(request["ids"])
            return co.order
        if op == "interrupt":
            await co.interrupt()
            return None
        raise ValueError(f"unknown op {op!r}")


async def kernel_socket(websocket: WebSocket) -> None:
    pool: KernelPool = websocket.app.state.pool
    await websocket.accept()
    try:
        async with pool.acquire() as co:
            session = Session(websocket, co)
            sender = asyncio.create_task(session.send_all())
            pending: set[asyncio.Task] = set()
            try:
                while True:
                    request = json.loads(await websocket.receive_text())
                    if request.get("op") == "interrupt":
                        await session.handle(request)
                        continue
                    task = asyncio.create_task(session.handle(request))
                    pending.add(task)
                    task.add_done_callback(pending.discard)
            except WebSocketDisconnect:
                pass
            finally:
                for task in [*pending, sender]:
                    task.cancel()
                await asyncio.gather(*pending, sender, return_exceptions=True)
    except CoordinatorError as err:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.send_text(json.dumps({"type": "error", "id": None, "op": None, **error_json(err)}))
            await websocket.close(code=1013)


async def health(request: Any) -> JSONResponse:
    return JSONResponse({"status": "ok", "pool": request.app.state.pool.stats})


def create_app(pool: KernelPool) -> Starlette:
    """The ASGI app around ``pool`` (started and closed with the app)."""
    from prometheus_client import make_asgi_app

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        await pool.start()
        try:
            yield
        finally:
            await pool.close()

    app = Starlette(
        routes=[
            Route("/health", health),
            WebSocketRoute("/ws", kernel_socket),
            Mount("/metrics", make_asgi_app(pool.metrics().registry)),
        ],
        lifespan=lifespan,
    )
    app.state.pool = pool
    return app


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    from reactive_kernel.client.gateway import Gateway

    parser = argparse.ArgumentParser(description="One reactive kernel per WebSocket connection.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--pool", type=int, default=2, help="warm kernels kept ready (default 2)")
    parser.add_argument("--max-kernels", type=int, help="kernels at most (default 4 x --pool)")
    parser.add_argument("--acquire-timeout", type=float, default=60.0)
    parser.add_argument("--gateway", help="run kernels on this Jupyter Kernel Gateway / Enterprise Gateway URL")
    parser.add_argument("--token", help="the gateway's token")
    args = parser.parse_args(argv)
    options: dict[str, Any] = {}
    if args.gateway:
        options["gateway"] = Gateway(args.gateway, token=args.token)
    pool = KernelPool(args.pool, max_kernels=args.max_kernels, acquire_timeout=args.acquire_timeout, **options)
    uvicorn.run(create_app(pool), host=args.host, port=args.port, log_level="warning", ws_max_size=1 << 26)


if __name__ == "__main__":
    main()
