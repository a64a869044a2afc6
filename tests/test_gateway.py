"""Coordinator and pool on kernels of a real Jupyter Kernel Gateway started on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import urllib.request

import pytest
from servers import start_gateway

from reactive_kernel.client import Coordinator
from reactive_kernel.client.gateway import Gateway, decode_frame
from reactive_kernel.client.pool import KernelPool

PID = "import os as _os\nprint(_os.getpid())"


@pytest.fixture(scope="module")
def gateway():
    server = start_gateway()
    yield server
    server.stop()


def spec(server) -> Gateway:
    return Gateway(server.url, token=server.token)


def kernels_on(server) -> list[dict]:
    request = urllib.request.Request(f"{server.url}/api/kernels", headers={"Authorization": f"token {server.token}"})
    return json.loads(urllib.request.urlopen(request, timeout=10).read())


def summary(cascade):
    return [(run.cell_id, run.status) for run in cascade]


def test_cascades_events_and_interrupts_on_a_gateway_kernel(gateway):
    async def scenario():
        events = []
        async with Coordinator(gateway=spec(gateway), on_event=events.append) as co:
            await co.register("b", "y = x + 1\nprint('b', y)")
            await co.register("c", "print('c', y * 10)")
            cascade = await co.execute("a", "x = 1")
            running = asyncio.create_task(
                co.execute("slow", "import time\nprint('started', flush=True)\ntime.sleep(60)\nslow = 1")
            )
            while not any(e.kind == "cell_stdout" and e.cell_id == "slow" for e in events):
                await asyncio.sleep(0.05)
            await co.interrupt()
            interrupted = await asyncio.wait_for(running, 60)
            return cascade, interrupted, events

    cascade, interrupted, events = asyncio.run(scenario())
    assert summary(cascade) == [("a", "ok"), ("b", "ok"), ("c", "ok")]
    assert (cascade.run("b").stdout, cascade.run("c").stdout) == ("b 2\n", "c 20\n")
    seen: list[tuple] = []
    for e in events:
        if e.request != cascade.msg_id or e.kind == "cell_output":
            continue
        if e.kind == "cell_stdout" and seen and seen[-1] == (e.kind, e.cell_id):
            continue  # a print that arrived in pieces
        seen.append((e.kind, e.cell_id))
    assert seen == [
        ("cell_status", "a"),
        ("cell_status", "a"),
        ("cell_status", "b"),
        ("cell_stdout", "b"),
        ("cell_status", "b"),
        ("cell_status", "c"),
        ("cell_stdout", "c"),
        ("cell_status", "c"),
    ]
    assert summary(interrupted) == [("slow", "interrupted")] and interrupted[0].ename == "KeyboardInterrupt"


def test_a_gateway_kernel_killed_mid_cascade_is_reported_and_replaced(gateway, tmp_path):
    flag = tmp_path / "seen"

    async def scenario():
        events = []

        def on_event(event):
            events.append(event)
            if event.kind == "cell_stdout" and event.cell_id == "dies":
                flag.write_text("seen")

        async with Coordinator(gateway=spec(gateway), on_event=on_event) as co:
            pid = int((await co.execute("pid", PID))[0].stdout)
            await co.register("b", "y = x + 1\nprint('b', y)")
            await co.register(
                "dies",
                (
                    "import time, os\nprint('dies waits', y, flush=True)\n"
                    f"while not os.path.exists({str(flag)!r}):\n    time.sleep(0.02)\ntime.sleep(30)\nz = y"
                ),
            )
            await co.register("after", "print('after', z)")
            running = asyncio.create_task(co.execute("a", "x = 1"))
            while not flag.exists():
                await asyncio.sleep(0.02)
            os.kill(pid, signal.SIGKILL)
            crashed = await asyncio.wait_for(running, 60)
            healed = await co.execute("a", "x = 5")
            return pid, crashed, healed, int((await co.execute("pid"))[0].stdout), events

    pid, crashed, healed, new_pid, events = asyncio.run(scenario())
    assert summary(crashed) == [("a", "ok"), ("b", "ok"), ("dies", "error")]
    assert crashed.run("dies").ename == "KernelDied" and "while cell dies was running" in crashed.run("dies").evalue
    assert crashed.restart.cell_id == "dies" and not crashed.restart.before_request
    assert crashed.restart.registered == ("pid", "b", "dies", "after", "a")
    assert [e.kind for e in events if e.kind.startswith("kernel_")] == ["kernel_died", "kernel_restarted"]
    assert new_pid != pid
    assert summary(healed)[:2] == [("a", "ok"), ("b", "ok")] and healed.run("b").stdout == "b 6\n"


def test_a_pool_of_gateway_kernels_hands_out_fresh_kernels_and_leaves_none(gateway):
    async def scenario():
        async with KernelPool(1, max_kernels=2, gateway=spec(gateway)) as pool:
            async with pool.acquire() as first:
                await first.execute("p", "secret = 42")
                async with pool.acquire() as second:
                    leaked = await second.execute("q", "print('secret' in globals())")
            during = len(kernels_on(gateway))
            while pool.stats["ready"] < 1 or pool.stats["stopping"]:
                await asyncio.sleep(0.1)
            async with pool.acquire() as third:
                fresh = await third.execute("r", "print('secret' in globals())")
            return leaked, fresh, during, pool.metrics()

    leaked, fresh, during, metrics = asyncio.run(scenario())
    assert leaked[0].stdout == "False\n" and fresh[0].stdout == "False\n"
    assert during <= 2
    assert metrics.value("kernel_starts_total") >= 3
    assert kernels_on(gateway) == []


def test_binary_frames_carry_buffers():
    header = json.dumps({"msg_type": "comm_msg", "channel": "iopub"}).encode()
    frame = (
        (3).to_bytes(4, "big")
        + (16).to_bytes(4, "big")
        + (16 + len(header)).to_bytes(4, "big")
        + (16 + len(header) + 2).to_bytes(4, "big")
        + header
        + b"ab"
        + b"cde"
    )
    msg = decode_frame(frame)
    assert msg["msg_type"] == "comm_msg" and msg["buffers"] == [b"ab", b"cde"]
