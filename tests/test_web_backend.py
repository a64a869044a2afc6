"""examples/web_backend.py served by uvicorn, driven by a real WebSocket client."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import urllib.request

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from servers import start_web_backend
from websockets.asyncio.client import connect

PID = "import os as _os\nprint(_os.getpid())"


@pytest.fixture(scope="module")
def backend():
    server = start_web_backend("--pool", "2", "--max-kernels", "6")
    yield server
    server.stop()


class Client:
    """One WebSocket session: requests by id, every message kept in arrival order."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.messages: list[dict] = []
        self.next_id = 0

    async def request(self, op: str, **fields) -> dict:
        self.next_id += 1
        ident = self.next_id
        await self.ws.send(json.dumps({"id": ident, "op": op, **fields}))
        return await self.answer(ident)

    async def answer(self, ident: int) -> dict:
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), 120))
            self.messages.append(message)
            if message["type"] in ("result", "error") and message["id"] == ident:
                return message

    def events(self, request: str) -> list[tuple]:
        """The request's events; a print that arrived in pieces counts as one."""
        seen: list[tuple] = []
        for m in self.messages:
            if m["type"] != "event" or m["request"] != request:
                continue
            if m["kind"] == "cell_stdout" and seen and seen[-1][:2] == ("cell_stdout", m["cell_id"]):
                seen[-1] = (*seen[-1][:2], seen[-1][2] + m["text"])
            else:
                seen.append((m["kind"], m["cell_id"], m.get("status") or m.get("text")))
        return seen


def chain() -> dict:
    nb = new_notebook(
        cells=[
            new_markdown_cell("a chain"),
            new_code_cell("x = 1\nprint('a', x)", id="a"),
            new_code_cell("y = x + 1\nprint('b', y)", id="b"),
            new_code_cell("print('c', y * 10)", id="c"),
            new_code_cell(PID, id="pid"),
        ]
    )
    return json.loads(nbformat.writes(nb))


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


async def until(condition, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def test_a_session_loads_a_notebook_and_receives_every_cascade_event_in_order(backend):
    async def scenario():
        async with connect(backend.url.replace("http", "ws") + "/ws") as ws:
            client = Client(ws)
            loaded = await client.request("load", notebook=chain())
            pid = int((await client.request("execute", cell_id="pid"))["result"]["runs"][0]["outputs"][0]["text"])
            ran = await client.request("execute", cell_id="a", code="x = 4\nprint('a', x)")
            refused = await client.request("register", cell_id="a", code="x = y")
            return client, loaded, ran, refused, pid

    client, loaded, ran, refused, pid = asyncio.run(scenario())
    assert [r["cell_id"] for r in loaded["result"]] == ["a", "b", "c", "pid"]
    result = ran["result"]
    assert [(r["cell_id"], r["status"]) for r in result["runs"]] == [("a", "ok"), ("b", "ok"), ("c", "ok")]
    assert client.events(result["msg_id"]) == [
        ("cell_status", "a", "running"),
        ("cell_stdout", "a", "a 4\n"),
        ("cell_status", "a", "ok"),
        ("cell_status", "b", "running"),
        ("cell_stdout", "b", "b 5\n"),
        ("cell_status", "b", "ok"),
        ("cell_status", "c", "running"),
        ("cell_stdout", "c", "c 50\n"),
        ("cell_status", "c", "ok"),
    ]
    position = client.messages.index(ran)
    assert all(m["type"] == "event" for m in client.messages if m.get("request") == result["msg_id"])
    assert max(i for i, m in enumerate(client.messages) if m.get("request") == result["msg_id"]) < position
    assert refused["error"] == "CellCycleError" and refused["data"]["cycle"]
    asyncio.run(until(lambda: gone(pid)))


def test_killing_the_kernel_mid_cascade_reports_the_crash_and_recovers(backend, tmp_path):
    flag = tmp_path / "flag"
    nb = chain()
    nb["cells"].append(
        json.loads(
            nbformat.writes(
                new_notebook(
                    cells=[
                        new_code_cell(
                            f"import time\nprint('slow', y, flush=True)\nif y == 6:\n    open({str(flag)!r}, 'w')\n    time.sleep(60)",
                            id="slow",
                        )
                    ]
                )
            )
        )["cells"][0]
    )

    async def scenario():
        async with connect(backend.url.replace("http", "ws") + "/ws") as ws:
            client = Client(ws)
            await client.request("load", notebook=nb)
            pid = int((await client.request("execute", cell_id="pid"))["result"]["runs"][0]["outputs"][0]["text"])
            client.next_id += 1
            await ws.send(json.dumps({"id": client.next_id, "op": "execute", "cell_id": "a", "code": "x = 5"}))
            waiting = asyncio.create_task(client.answer(client.next_id))
            await until(flag.exists)
            os.kill(pid, signal.SIGKILL)
            crashed = await waiting
            healed = await client.request("execute", cell_id="a", code="x = 1")
            return client, crashed, healed

    client, crashed, healed = asyncio.run(scenario())
    result = crashed["result"]
    assert [(r["cell_id"], r["status"]) for r in result["runs"]] == [
        ("a", "ok"),
        ("b", "ok"),
        ("c", "ok"),
        ("slow", "error"),
    ]
    assert result["runs"][-1]["outputs"][-1]["ename"] == "KernelDied"
    assert result["restart"]["cell_id"] == "slow" and set(result["restart"]["registered"]) == {
        "a",
        "b",
        "c",
        "pid",
        "slow",
    }
    kinds = [m["kind"] for m in client.messages if m["type"] == "event" and m["kind"].startswith("kernel_")]
    assert kinds == ["kernel_died", "kernel_restarted"]
    assert [(r["cell_id"], r["status"]) for r in healed["result"]["runs"]] == [
        ("a", "ok"),
        ("b", "ok"),
        ("c", "ok"),
        ("slow", "ok"),
    ]


def test_health_and_metrics(backend):
    health = json.loads(urllib.request.urlopen(f"{backend.url}/health", timeout=10).read())
    assert health["status"] == "ok" and set(health["pool"]) >= {"ready", "busy", "starting"}
    metrics = urllib.request.urlopen(f"{backend.url}/metrics/", timeout=10).read().decode()
    assert "reactive_kernel_kernel_starts_total" in metrics and 'reactive_kernel_kernels{state="ready"}' in metrics
