"""``python -m bench.console [--quick] [--requests N]``: a long console session, reactive-python beside stock ipykernel.

A console (``jupyter console``, a script driving a kernel) sends cells without
cell ids, one at a time, each after the previous reply.  The session here
alternates ``x = i`` and ``print(x)`` for ``N`` requests (20,000; 2,000 with
``--quick``): every ``x = i`` retires the console's earlier definition of ``x``
(docs/semantics.md rule 11), every ``print(x)`` writes nothing and is not
kept, so the kernel's notebook model must stay small however long the session.

Both kernels run side by side and the session is split into blocks of 250
requests that alternate between them (the order rotating each round), so load
from elsewhere on the machine lands on both.  Reported: total wall time of the
session per kernel, the per-request round trip (median and quartiles of the
blocks' means), the kernel's CPU time, the kernel's memory at the end, and the
ratio reactive / stock.  Each kernel's last output is checked.  Results go to
``bench/results/console.json`` (or ``--out``).  A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .core import REACTIVE, STOCK
from .kernels import BenchError, Running, close_all, start
from .machine import describe
from .stats import summary

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BLOCK = 250


def session_block(kernel: Running, first: int, count: int) -> float:
    """Requests ``first`` .. ``first + count - 1`` of the session, each waited for; returns seconds."""
    wire = kernel.wire
    begin = time.perf_counter()
    for i in range(first, first + count):
        code = f"x = {i // 2}" if i % 2 == 0 else "print(x)"
        reply = wire.wait(wire.execute(code))
        if reply["content"]["status"] != "ok":
            raise BenchError(f"{kernel.label}: request {i} ({code!r}) replied {reply['content']}")
    return time.perf_counter() - begin


def run(requests: int) -> dict:
    """The session on both kernels, interleaved by blocks; the results as a dict."""
    kernels = [start(STOCK), start(REACTIVE)]
    try:
        for kernel in kernels:  # warm up: imports, first compile, history database
            session_block(kernel, 0, 50)
        blocks: dict[str, list[float]] = {k.label: [] for k in kernels}
        cpu_before = {k.label: k.cpu() for k in kernels}
        for round_no, first in enumerate(range(0, requests, BLOCK)):
            count = min(BLOCK, requests - first)
            order = kernels if round_no % 2 == 0 else kernels[::-1]
            for kernel in order:
                blocks[kernel.label].append(session_block(kernel, first, count) / count)
        results = {}
        for kernel in kernels:
            last = kernel.wire.value("x")
            if last != str((requests - 1) // 2):
                raise BenchError(f"{kernel.label}: x is {last} after the session")
            total = sum(b * BLOCK for b in blocks[kernel.label])
            results[kernel.label] = {
                "total_s": total,
                "request_ms": summary(blocks[kernel.label], 1e3),
                "kernel_cpu_s": kernel.cpu() - cpu_before[kernel.label],
                "rss_mib": kernel.rss() / 2**20,
            }
        if REACTIVE.label in results and STOCK.label in results:
            results["ratio"] = {
                "total": results[REACTIVE.label]["total_s"] / results[STOCK.label]["total_s"],
                "kernel_cpu": results[REACTIVE.label]["kernel_cpu_s"] / results[STOCK.label]["kernel_cpu_s"],
            }
        return results
    finally:
        close_all(kernels)


def render(results: dict, requests: int) -> str:
    """The results as a few lines of text."""
    lines = [f"console session: {requests} requests without cell ids (x = i / print(x)), one at a time"]
    for label in (STOCK.label, REACTIVE.label):
        r = results[label]
        q = r["request_ms"]
        lines.append(
            f"  {label:9s} total {r['total_s']:7.1f} s   per request {q['median']:.2f} ms "
            f"[{q['p25']:.2f}-{q['p75']:.2f}]   kernel CPU {r['kernel_cpu_s']:6.1f} s   memory {r['rss_mib']:.0f} MiB"
        )
    ratio = results["ratio"]
    lines.append(f"  reactive / stock: total {ratio['total']:.2f}x, kernel CPU {ratio['kernel_cpu']:.2f}x")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.console", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 requests instead of 20,000")
    parser.add_argument("--requests", type=int, help="how many requests the session has")
    parser.add_argument("--out", type=Path, help="results file (default bench/results/console.json)")
    args = parser.parse_args(argv)
    requests = args.requests or (2_000 if args.quick else 20_000)
    try:
        results = run(requests)
    except BenchError as exc:
        print(f"bench.console: {exc}", file=sys.stderr)
        return 1
    out = args.out or RESULTS / "console.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": describe({}), "requests": requests, "results": results}, indent=1) + "\n")
    print(render(results, requests))
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
