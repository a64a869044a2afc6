"""In-process cost of registering cells: the analysis and the kernel's notebook model, no messaging.

Cells are analysed after IPython's input transformations and registered through
``Notebook.prepare``/``commit`` (resolution, positions, the cycle check), as the
kernel does.
"""

from __future__ import annotations

import gc
import time

from IPython.core.inputtransformer2 import TransformerManager

from reactive_kernel.core.analysis import CellAnalyzer
from reactive_kernel.core.notebook import Notebook

from .stats import summary

__all__ = ["chain_code", "registration_cost"]


def chain_code(prefix: str, i: int) -> str:
    """Code of cell ``i`` of a chain: ``{prefix}0 = 0``, ``{prefix}i = {prefix}(i-1) + 1``."""
    return f"{prefix}0 = 0" if i == 0 else f"{prefix}{i} = {prefix}{i - 1} + 1"


def _no_values(name: str) -> object:
    raise KeyError(name)


def _register(analyzer: CellAnalyzer, notebook: Notebook, cell_id: str, code: str) -> tuple[float, float, float]:
    """Analyse and register one cell; returns seconds of (IPython transform, name analysis, graph)."""
    t0 = time.perf_counter()
    source = analyzer.transform(code)
    t1 = time.perf_counter()
    found = analyzer.analyze_python(source)
    t2 = time.perf_counter()
    notebook.commit(notebook.prepare(cell_id, code, found, _no_values, "/", None))
    return t1 - t0, t2 - t1, time.perf_counter() - t2


def _case(analyzer, graph, samples: int, make) -> dict:
    """Time ``samples`` registrations; ``make(k)`` gives (cell_id, code, undo)."""
    parts: list[tuple[float, float, float]] = []
    for k in range(samples):
        cell_id, code, undo = make(k)
        parts.append(_register(analyzer, graph, cell_id, code))
        undo()
    return {
        "transform_us": summary([p[0] for p in parts], 1e6),
        "analysis_us": summary([p[1] for p in parts], 1e6),
        "graph_us": summary([p[2] for p in parts], 1e6),
        "analysis_graph_us": summary([p[1] + p[2] for p in parts], 1e6),
        "total_us": summary([sum(p) for p in parts], 1e6),
    }


def registration_cost(size: int, samples: int) -> dict:
    """Build a chain of ``size`` cells, then time registering one more cell.

    Cases: a new leaf reading the chain's tail, a new cell reading the root
    (fan-out), and re-registering (editing) the middle cell unchanged, which
    makes the cycle check walk the downstream half of the chain.
    """
    analyzer = CellAnalyzer(TransformerManager().transform_cell)
    graph = Notebook()
    gc.collect()
    build_start = time.perf_counter()
    for i in range(size):
        _register(analyzer, graph, f"g{i}", chain_code("g", i))
    build_s = time.perf_counter() - build_start

    def leaf(k: int):
        cid = f"leaf{k}"
        return cid, f"leaf_{k} = g{size - 1} + 1", lambda: graph.delete(cid)

    def fan_out(k: int):
        cid = f"fan{k}"
        return cid, f"fan_{k} = g0 * 2", lambda: graph.delete(cid)

    middle = size // 2

    def edit_middle(k: int):
        return f"g{middle}", chain_code("g", middle), lambda: None

    result = {
        "size": size,
        "samples": samples,
        "build_s": build_s,
        "build_us_per_cell": build_s / size * 1e6,
        "new_leaf": _case(analyzer, graph, samples, leaf),
        "new_fan_out": _case(analyzer, graph, samples, fan_out),
        "edit_middle": _case(analyzer, graph, max(1, samples // 10), edit_middle),
    }
    graph.graph.verify()
    return result
