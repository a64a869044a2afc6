"""Measurements on running kernels: start-up, round trips, cascades, a big graph, memory.

Every comparison runs the kernels side by side in this process tree and
interleaves their requests, so a busy moment on the machine lands on all of
them; results are medians with quartiles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .graph_cost import chain_code
from .kernels import BenchError, KernelKind, Running, close_all, execute_content, start
from .stats import summary

__all__ = [
    "FOUR_STATEMENTS",
    "REACTIVE",
    "STOCK",
    "Config",
    "Log",
    "big_kernel",
    "cascades",
    "round_trips",
    "startup",
]

STOCK = KernelKind("stock", "python3")
REACTIVE = KernelKind("reactive", "reactive-python")

#: The 4-statement cell of the round-trip comparison.
FOUR_STATEMENTS = "a = 1\nb = a + 1\nc = [a, b]\nd = sum(c)"

Log = Callable[[str], None]


@dataclass(frozen=True)
class Config:
    """Sizes and repeat counts of one run.

    ``peer_*_count`` apply to ipyflow, whose round trips are several times slower.
    """

    quick: bool
    start_repeats: int
    pass_count: int
    four_count: int
    peer_pass_count: int
    peer_four_count: int
    chain_sizes: tuple[int, ...]
    chain_repeats: dict[int, int]
    stock_chain_sizes: tuple[int, ...]
    big_graph: int
    big_kernel_cells: int
    register_samples: int
    graph_samples: int
    marimo_sizes: tuple[int, ...]
    marimo_repeats: dict[int, int]
    marimo_limit_s: dict[int, float]
    warmup: int = 30

    @classmethod
    def make(cls, quick: bool) -> Config:
        """The quick (under two minutes) or full (under fifteen) configuration."""
        if quick:
            return cls(
                quick=True,
                start_repeats=3,
                pass_count=500,
                four_count=200,
                peer_pass_count=100,
                peer_four_count=50,
                chain_sizes=(10, 100, 1000),
                chain_repeats={10: 5, 100: 3, 1000: 3},
                stock_chain_sizes=(10, 100),
                big_graph=10_000,
                big_kernel_cells=2_000,
                register_samples=200,
                graph_samples=500,
                marimo_sizes=(100, 1000),
                marimo_repeats={100: 3, 1000: 1},
                marimo_limit_s={100: 60, 1000: 90},
            )
        return cls(
            quick=False,
            start_repeats=7,
            pass_count=1000,
            four_count=500,
            peer_pass_count=500,
            peer_four_count=300,
            chain_sizes=(10, 100, 1000, 5000),
            chain_repeats={10: 15, 100: 7, 1000: 5, 5000: 3},
            stock_chain_sizes=(10, 100, 1000),
            big_graph=10_000,
            big_kernel_cells=10_000,
            register_samples=500,
            graph_samples=2000,
            marimo_sizes=(100, 1000, 5000),
            marimo_repeats={100: 5, 1000: 3, 5000: 1},
            marimo_limit_s={100: 60, 1000: 120, 5000: 300},
        )


def _rotations(items: list, i: int) -> list:
    k = i % len(items)
    return items[k:] + items[:k]


def startup(kinds: list[KernelKind], repeats: int, log: Log) -> dict:
    """Start and stop each kind ``repeats`` times, interleaved.

    Per kind: wall time from ``start_kernel`` until ``wait_for_ready`` returns,
    the kernel process's CPU seconds at that point, and its resident memory.
    """
    samples: dict[str, dict[str, list[float]]] = {k.label: {"ready": [], "cpu": [], "rss": []} for k in kinds}
    for i in range(repeats):
        for kind in _rotations(kinds, i):
            kernel = start(kind)
            try:
                samples[kind.label]["ready"].append(kernel.ready_s)
                samples[kind.label]["cpu"].append(kernel.cpu())
                samples[kind.label]["rss"].append(kernel.rss())
            finally:
                kernel.close()
        log(f"start-up round {i + 1}/{repeats} done")
    return {
        label: {
            "ready_ms": summary(s["ready"], 1e3),
            "cpu_ms": summary(s["cpu"], 1e3),
            "rss_mib": summary(s["rss"], 1 / 2**20),
        }
        for label, s in samples.items()
    }


def round_trips(kernels: list[Running], code: str, cell_id: str, counts: dict[str, int], warmup: int) -> dict:
    """Execute ``code`` (same cell id each time) ``counts[label]`` times per kernel, interleaved.

    Returns per kernel the round-trip summary (ms) and the kernel's CPU per request (ms).
    Raises BenchError when a reply is not ``ok``.
    """
    for kernel in kernels:
        for _ in range(warmup):
            kernel.wire.run(code, cell_id)
    times: dict[str, list[float]] = {k.label: [] for k in kernels}
    cpu_before = {k.label: k.cpu() for k in kernels}
    cpu_after = dict(cpu_before)
    for i in range(max(counts.values())):
        for kernel in _rotations(kernels, i):
            if i >= counts[kernel.label]:
                continue
            seconds, reply = kernel.wire.run(code, cell_id)
            if reply["content"]["status"] != "ok":
                raise BenchError(f"{kernel.label}: {code!r} replied {reply['content']}")
            times[kernel.label].append(seconds)
            if i == counts[kernel.label] - 1:
                cpu_after[kernel.label] = kernel.cpu()
    return {
        k.label: {
            "round_trip_ms": summary(times[k.label], 1e3),
            "kernel_cpu_ms": (cpu_after[k.label] - cpu_before[k.label]) / counts[k.label] * 1e3,
        }
        for k in kernels
    }


def _register_chain(kernel: Running, prefix: str, n: int) -> tuple[float, float]:
    """Register an ``n``-cell chain through register_cell_request; returns (wall s, kernel CPU s)."""
    cpu = kernel.cpu()
    requests = (
        ("register_cell_request", {"cell_id": f"{prefix}c{i}", "code": chain_code(f"{prefix}v", i)}, None)
        for i in range(n)
    )
    wall, replies = kernel.wire.pipeline(requests)
    bad = [r["content"] for r in replies if r["content"]["status"] != "ok"]
    if bad:
        raise BenchError(f"registering the {n}-cell chain failed: {bad[0]}")
    return wall, kernel.cpu() - cpu


def _cascade_once(kernel: Running, prefix: str, n: int, root: int) -> tuple[float, float]:
    """Execute the chain's root as ``v0 = root``; returns (seconds to reply + idle, kernel CPU seconds).

    A new value each time: an equal one would (rightly) re-run nothing.  Raises
    BenchError unless all ``n - 1`` descendants ran and the tail holds ``root + n - 1``.
    """
    cpu = kernel.cpu()
    seconds, reply = kernel.wire.run(f"{prefix}v0 = {root}", f"{prefix}c0")
    used = kernel.cpu() - cpu
    reactive = reply["metadata"].get("reactive", {})
    ran = [c for c in reactive.get("cascade", []) if c.get("status") == "ok"]
    if reply["content"]["status"] != "ok" or len(ran) != n - 1:
        raise BenchError(f"cascade over {n} cells ran {len(ran)} descendants: {reply['content']}")
    if kernel.wire.value(f"{prefix}v{n - 1}") != str(root + n - 1):
        raise BenchError(f"after the cascade {prefix}v{n - 1} != {root + n - 1}")
    return seconds, used


def _stock_rerun(kernel: Running, prefix: str, n: int, pipelined: bool) -> tuple[float, float]:
    """Re-run all ``n`` chain cells in stock ipykernel, one round trip after another
    or queued as "Run All" does; returns (seconds, kernel CPU seconds)."""
    cpu = kernel.cpu()
    if pipelined:
        requests = (
            ("execute_request", execute_content(chain_code(f"{prefix}v", i)), {"cellId": f"{prefix}c{i}"})
            for i in range(n)
        )
        seconds, replies = kernel.wire.pipeline(requests)
    else:
        seconds, replies = 0.0, []
        for i in range(n):
            took, reply = kernel.wire.run(chain_code(f"{prefix}v", i), f"{prefix}c{i}")
            seconds += took
            replies.append(reply)
    if any(r["content"]["status"] != "ok" for r in replies):
        raise BenchError(f"stock re-run of {n} cells failed")
    return seconds, kernel.cpu() - cpu


def cascades(reactive: Running, stock: Running, config: Config, pass_ms: float, log: Log) -> dict:
    """Chains of trivial cells: reactive-python registers once and executes the root;
    stock ipykernel re-runs every cell (sequentially and queued). Interleaved per repeat."""
    results: dict[int, dict] = {}
    for n in config.chain_sizes:
        prefix = f"n{n}_"
        reg_wall, reg_cpu = _register_chain(reactive, prefix, n)
        samples: dict[str, list[tuple[float, float]]] = {"reactive": [], "stock_sequential": [], "stock_run_all": []}
        with_stock = n in config.stock_chain_sizes
        for i in range(config.chain_repeats[n]):
            steps = [("reactive", lambda i=i, prefix=prefix, n=n: _cascade_once(reactive, prefix, n, i + 1))]
            if with_stock:
                steps += [
                    ("stock_sequential", lambda prefix=prefix, n=n: _stock_rerun(stock, prefix, n, pipelined=False)),
                    ("stock_run_all", lambda prefix=prefix, n=n: _stock_rerun(stock, prefix, n, pipelined=True)),
                ]
            for name, step in _rotations(steps, i):
                samples[name].append(step())
        entry: dict = {
            "n": n,
            "register_wall_s": reg_wall,
            "register_kernel_cpu_s": reg_cpu,
            "register_ms_per_cell": reg_wall / n * 1e3,
        }
        for name, values in samples.items():
            if not values:
                continue
            walls = [v[0] for v in values]
            cpus = [v[1] for v in values]
            entry[name] = {
                "wall_ms": summary(walls, 1e3),
                "kernel_cpu_ms": summary(cpus, 1e3),
                "ms_per_cell": summary(walls, 1e3 / n),
            }
        entry["rss_mib"] = {"reactive": reactive.rss() / 2**20, "stock": stock.rss() / 2**20}
        wall_ms = entry["reactive"]["wall_ms"]["median"]
        entry["reactive"]["marginal_ms_per_cell"] = max(0.0, wall_ms - pass_ms) / max(1, n - 1)
        results[n] = entry
        log(
            f"cascade n={n}: reactive {wall_ms:.1f} ms"
            + (f", stock sequential {entry['stock_sequential']['wall_ms']['median']:.1f} ms" if with_stock else "")
        )
    return results


def big_kernel(config: Config, log: Log) -> dict:
    """A fresh reactive kernel holding a ``big_kernel_cells``-cell chain: the cost of
    registering it, then register_cell_request and ``pass`` round trips in it."""
    kernel = start(REACTIVE)
    try:
        rss_start = kernel.rss()
        reg_wall, reg_cpu = _register_chain(kernel, "big_", config.big_kernel_cells)
        log(f"registered {config.big_kernel_cells} cells in {reg_wall:.1f} s")
        tail = f"big_v{config.big_kernel_cells - 1}"
        for k in range(config.warmup):
            kernel.wire.request("register_cell_request", {"cell_id": f"warm{k}", "code": f"warm_{k} = {tail} + 1"})
            kernel.wire.run("pass", "big-pass")
        register_times, pass_times = [], []
        cpu = kernel.cpu()
        for k in range(config.register_samples):
            seconds, reply = kernel.wire.request(
                "register_cell_request", {"cell_id": f"leaf{k}", "code": f"leaf_{k} = {tail} + 1"}
            )
            if reply["content"]["status"] != "ok":
                raise BenchError(f"register_cell_request in the big kernel failed: {reply['content']}")
            register_times.append(seconds)
            pass_times.append(kernel.wire.run("pass", "big-pass")[0])
        cpu_per_pair = (kernel.cpu() - cpu) / config.register_samples
        return {
            "cells": config.big_kernel_cells,
            "register_all_wall_s": reg_wall,
            "register_all_kernel_cpu_s": reg_cpu,
            "register_round_trip_ms": summary(register_times, 1e3),
            "pass_round_trip_ms": summary(pass_times, 1e3),
            "kernel_cpu_ms_per_register_and_pass": cpu_per_pair * 1e3,
            "rss_mib_start": rss_start / 2**20,
            "rss_mib_after": kernel.rss() / 2**20,
        }
    finally:
        close_all([kernel])
