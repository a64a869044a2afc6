"""Rule 5 under real timing: Run All runs each cell exactly once however its requests are spaced, with the CPU busy.

A frontend behind a busy server or a remote gateway delivers a Run All's
requests spread out, and a cascade may reach a cell before the cell's own
request arrives.  The notebook's first cell is edited and then everything is run (Run All), so
that the first cell's cascade has every other cell to reach.  Whatever the
spacing, and whether the cells take no time or 10 ms each (so that requests
arrive while the cascade is halfway), each of 50 chained cells must run once:
left to its request when the request is already waiting, or run by the
cascade and then shown (not run again) by its request.  Each cell counts its
runs in ``_runs``, a name the kernel does not track.  Two processes spinning on
the CPU, started and stopped by the test, make the timing worse.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

CELLS = 50


@pytest.fixture
def cpu_burners():
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


def notebook(first: int, seconds: float):
    codes = [f"ra_0 = [{first}]"] + [f"ra_{i} = ra_{i - 1} + [{i}]" for i in range(1, CELLS)]
    return [f"_runs[{i}] = _runs.get({i}, 0) + 1\n_time.sleep({seconds})\n{code}" for i, code in enumerate(codes)]


@pytest.mark.parametrize("seconds", [0.0, 0.01])
@pytest.mark.parametrize("spacing", [0.0, 0.02, 0.06, 0.15])
def test_run_all_runs_each_cell_once_whatever_the_spacing(fresh_kernel, cpu_burners, spacing, seconds):
    k = fresh_kernel
    k.execute("_runs = {}\nimport time as _time")
    first = [k.execute_msg(code, f"rt-{i}", deleted=[]) for i, code in enumerate(notebook(0, seconds))]
    assert all(k.wait(m, timeout=120).content["status"] == "ok" for m in first)
    k.execute("_runs.clear()")
    codes = notebook(100, seconds)
    msgs = []
    for i, code in enumerate(codes):
        msgs.append(k.execute_msg(code, f"rt-{i}", deleted=[]))
        time.sleep(spacing)
    results = [k.wait(m, timeout=120) for m in msgs]
    assert all(r.content["status"] == "ok" for r in results)
    runs = k.value("sum(_runs.values())")
    replayed = sum(bool(r.reactive.get("replayed")) for r in results)
    print(
        f"spacing {spacing * 1000:.0f} ms, cells of {seconds * 1000:.0f} ms: {runs} runs of {CELLS} cells, "
        f"{replayed} shown by replay"
    )
    assert k.value(f"sorted(_runs.items()) == [(i, 1) for i in range({CELLS})]") == "True", k.value("_runs")
    assert k.value(f"ra_{CELLS - 1} == [100, *range(1, {CELLS})]") == "True"
    # every request's execution count is its own, in order, as JupyterLab shows In[n]
    counts = [r.content["execution_count"] for r in results]
    assert counts == sorted(counts) and len(set(counts)) == CELLS
