"""Run marimo_driver.py in the peers' Python, one process per chain size, under a time limit."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from .stats import summary

__all__ = ["marimo_chain", "marimo_graph", "run_driver"]

DRIVER = Path(__file__).resolve().parent / "marimo_driver.py"


def run_driver(python: str, args: list[str], timeout: float) -> tuple[list[dict], str | None]:
    """Run the driver; returns (the records it printed, a note if it timed out or failed)."""
    proc = subprocess.Popen(
        [python, str(DRIVER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    note = None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        note = f"stopped at the {timeout:.0f} s limit"
    records = [json.loads(line[6:]) for line in out.splitlines() if line.startswith("BENCH ")]
    if note is None and proc.returncode != 0:
        note = f"exited {proc.returncode}: {err.strip().splitlines()[-1] if err.strip() else 'no message'}"
    return records, note


def marimo_chain(python: str, n: int, repeats: int, timeout: float) -> dict:
    """Register an ``n``-cell chain in a marimo kernel and re-run its root ``repeats`` times."""
    start = time.perf_counter()
    records, note = run_driver(python, ["kernel", str(n), str(repeats)], timeout)
    result: dict = {"n": n, "limit_s": timeout, "process_wall_s": time.perf_counter() - start}
    register = [r for r in records if r["phase"] == "register"]
    reruns = [r for r in records if r["phase"] == "rerun"]
    if register:
        result["register_wall_s"] = register[0]["wall_s"]
        result["register_cpu_s"] = register[0]["cpu_s"]
    if reruns:
        result["rerun_wall_s"] = summary([r["wall_s"] for r in reruns])
        result["rerun_cpu_s"] = summary([r["cpu_s"] for r in reruns])
    if note:
        result["note"] = note
        result["timed_out"] = "limit" in note
    return result


def marimo_graph(python: str, n: int, samples: int, timeout: float) -> dict:
    """marimo's graph alone: build an ``n``-cell chain, then register one new leaf ``samples`` times."""
    records, note = run_driver(python, ["graph", str(n), str(samples)], timeout)
    result: dict = {"n": n}
    for record in records:
        if record["phase"] == "graph_build":
            result["build_s"] = record["wall_s"]
            result["build_us_per_cell"] = record["wall_s"] / n * 1e6
        elif record["phase"] == "graph_leaf":
            result["compile_us"] = summary(record["compile_us"])
            result["register_us"] = summary(record["register_us"])
            result["total_us"] = summary([a + b for a, b in zip(record["compile_us"], record["register_us"])])
    if note:
        result["note"] = note
    return result
