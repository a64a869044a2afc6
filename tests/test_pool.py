"""The warm kernel pool and its metrics, on real kernel processes."""

from __future__ import annotations

import asyncio
import os
import signal

import psutil
import pytest

from reactive_kernel.client.metrics import Metrics
from reactive_kernel.client.pool import KernelPool, PoolExhausted

PID = "import os as _os\nprint(_os.getpid())"


def kernels() -> set[int]:
    """This process's kernel processes."""
    return {p.pid for p in psutil.Process().children() if p.status() != psutil.STATUS_ZOMBIE}


async def until(condition, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def test_acquire_takes_a_warm_kernel_and_release_replaces_it():
    async def scenario():
        before = kernels()
        async with KernelPool(2, max_kernels=4) as pool:
            metrics = pool.metrics()
            assert pool.stats["ready"] == 2 and metrics.value("kernel_starts_total") == 2
            async with pool.acquire() as co:
                assert metrics.value("kernel_starts_total") == 2
                first_pid = int((await co.execute("a", f"secret = 42\n{PID}"))[0].stdout)
            assert metrics.value("kernels", state="busy") == 0
            await until(lambda: first_pid not in kernels() and pool.stats["ready"] == 2)
            async with pool.acquire() as co:
                fresh = await co.execute("b", "print('secret' in globals())")
            exposition = metrics.exposition().decode()
            stats = pool.stats
        return before, fresh, exposition, stats, kernels()

    before, fresh, exposition, _stats, after = asyncio.run(scenario())
    assert fresh[0].stdout == "False\n"
    assert "reactive_kernel_acquire_wait_seconds_count 2.0" in exposition
    assert "reactive_kernel_cascade_cells_count 2.0" in exposition
    assert after == before


def test_a_ready_kernel_that_dies_is_replaced():
    async def scenario():
        metrics = Metrics()
        async with KernelPool(1, max_kernels=2, metrics=metrics) as pool:
            (pid,) = kernels()
            os.kill(pid, signal.SIGKILL)
            await until(lambda: pool.stats["ready"] == 1 and pid not in kernels() and len(kernels()) == 1)
            async with pool.acquire() as co:
                result = await co.execute("a", "print('alive')")
        return result, metrics

    result, metrics = asyncio.run(scenario())
    assert result[0].stdout == "alive\n" and result.restart is None
    assert metrics.value("kernel_crashes_total") == 1 and metrics.value("kernel_restarts_total") == 0
    assert metrics.value("kernel_starts_total") >= 2


def test_acquire_waits_within_max_kernels_and_then_raises():
    async def scenario():
        async with KernelPool(1, max_kernels=2, acquire_timeout=0.5) as pool:
            first = pool.acquire()
            await first.__aenter__()
            async with pool.acquire(timeout=60):
                with pytest.raises(PoolExhausted) as err:
                    async with pool.acquire():
                        pass
                assert len(kernels()) <= 2
                waiting = asyncio.create_task(pool.acquire(timeout=60).__aenter__())
                await until(lambda: pool.stats["waiting"] == 1)
                await first.__aexit__(None, None, None)
                co = await waiting
                assert (await co.execute("w", "print('got one')"))[0].stdout == "got one\n"
            return err.value

    error = asyncio.run(scenario())
    assert error.max_kernels == 2 and "within 0.5 s (at most 2 kernels)" in str(error)
    assert kernels() == set()


def test_a_busy_kernel_killed_mid_cascade_recovers_in_place(tmp_path):
    flag = tmp_path / "flag"

    async def scenario():
        async with KernelPool(1) as pool, pool.acquire() as co:
            pid = int((await co.execute("pid", PID))[0].stdout)
            await co.register(
                "b",
                f"import time\nprint('b', x, flush=True)\nif x == 1:\n    open({str(flag)!r}, 'w')\n    time.sleep(60)",
            )
            running = asyncio.create_task(co.execute("a", "x = 1"))
            await until(flag.exists)
            os.kill(pid, signal.SIGKILL)
            crashed = await running
            after = await co.execute("a", "x = 2\nprint('x', x)")
            return crashed, after, pool.metrics()

    crashed, after, metrics = asyncio.run(scenario())
    assert [(r.cell_id, r.status) for r in crashed] == [("a", "ok"), ("b", "error")]
    assert crashed.restart.cell_id == "b" and crashed.run("b").ename == "KernelDied"
    assert after[0].stdout == "x 2\n"
    assert metrics.value("kernel_restarts_total") == 1 and metrics.value("kernel_crashes_total") == 1
