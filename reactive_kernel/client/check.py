"""``reactive-kernel check``: find cycles, multiple definitions and syntax errors in notebooks, without a kernel.

Cells are analysed as the kernel analyses them (IPython's input
transformations, then the same magic analyzers, SQL included) and added to a
DependencyGraph in notebook order, so a problem is reported on the later of
the cells involved, as the kernel would refuse it.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

from ..core.analysis import CellAnalyzer
from ..core.graph import CycleError, DependencyGraph, MultipleDefinitionError

__all__ = ["Problem", "check_notebook", "main", "make_analyzer"]


@dataclass(frozen=True)
class Problem:
    """One finding: where (path, cell index and id, line) and what (kind and message).

    ``kind`` is ``CycleError``, ``MultipleDefinitionError``, ``SyntaxError`` or
    ``InvalidNotebook`` (the file could not be read; ``index`` is None).
    """

    path: str
    index: int | None
    cell_id: str | None
    kind: str
    message: str
    lineno: int | None = None

    def __str__(self) -> str:
        where = self.path
        if self.index is not None:
            where += f": cell {self.index}"
            if self.cell_id:
                where += f" (id {self.cell_id})"
        if self.lineno is not None:
            where += f", line {self.lineno}"
        return f"{where}: {self.kind}: {self.message}"


def make_analyzer() -> CellAnalyzer:
    """A CellAnalyzer with IPython's transformations and the SQL magic analyzer."""
    from IPython.core.inputtransformer2 import TransformerManager

    from ..core.sql_analysis import analyze_magic

    analyzer = CellAnalyzer(TransformerManager().transform_cell)
    analyzer.cell_magics["sql"] = analyze_magic
    analyzer.line_magics["sql"] = analyze_magic
    return analyzer


def check_notebook(path: str | os.PathLike, analyzer: CellAnalyzer | None = None) -> list[Problem]:
    """Every problem in one notebook, in cell order (empty when it is clean)."""
    import nbformat

    path = os.fspath(path)
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as err:  # nbformat raises several unrelated types for bad files
        return [Problem(path, None, None, "InvalidNotebook", f"{type(err).__name__}: {err}")]
    analyzer = analyzer or make_analyzer()
    graph = DependencyGraph()
    ids: dict[str, str | None] = {}
    problems: list[Problem] = []

    def label(key: str) -> str:
        cell_id = ids[key]
        return f"cell {key} (id {cell_id})" if cell_id else f"cell {key}"

    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        key = str(index)
        cell_id = cell.get("id")
        ids[key] = cell_id
        try:
            analysis = analyzer.analyze(cell.source)
        except SyntaxError as err:
            problems.append(Problem(path, index, cell_id, "SyntaxError", err.msg or str(err), err.lineno))
            continue
        try:
            graph.register(key, analysis.reads, analysis.writes)
        except MultipleDefinitionError as err:
            problems.append(Problem(
                path, index, cell_id, "MultipleDefinitionError",
                f"{err.name!r} is already defined by {label(err.owner)}",
            ))
        except CycleError as err:
            steps = " ".join(f"{label(cell)} -{name}->" for cell, name in err.cycle)
            problems.append(Problem(
                path, index, cell_id, "CycleError", f"closes a cycle: {steps} {label(err.cycle[0][0])}",
            ))
    return problems


def main(argv: list[str] | None = None) -> int:
    """``reactive-kernel check NOTEBOOK...``: 0 when every notebook is clean, 1 otherwise."""
    parser = argparse.ArgumentParser(
        prog="reactive-kernel check",
        description="Check notebooks for dependency cycles, names defined in more than one cell, "
        "and syntax errors, without running them.",
    )
    parser.add_argument("notebooks", nargs="+", metavar="NOTEBOOK", help=".ipynb files to check")
    parser.add_argument("-q", "--quiet", action="store_true", help="print problems only")
    args = parser.parse_args(argv)
    analyzer = make_analyzer()
    found = 0
    for path in args.notebooks:
        problems = check_notebook(path, analyzer)
        for problem in problems:
            print(problem)
        found += len(problems)
    if not args.quiet:
        count = len(args.notebooks)
        summary = f"{found} problem(s) in {count} notebook(s)" if found else f"{count} notebook(s) OK"
        print(summary, file=sys.stderr)
    return 1 if found else 0
