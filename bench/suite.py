"""The whole benchmark run: every measurement in order, gathered into one results dict."""

from __future__ import annotations

import os
import sys
import time

from . import core
from .graph_cost import registration_cost
from .kernels import BenchError, KernelKind, close_all, start
from .machine import describe
from .marimo_bench import marimo_chain, marimo_graph
from .peers import Peers

__all__ = ["run_suite"]

SCHEMA = 1


class _Log:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __call__(self, text: str) -> None:
        print(f"[{time.perf_counter() - self.start:7.1f} s] {text}", file=sys.stderr, flush=True)


def _usable(kinds: list[KernelKind], notes: list[str], log) -> list[KernelKind]:
    """Start each kind once (also warming caches); leave out those that fail, with a note."""
    usable = []
    for kind in kinds:
        try:
            close_all([start(kind)])
        except BenchError as exc:
            notes.append(f"{kind.label} left out: {exc}")
            log(f"{kind.label} left out: {exc}")
            continue
        usable.append(kind)
    return usable


def run_suite(config: core.Config, peers: Peers | None) -> dict:
    """Run every measurement; ``peers`` None means --no-peers."""
    log = _Log()
    notes: list[str] = []
    results: dict = {
        "schema": SCHEMA,
        "mode": "quick" if config.quick else "full",
        "machine": describe(peers.versions if peers else {}),
        "config": {
            "start_repeats": config.start_repeats,
            "pass_count": config.pass_count,
            "four_count": config.four_count,
            "peer_pass_count": config.peer_pass_count,
            "peer_four_count": config.peer_four_count,
            "chain_sizes": list(config.chain_sizes),
            "chain_repeats": {str(k): v for k, v in config.chain_repeats.items()},
            "big_graph": config.big_graph,
            "big_kernel_cells": config.big_kernel_cells,
            "register_samples": config.register_samples,
            "graph_samples": config.graph_samples,
            "marimo_sizes": list(config.marimo_sizes),
            "warmup": config.warmup,
            "four_statements": core.FOUR_STATEMENTS,
        },
        "notes": notes,
    }

    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        notes.append(
            "PYTHONDONTWRITEBYTECODE is set here; kernels were started without it, "
            "so that every kernel loads its modules from bytecode caches"
        )
    log("in-process registration cost")
    results["graph_cost"] = {
        str(size): registration_cost(size, config.graph_samples) for size in (1000, config.big_graph)
    }

    kinds = [core.STOCK, core.REACTIVE]
    if peers is None:
        notes.append("peers not measured (--no-peers)")
    else:
        notes.extend(peers.notes())
        if peers.ipyflow is not None:
            kinds.append(peers.ipyflow)
    kinds = _usable(kinds, notes, log)
    labels = [k.label for k in kinds]
    if "stock" not in labels:
        raise BenchError("stock ipykernel (kernelspec python3) did not start; nothing to compare against")

    log("start-up")
    results["startup"] = core.startup(kinds, config.start_repeats, log)

    running = [start(kind) for kind in kinds]
    by_label = {k.label: k for k in running}
    try:
        results["rss_after_start_mib"] = {k.label: k.rss() / 2**20 for k in running}
        log("pass round trips")

        def counts(own: int, peer: int) -> dict[str, int]:
            return {k.label: peer if k.label == "ipyflow" else own for k in running}

        results["round_trips"] = {
            "pass": core.round_trips(
                running, "pass", "rt-pass", counts(config.pass_count, config.peer_pass_count), config.warmup
            )
        }
        log("4-statement round trips")
        results["round_trips"]["four"] = core.round_trips(
            running,
            core.FOUR_STATEMENTS,
            "rt-four",
            counts(config.four_count, config.peer_four_count),
            config.warmup,
        )
        if "ipyflow" in by_label:
            close_all([by_label.pop("ipyflow")])
        if "reactive" in by_label:
            pass_ms = results["round_trips"]["pass"]["reactive"]["round_trip_ms"]["median"]
            results["cascades"] = {
                str(n): v
                for n, v in core.cascades(by_label["reactive"], by_label["stock"], config, pass_ms, log).items()
            }
    finally:
        close_all(list(by_label.values()))

    if "reactive" in labels:
        log(f"reactive kernel holding {config.big_kernel_cells} cells")
        results["big_kernel"] = core.big_kernel(config, log)

    if peers is not None and peers.marimo:
        chains = {}
        for n in config.marimo_sizes:
            log(f"marimo chain n={n}")
            chains[str(n)] = marimo_chain(peers.marimo, n, config.marimo_repeats[n], config.marimo_limit_s[n])
        log("marimo graph")
        results["marimo"] = {
            "chains": chains,
            "graph": marimo_graph(peers.marimo, 1000, config.graph_samples // 4, 120),
        }
    log("done")
    results["elapsed_s"] = time.perf_counter() - log.start
    return results
