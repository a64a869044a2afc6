"""``python -m bench.serving [--quick]``: serving many users, measured in one run.

- Warm acquire from a KernelPool beside a cold start (a new Coordinator until
  its kernel answers), interleaved.
- Load: concurrent WebSocket sessions against examples/web_backend.py, each
  loading a 10-cell chain and editing its root; every event is checked against
  the chain (lost, mis-ordered), cascade latency (send to result), peak memory of
  the server and its kernels, and the kernels left once every session is gone.
- Faults: kill -9 of a ready pooled kernel, of a busy kernel mid-cascade and of
  a Jupyter Kernel Gateway's kernel mid-cascade; each must be reported and
  replaced with every registered cell kept.

Writes bench/results/serving.json (or --out) and bench/serving.md.  Measurements,
not tests: nothing here asserts on speed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

from .machine import describe
from .stats import summary

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PAGE = ROOT / "bench" / "serving.md"
PID = "import os as _os\nprint(_os.getpid())"


# -- servers ------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Server:
    """A server process on 127.0.0.1 with its output in a temporary file."""

    def __init__(self, command: list[str], ready: str, headers: dict | None = None) -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        self.log = tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(urllib.request.Request(ready, headers=headers or {}), timeout=2).read()
                return
            except OSError as err:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{command[:3]} did not start") from err
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _kernels_of(pid: int) -> list[psutil.Process]:
    try:
        return [p for p in psutil.Process(pid).children(recursive=True) if p.status() != psutil.STATUS_ZOMBIE]
    except psutil.NoSuchProcess:
        return []


# -- warm acquire vs cold start -------------------------------------------------------------
async def warm_vs_cold(rounds: int) -> dict:
    from reactive_kernel.client import Coordinator
    from reactive_kernel.client.pool import KernelPool

    cold, warm = [], []
    async with KernelPool(2, max_kernels=4) as pool:
        for _ in range(rounds):
            while pool.stats["ready"] < 2 or pool.stats["stopping"]:
                await asyncio.sleep(0.05)
            began = time.perf_counter()
            async with pool.acquire() as co:
                warm.append(time.perf_counter() - began)
                await co.execute("w", "pass")
            began = time.perf_counter()
            co = await Coordinator().start()
            cold.append(time.perf_counter() - began)
            await co.shutdown()
    result = {"warm_acquire_ms": summary(warm, 1e3), "cold_start_ms": summary(cold, 1e3)}
    result["ratio"] = result["warm_acquire_ms"]["median"] / result["cold_start_ms"]["median"]
    return result


# -- load -----------------------------------------------------------------------------------------
def chain_notebook(cells: int) -> dict:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    code = [new_code_cell("v0 = 0\nprint(0, v0)", id="c0")]
    code += [new_code_cell(f"v{i} = v{i - 1} + 1\nprint({i}, v{i})", id=f"c{i}") for i in range(1, cells)]
    return json.loads(nbformat.writes(new_notebook(cells=code)))


async def _session(url: str, cells: int, edits: int, report: dict) -> None:
    from websockets.asyncio.client import connect

    async with connect(url, max_size=1 << 26, open_timeout=120) as ws:
        ident = 0

        async def request(op: str, **fields) -> tuple[dict, list[dict], float]:
            nonlocal ident
            ident += 1
            began = time.perf_counter()
            await ws.send(json.dumps({"id": ident, "op": op, **fields}))
            events = []
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 600))
                if message["type"] == "event":
                    events.append(message)
                elif message["id"] == ident:
                    return message, events, time.perf_counter() - began

        loaded, _, _ = await request("load", notebook=chain_notebook(cells))
        if loaded["type"] != "result":
            report["errors"].append(loaded.get("message"))
            return
        for edit in range(1, edits + 1):
            answer, events, seconds = await request("execute", cell_id="c0", code=f"v0 = {edit}\nprint(0, v0)")
            report["latencies"].append(seconds)
            if answer["type"] != "result":
                report["errors"].append(answer.get("message"))
                continue
            msg_id = answer["result"]["msg_id"]
            expected = []
            for i in range(cells):
                expected += [
                    ("cell_status", f"c{i}", "running"),
                    ("cell_stdout", f"c{i}", f"{i} {edit + i}\n"),
                    ("cell_status", f"c{i}", "ok"),
                ]
            got: list[tuple] = []
            for e in events:
                if e["request"] != msg_id:
                    continue
                if e["kind"] == "cell_stdout" and got and got[-1][:2] == ("cell_stdout", e["cell_id"]):
                    got[-1] = (*got[-1][:2], got[-1][2] + e["text"])  # a print can arrive in pieces
                else:
                    got.append((e["kind"], e["cell_id"], e.get("status") or e.get("text")))
            report["events"] += len(expected)
            report["lost"] += len(set(expected) - set(got))
            report["misordered"] += int(set(got) >= set(expected) and got != expected)
            report["wrong_results"] += int([r["status"] for r in answer["result"]["runs"]] != ["ok"] * cells)


async def _sample_memory(pid: int, peak: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            processes = [psutil.Process(pid), *_kernels_of(pid)]
            peak[0] = max(peak[0], sum(p.memory_info().rss for p in processes) / 2**20)
        except psutil.Error:
            pass
        await asyncio.sleep(0.5)


def load(sessions: int, cells: int, edits: int, pool_size: int) -> dict:
    port = _free_port()
    server = _Server(
        [
            sys.executable,
            str(ROOT / "examples" / "web_backend.py"),
            "--port",
            str(port),
            "--pool",
            str(pool_size),
            "--max-kernels",
            str(sessions + pool_size),
            "--acquire-timeout",
            "600",
        ],
        f"http://127.0.0.1:{port}/health",
    )
    report = {"latencies": [], "errors": [], "events": 0, "lost": 0, "misordered": 0, "wrong_results": 0}
    peak = [0.0]

    async def run() -> float:
        stop = asyncio.Event()
        sampler = asyncio.create_task(_sample_memory(server.process.pid, peak, stop))
        began = time.perf_counter()
        url = f"ws://127.0.0.1:{port}/ws"
        outcomes = await asyncio.gather(
            *(_session(url, cells, edits, report) for _ in range(sessions)), return_exceptions=True
        )
        report["errors"] += [repr(o) for o in outcomes if isinstance(o, BaseException)]
        elapsed = time.perf_counter() - began
        stop.set()
        await sampler
        return elapsed

    try:
        elapsed = asyncio.run(run())
        deadline = time.monotonic() + 120
        while True:
            health = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10).read())
            left = len(_kernels_of(server.process.pid))
            settled = health["pool"]["busy"] == 0 and not health["pool"]["stopping"] and not health["pool"]["starting"]
            if (settled and left == health["pool"]["ready"]) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    finally:
        server.stop()
    return {
        "sessions": sessions,
        "cells": cells,
        "edits": edits,
        "pool": pool_size,
        "elapsed_s": elapsed,
        "cascades": len(report["latencies"]),
        "events_expected": report["events"],
        "events_lost": report["lost"],
        "cascades_misordered": report["misordered"],
        "wrong_results": report["wrong_results"],
        "errors": report["errors"][:5],
        "error_count": len(report["errors"]),
        "latency_ms": summary(report["latencies"], 1e3) if report["latencies"] else None,
        "latency_p95_ms": sorted(report["latencies"])[int(0.95 * (len(report["latencies"]) - 1))] * 1e3
        if report["latencies"]
        else None,
        "peak_memory_mib": round(peak[0]),
        "kernels_after": left,
        "ready_after": health["pool"]["ready"],
        "busy_after": health["pool"]["busy"],
    }


# -- faults ------------------------------------------------------------------------------------------
async def _kill_mid_cascade(co, cells: int) -> dict:
    """Load a chain whose middle cell waits; kill the kernel while it waits; check what comes back."""
    flag = Path(tempfile.mkdtemp()) / "flag"
    pid = int((await co.execute("pid", PID))[0].stdout)
    middle = cells // 2
    await co.register("c0", "v0 = 0")
    for i in range(1, cells):
        # The waiting cell prints when it starts: a re-run cell shows itself on iopub only through its outputs.
        wait = (
            (
                f"if v0 == 1:\n    print('waiting', flush=True)\n    open({str(flag)!r}, 'w')\n"
                "    __import__('time').sleep(60)\n"
            )
            if i == middle
            else ""
        )
        await co.register(f"c{i}", f"{wait}v{i} = v{i - 1} + 1")
    running = asyncio.ensure_future(co.execute("c0", "v0 = 1"))
    while not flag.exists():
        await asyncio.sleep(0.02)
    began = time.perf_counter()
    os.kill(pid, signal.SIGKILL)
    crashed = await running
    recovered = time.perf_counter() - began
    healed = await co.execute("c0", "v0 = 2")
    registered = set(crashed.restart.registered) if crashed.restart else set()
    return {
        "reported_on": crashed.restart.cell_id if crashed.restart else None,
        "expected_on": f"c{middle}",
        "kernel_died_error": any(run.cell_id == f"c{middle}" and run.ename == "KernelDied" for run in crashed),
        "cells_kept": len(registered),
        "cells_registered": cells + 1,
        "recovered_s": recovered,
        "healed": all(run.status == "ok" for run in healed) and len(healed) == cells,
    }


async def faults(cells: int) -> dict:
    from reactive_kernel.client import Coordinator
    from reactive_kernel.client.gateway import Gateway
    from reactive_kernel.client.pool import KernelPool

    out: dict = {}
    async with KernelPool(1, max_kernels=3) as pool:
        (pid,) = [p.pid for p in _kernels_of(os.getpid())]
        began = time.perf_counter()
        os.kill(pid, signal.SIGKILL)
        metrics = pool.metrics()
        while not (
            metrics.value("kernel_crashes_total") == 1
            and pool.stats["ready"] == 1
            and pid not in [p.pid for p in _kernels_of(os.getpid())]
        ):
            await asyncio.sleep(0.02)
        replaced = time.perf_counter() - began
        async with pool.acquire() as co:
            works = (await co.execute("x", "print('ok')"))[0].stdout == "ok\n"
        out["pooled"] = {
            "replaced_s": replaced,
            "replacement_works": works,
            "crashes_counted": pool.metrics().value("kernel_crashes_total"),
        }
        async with pool.acquire() as co:
            out["busy"] = await _kill_mid_cascade(co, cells)
    port, token = _free_port(), secrets.token_hex(16)
    gateway = _Server(
        [
            str(Path(sys.executable).parent / "jupyter"),
            "kernelgateway",
            "--KernelGatewayApp.ip=127.0.0.1",
            f"--KernelGatewayApp.port={port}",
            f"--KernelGatewayApp.auth_token={token}",
            "--KernelRestarter.time_to_dead=0.5",
        ],
        f"http://127.0.0.1:{port}/api/kernelspecs",
        {"Authorization": f"token {token}"},
    )
    try:
        async with Coordinator(gateway=Gateway(f"http://127.0.0.1:{port}", token=token)) as co:
            out["gateway"] = await _kill_mid_cascade(co, cells)
    finally:
        gateway.stop()
    return out


# -- report -------------------------------------------------------------------------------------------
def render(results: dict) -> str:
    wc, ld, ft = results["warm_vs_cold"], results["load"], results["faults"]
    lat = ld["latency_ms"] or {}
    lines = [
        "# Serving many users: measured",
        "",
        f"`python -m bench.serving{' --quick' if results['mode'] == 'quick' else ''}` on "
        f"{results['machine']['nproc']} cores, {results['machine']['memory_gib']} GiB, {results['machine']['date']}. "
        "Medians (p25–p75); compare ratios.",
        "",
        "## Warm acquire vs cold start",
        "",
        "| | ms |",
        "| --- | --- |",
        f"| cold start (new Coordinator until its kernel answers) | {wc['cold_start_ms']['median']:.1f} "
        f"({wc['cold_start_ms']['p25']:.1f}–{wc['cold_start_ms']['p75']:.1f}) |",
        f"| warm acquire from a KernelPool | {wc['warm_acquire_ms']['median']:.3f} "
        f"({wc['warm_acquire_ms']['p25']:.3f}–{wc['warm_acquire_ms']['p75']:.3f}) |",
        f"| warm / cold | {wc['ratio'] * 100:.3f} % (target ≤ 5 %) |",
        "",
        f"## Load: {ld['sessions']} WebSocket sessions, {ld['cells']}-cell chain, {ld['edits']} root edits each",
        "",
        "| | |",
        "| --- | --- |",
        f"| cascades | {ld['cascades']} in {ld['elapsed_s']:.1f} s (pool of {ld['pool']} warm kernels) |",
        f"| events expected / lost | {ld['events_expected']} / {ld['events_lost']} |",
        f"| cascades with mis-ordered events | {ld['cascades_misordered']} |",
        f"| results not all ok / request errors | {ld['wrong_results']} / {ld['error_count']} |",
        f"| cascade latency p50 / p95 | {lat.get('median', 0):.1f} ms / {ld['latency_p95_ms'] or 0:.1f} ms |",
        f"| peak memory, server and kernels | {ld['peak_memory_mib']} MiB |",
        f"| kernels left after every session closed | {ld['kernels_after']} (the pool's {ld['ready_after']} "
        f"ready ones; {ld['busy_after']} in use) |",
        "",
        "## Faults (kill -9)",
        "",
        "The killed kernel's running cell prints a line when it starts: a re-run cell that prints nothing",
        "shows itself on iopub only in the reply, so a crash in it is reported on the last cell seen running.",
        "",
        "| kernel killed | reported on | cells kept | recovered in | works after |",
        "| --- | --- | --- | --- | --- |",
        f"| ready, in the pool | – | – | replaced in {ft['pooled']['replaced_s']:.2f} s | "
        f"{'yes' if ft['pooled']['replacement_works'] else '**no**'} |",
    ]
    for name, label in (("busy", "busy, mid-cascade (local)"), ("gateway", "on a Kernel Gateway, mid-cascade")):
        f = ft[name]
        lines.append(
            f"| {label} | {f['reported_on']} (expected {f['expected_on']}) | "
            f"{f['cells_kept']} of {f['cells_registered']} | {f['recovered_s']:.2f} s | "
            f"{'yes' if f['healed'] else '**no**'} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serving", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 sessions, 5 edits, fewer rounds")
    parser.add_argument("--out", type=Path, help="results file (default bench/results/serving.json)")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    sessions, edits, rounds = (8, 5, 4) if args.quick else (40, 20, 10)
    results = {"mode": "quick" if args.quick else "full", "machine": describe({})}
    print("warm acquire vs cold start ...", file=sys.stderr)
    results["warm_vs_cold"] = asyncio.run(warm_vs_cold(rounds))
    print(f"load: {sessions} sessions ...", file=sys.stderr)
    results["load"] = load(sessions, 10, edits, pool_size=8)
    print("faults ...", file=sys.stderr)
    results["faults"] = asyncio.run(faults(10))
    results["elapsed_s"] = time.perf_counter() - began
    out = args.out or RESULTS / ("serving-quick.json" if args.quick else "serving.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    PAGE.write_text(render(results))
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
