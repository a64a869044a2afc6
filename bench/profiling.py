"""Where a reactive-python kernel spends its time: cProfile switched on inside the
kernel by silent executes, around one scenario.

    python -m bench.profiling cascade 1000     # execute the root of a 1,000-cell chain
    python -m bench.profiling pass 500         # 500 `pass` round trips
    python -m bench.profiling register 2000    # register a 2,000-cell chain
    python -m bench.profiling big-pass 10000   # `pass` round trips in a kernel holding 10,000 cells

Prints the functions with the most cumulative and internal time, and the path
of the full ``.prof`` file (open it with ``python -m pstats`` or snakeviz).
"""

from __future__ import annotations

import argparse
import pstats
import sys
import tempfile
from pathlib import Path

from .core import REACTIVE
from .graph_cost import chain_code
from .kernels import BenchError, Running, close_all, start

__all__ = ["profile_scenario"]

_ON = "import cProfile as _bench_cp\n_bench_prof = _bench_cp.Profile()\n_bench_prof.enable()"
_OFF = "_bench_prof.disable()\n_bench_prof.dump_stats({path!r})\ndel _bench_prof, _bench_cp"


def _silent(kernel: Running, code: str) -> None:
    reply = kernel.wire.wait(kernel.wire.execute(code, silent=True))
    if reply["content"]["status"] != "ok":
        raise BenchError(f"silent execute failed: {reply['content']}")


def _register(kernel: Running, prefix: str, n: int) -> None:
    kernel.wire.pipeline(
        ("register_cell_request", {"cell_id": f"{prefix}c{i}", "code": chain_code(f"{prefix}v", i)}, None)
        for i in range(n)
    )


def profile_scenario(scenario: str, n: int, out: Path) -> float:
    """Run ``scenario`` of size ``n`` with the profiler on; returns its wall seconds."""
    kernel = start(REACTIVE)
    try:
        if scenario == "cascade":
            _register(kernel, "p_", n)
            kernel.wire.run(chain_code("p_v", 0), "p_c0")
        elif scenario == "big-pass":
            _register(kernel, "p_", n)
        for _ in range(20):
            kernel.wire.run("pass", "warm")
        _silent(kernel, _ON)
        if scenario == "cascade":
            took = kernel.wire.run("p_v0 = 1", "p_c0")[0]  # a new value: the whole chain re-runs
        elif scenario in ("pass", "big-pass"):
            count = n if scenario == "pass" else 500
            took = sum(kernel.wire.run("pass", "prof-pass")[0] for _ in range(count))
        elif scenario == "register":
            took = kernel.wire.pipeline(
                ("register_cell_request", {"cell_id": f"r{i}", "code": chain_code("r_v", i)}, None) for i in range(n)
            )[0]
        else:
            raise BenchError(f"unknown scenario {scenario!r}")
        _silent(kernel, _OFF.format(path=str(out)))
        return took
    finally:
        close_all([kernel])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.profiling", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scenario", choices=["cascade", "pass", "register", "big-pass"])
    parser.add_argument("n", type=int)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    out = Path(tempfile.mkdtemp(prefix="bench-prof-")) / f"{args.scenario}-{args.n}.prof"
    took = profile_scenario(args.scenario, args.n, out)
    print(f"{args.scenario} {args.n}: {took * 1e3:.1f} ms under the profiler; full profile: {out}")
    stats = pstats.Stats(str(out), stream=sys.stdout).strip_dirs()
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
