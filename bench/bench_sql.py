"""Cost of ``%%sql`` cells in a real reactive kernel, printed as markdown tables.

1. ``%%sql out << SELECT * FROM df WHERE a > 5`` on a DataFrame of ``--rows``
   rows against a Python cell in the same kernel that calls DuckDB directly
   for the same result type: medians of ``--repeats`` round trips (execute
   request sent -> reply and idle received; the two cells alternate), and
   medians of the magic and the direct call timed inside the kernel.
2. The same ``%%sql`` cell over a string-heavy frame with each result type
   (pandas, Arrow, polars).

Usage: ``.venv/bin/python bench/bench_sql.py [--rows N] [--repeats N]``
"""

from __future__ import annotations

import argparse
import queue
import statistics
import time

from jupyter_client.manager import start_new_kernel

KERNEL = "reactive-python"

SETUP = """
import duckdb as _duckdb
import numpy as _np
import pandas as _pd
_rng = _np.random.default_rng(0)
df = _pd.DataFrame({{
    "a": _rng.integers(0, 10, {rows}),
    "b": _rng.random({rows}),
    "c": _rng.integers(0, 1_000_000, {rows}),
}})
_words = _np.array(["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"])
strings = _pd.DataFrame({{
    "k": _rng.integers(0, 1000, {rows}),
    "s1": _words[_rng.integers(0, 8, {rows})],
    "s2": _pd.Series(_rng.integers(0, 10**9, {rows})).map("id-{{:09d}}".format),
    "s3": _words[_rng.integers(0, 8, {rows})],
}})
_con = _duckdb.connect()
"""

QUERY = "SELECT * FROM df WHERE a > 5"
DIRECT = {
    "pandas": f"_direct = _con.sql({QUERY!r}).df()",
    "arrow": f"_direct = _con.sql({QUERY!r}).to_arrow_table()",
    "polars": f"_direct = _con.sql({QUERY!r}).pl()",
}
SQL = f"%%sql out <<\n{QUERY}"
STRINGS = "%%sql string_out <<\nSELECT * FROM strings"
#: Times the magic and the direct call inside the kernel, alternating; run silently.
IN_KERNEL = """
import statistics as _statistics, time as _time
_timings = {{"sql": [], "direct": []}}
for _ in range({repeats}):
    _t = _time.perf_counter()
    get_ipython().run_cell_magic("sql", "_bench_out <<", {query!r})
    _timings["sql"].append(_time.perf_counter() - _t)
    _t = _time.perf_counter()
    exec({direct!r})
    _timings["direct"].append(_time.perf_counter() - _t)
_bench = {{k: _statistics.median(v) for k, v in _timings.items()}}
"""


class Kernel:
    """A reactive kernel and a client that times execute round trips."""

    def __init__(self) -> None:
        self.km, self.kc = start_new_kernel(kernel_name=KERNEL, startup_timeout=120)

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)

    def run(self, code: str, cell_id: str) -> float:
        """Seconds from sending the request to its reply and idle; raises RuntimeError if it fails."""
        content = {
            "code": code,
            "silent": False,
            "store_history": False,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        msg = self.kc.session.msg("execute_request", content, metadata={"cellId": cell_id})
        msg_id = msg["header"]["msg_id"]
        start = time.perf_counter()
        self.kc.shell_channel.send(msg)
        reply = None
        idle = False
        while reply is None or not idle:
            if reply is None:
                try:
                    shell = self.kc.get_shell_msg(timeout=0.01)
                    if shell["parent_header"].get("msg_id") == msg_id:
                        reply = shell
                except queue.Empty:
                    pass
            if not idle:
                try:
                    io = self.kc.get_iopub_msg(timeout=0.01)
                    idle = (
                        io["parent_header"].get("msg_id") == msg_id
                        and io["msg_type"] == "status"
                        and io["content"]["execution_state"] == "idle"
                    )
                except queue.Empty:
                    pass
        elapsed = time.perf_counter() - start
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"{cell_id} failed: {reply['content'].get('evalue')}")
        return elapsed

    def alternate(self, first: tuple[str, str], second: tuple[str, str], repeats: int) -> tuple[float, float]:
        """Median round trips of two cells run alternately, after one warm-up each."""
        self.run(*first)
        self.run(*second)
        a, b = [], []
        for _ in range(repeats):
            a.append(self.run(*first))
            b.append(self.run(*second))
        return statistics.median(a), statistics.median(b)

    def median(self, code: str, cell_id: str, repeats: int) -> float:
        self.run(code, cell_id)  # warm-up
        return statistics.median(self.run(code, cell_id) for _ in range(repeats))

    def silent(self, code: str, expression: str) -> str:
        """Run code silently (outside the graph); returns repr of ``expression``."""
        reply = self.kc.execute_interactive(code, silent=True, user_expressions={"v": expression}, timeout=600)
        value = reply["content"]["user_expressions"]["v"]
        if value["status"] != "ok":
            raise RuntimeError(f"{value['ename']}: {value['evalue']}")
        return value["data"]["text/plain"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()

    kernel = Kernel()
    try:
        kernel.run(SETUP.format(rows=args.rows), "setup")
        print(
            f"## `%%sql` against DuckDB called directly ({args.rows:,} rows, `WHERE a > 5`, "
            f"median of {args.repeats} round trips)\n"
        )
        print(
            "| result type | `%%sql out <<` (ms) | direct call (ms) | ratio | in kernel: magic (ms) "
            "| in kernel: direct (ms) | ratio |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|")
        for kind, direct in DIRECT.items():
            kernel.run(f"%config ReactiveKernel.sql_result = '{kind}'", f"config-{kind}")
            sql, plain = kernel.alternate((SQL, "sql"), (direct, "direct"), args.repeats)
            inside = eval(kernel.silent(IN_KERNEL.format(repeats=args.repeats, query=QUERY, direct=direct), "_bench"))
            print(
                f"| {kind} | {sql * 1e3:.1f} | {plain * 1e3:.1f} | {sql / plain:.2f} "
                f"| {inside['sql'] * 1e3:.1f} | {inside['direct'] * 1e3:.1f} "
                f"| {inside['sql'] / inside['direct']:.2f} |"
            )

        print(
            f"\n## Result types on a string-heavy frame ({args.rows:,} rows: 1 integer and 3 string "
            f"columns, `SELECT *`, median of {args.repeats} round trips)\n"
        )
        print("| result type | `%%sql` (ms) | vs pandas |")
        print("|---|---:|---:|")
        costs = {}
        for kind in ("pandas", "arrow", "polars"):
            kernel.run(f"%config ReactiveKernel.sql_result = '{kind}'", f"config-{kind}")
            costs[kind] = kernel.median(STRINGS, "strings", args.repeats)
            print(f"| {kind} | {costs[kind] * 1e3:.1f} | {costs[kind] / costs['pandas']:.2f} |")
    finally:
        kernel.close()


if __name__ == "__main__":
    main()
