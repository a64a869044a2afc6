"""``reactive-kernel check``: find cycles, multiple definitions and syntax errors in notebooks, without a kernel.

Cells are analysed as the kernel analyses them (IPython's input
transformations, then the same magic analyzers, SQL included) and added to a
DependencyGraph in notebook order, so a problem is reported on the later of
the cells involved, as the kernel would refuse it.  Reading and numbering
(``check_notebook``) is separate from the graph check (``find_problems``).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

from ..core.analysis import CellAnalyzer
from ..core.graph import CycleError, DependencyGraph, MultipleDefinitionError
from .notebooks import CodeCell, code_cells, read_notebook

__all__ = ["Problem", "check_notebook", "find_problems", "main", "make_analyzer"]


@dataclass(frozen=True)
class Problem:
    """One finding: where (path, cell number and id, line) and what (kind and message).

    ``number`` counts code cells from 1, top to bottom.  ``kind`` is
    ``CycleError``, ``MultipleDefinitionError``, ``SyntaxError`` or
    ``InvalidNotebook`` (the file could not be read; ``number`` is None).
    """

    path: str
    number: int | None
    cell_id: str | None
    kind: str
    message: str
    lineno: int | None = None

    def __str__(self) -> str:
        where = self.path
        if self.number is not None:
            where += f": cell {self.number}" + (f" (id {self.cell_id})" if self.cell_id else "")
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
    path = os.fspath(path)
    try:
        cells = code_cells(read_notebook(path, add_ids=False))
    except Exception as err:  # nbformat raises several unrelated types for bad files
        return [Problem(path, None, None, "InvalidNotebook", f"{type(err).__name__}: {err}")]
    return find_problems(path, cells, analyzer or make_analyzer())


def find_problems(path: str, cells: list[CodeCell], analyzer: CellAnalyzer) -> list[Problem]:
    """The graph check itself: ``cells`` analysed and registered top to bottom, as the kernel would."""
    graph = DependencyGraph()
    by_key = {str(cell.number): cell for cell in cells}
    problems: list[Problem] = []
    for cell in cells:
        key = str(cell.number)
        try:
            analysis = analyzer.analyze(cell.source)
        except SyntaxError as err:
            problems.append(Problem(path, cell.number, cell.id, "SyntaxError", err.msg or str(err), err.lineno))
            continue
        try:
            graph.register(key, analysis.reads, analysis.writes)
        except MultipleDefinitionError as err:
            problems.append(Problem(
                path, cell.number, cell.id, "MultipleDefinitionError",
                f"{err.name!r} is already defined by {by_key[err.owner].label}",
            ))
        except CycleError as err:
            steps = " ".join(f"{by_key[step].label} -{name}->" for step, name in err.cycle)
            problems.append(Problem(
                path, cell.number, cell.id, "CycleError",
                f"closes a cycle: {steps} {by_key[err.cycle[0][0]].label}",
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
