"""Drive marimo's own runtime on a chain of trivial cells; run with a Python that has marimo.

    python marimo_driver.py kernel N REPEATS
    python marimo_driver.py graph N SAMPLES

``kernel``: a marimo Kernel in edit mode, made by
``marimo._runtime.kernel_lifecycle.kernel_session`` (as marimo's own tests
make one), registers the chain with ``Kernel.mutate_graph`` (the step every
marimo run and file sync goes through) and then re-runs the root with
``Kernel.run([ExecuteCellCommand(...)])``, which runs all its descendants.

``graph``: marimo's graph alone, ``compile_cell`` + ``DirectedGraph.register_cell``;
builds the chain, then times registering one new leaf cell.

Each finished phase prints one line ``BENCH {json}`` at once, so a caller
that stops the process at a time limit keeps what finished. Wall time is
``perf_counter``; CPU is ``process_time`` (all threads of this process).
This file imports only marimo and the standard library.
"""

from __future__ import annotations

import asyncio
import copy
import json
import statistics
import sys
import time


def chain_code(i: int) -> str:
    return "v0 = 0" if i == 0 else f"v{i} = v{i - 1} + 1"


def emit(record: dict) -> None:
    print("BENCH " + json.dumps(record), flush=True)


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


async def timed_async(coro):
    wall, cpu = time.perf_counter(), time.process_time()
    await coro
    return time.perf_counter() - wall, time.process_time() - cpu


def kernel_args():
    from marimo._ast.app_config import _AppConfig
    from marimo._config.config import DEFAULT_CONFIG
    from marimo._messaging.types import KernelStreams, NoopStream
    from marimo._runtime.commands import AppMetadata
    from marimo._runtime.kernel_lifecycle import KernelArgs
    from marimo._session.model import SessionMode

    return KernelArgs(
        streams=KernelStreams(stream=NoopStream(), stdout=None, stderr=None, stdin=None),
        debugger=None,
        configs={},
        app_metadata=AppMetadata(query_params={}, cli_args={}, app_config=_AppConfig(), filename=None, argv=[]),
        user_config=copy.deepcopy(DEFAULT_CONFIG),
        mode=SessionMode.EDIT,
        control_queue=asyncio.Queue(),
        set_ui_element_queue=asyncio.Queue(),
        virtual_file_storage="in_memory",
    )


async def kernel_mode(n: int, repeats: int) -> None:
    from marimo._runtime.commands import ExecuteCellCommand
    from marimo._runtime.kernel_lifecycle import kernel_session

    requests = [ExecuteCellCommand(cell_id=f"c{i}", code=chain_code(i)) for i in range(n)]
    with kernel_session(kernel_args()) as (kernel, _ctx):
        _to_run, wall, cpu = timed(lambda: kernel.mutate_graph(requests, deletion_requests=[]))
        if len(kernel.graph.cells) != n or kernel.errors:
            raise SystemExit(f"registration failed: {len(kernel.graph.cells)} cells, errors {kernel.errors}")
        emit({"phase": "register", "n": n, "wall_s": wall, "cpu_s": cpu})
        walls, cpus = [], []
        for _ in range(repeats):
            wall, cpu = await timed_async(kernel.run([ExecuteCellCommand(cell_id="c0", code=chain_code(0))]))
            if kernel.globals.get(f"v{n - 1}") != n - 1:
                raise SystemExit(f"the chain did not run to its end: v{n - 1} = {kernel.globals.get(f'v{n - 1}')}")
            walls.append(wall)
            cpus.append(cpu)
            emit({"phase": "rerun", "n": n, "wall_s": wall, "cpu_s": cpu})
        emit({"phase": "done", "n": n, "rerun_wall_median_s": statistics.median(walls)})


def graph_mode(n: int, samples: int) -> None:
    from marimo._ast.compiler import compile_cell
    from marimo._runtime.dataflow import DirectedGraph

    graph = DirectedGraph()

    def build() -> None:
        for i in range(n):
            graph.register_cell(f"c{i}", compile_cell(chain_code(i), cell_id=f"c{i}"))

    _, wall, cpu = timed(build)
    emit({"phase": "graph_build", "n": n, "wall_s": wall, "cpu_s": cpu})
    compile_us, register_us = [], []
    for k in range(samples):
        cid = f"leaf{k}"
        t0 = time.perf_counter()
        cell = compile_cell(f"leaf_{k} = v{n - 1} + 1", cell_id=cid)
        t1 = time.perf_counter()
        graph.register_cell(cid, cell)
        t2 = time.perf_counter()
        graph.delete_cell(cid)
        compile_us.append((t1 - t0) * 1e6)
        register_us.append((t2 - t1) * 1e6)
    emit({"phase": "graph_leaf", "n": n, "compile_us": compile_us, "register_us": register_us})


def main(argv: list[str]) -> None:
    mode, n, count = argv[0], int(argv[1]), int(argv[2])
    if mode == "kernel":
        asyncio.run(kernel_mode(n, count))
    elif mode == "graph":
        graph_mode(n, count)
    else:
        raise SystemExit(f"unknown mode {mode!r}: use kernel or graph")


if __name__ == "__main__":
    main(sys.argv[1:])
