"""``reactive-kernel check``: find cycles and syntax errors in notebooks, and where names are defined again, without a kernel.

Cells go through the kernel's own notebook model (``reactive_kernel.core``):
analysed as the kernel analyses them (IPython's input transformations, the
same magic analyzers, SQL included) and registered in notebook order, so a
problem is reported on the cell the kernel would refuse.  A name defined in
more than one cell is information (each cell reads the definition above it);
with ``strict`` (marimo's rule) it is an error.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

from ..core.analysis import CellAnalyzer
from ..core.graph import CycleError, MultipleDefinitionError
from ..core.notebook import Notebook
from ..core.standard_analyzer import standard_analyzer
from .notebooks import CodeCell, code_cells, read_notebook

__all__ = ["Problem", "check_notebook", "find_problems", "main", "make_analyzer"]


@dataclass(frozen=True)
class Problem:
    """One finding: where (path, cell number and id, line) and what (kind and message).

    ``number`` counts code cells from 1, top to bottom.  ``kind`` is
    ``CycleError``, ``MultipleDefinitionError`` (strict mode), ``SyntaxError``,
    ``InvalidNotebook`` (the file could not be read; ``number`` is None) or
    ``Redefinition`` (information, not an error: ``error`` is False).
    """

    path: str
    number: int | None
    cell_id: str | None
    kind: str
    message: str
    lineno: int | None = None
    error: bool = True

    def __str__(self) -> str:
        where = self.path
        if self.number is not None:
            where += f": cell {self.number}" + (f" (id {self.cell_id})" if self.cell_id else "")
        if self.lineno is not None:
            where += f", line {self.lineno}"
        return f"{where}: {self.kind}: {self.message}"


def make_analyzer() -> CellAnalyzer:
    """The kernel's analyzer, with IPython's input transformations."""
    from IPython.core.inputtransformer2 import TransformerManager

    return standard_analyzer(TransformerManager().transform_cell)


def check_notebook(
    path: str | os.PathLike,
    analyzer: CellAnalyzer | None = None,
    strict: bool = False,
) -> list[Problem]:
    """Every finding in one notebook, in cell order (empty when there is nothing to say)."""
    path = os.fspath(path)
    try:
        cells = code_cells(read_notebook(path, add_ids=False))
    except Exception as err:  # nbformat raises several unrelated types for bad files
        return [Problem(path, None, None, "InvalidNotebook", f"{type(err).__name__}: {err}")]
    return find_problems(path, cells, analyzer or make_analyzer(), strict)


def _no_values(name: str) -> object:
    raise KeyError(name)


def find_problems(path: str, cells: list[CodeCell], analyzer: CellAnalyzer, strict: bool = False) -> list[Problem]:
    """The check itself: ``cells`` analysed and registered top to bottom, as the kernel would."""
    notebook = Notebook(strict)
    by_key = {str(cell.number): cell for cell in cells}
    folder = os.path.dirname(os.path.abspath(path))
    problems: list[Problem] = []
    previous: str | None = None
    for cell in cells:
        key = str(cell.number)
        try:
            analysis = analyzer.analyze(cell.source)
            registration = notebook.prepare(key, cell.source, analysis, _no_values, folder, previous)
        except SyntaxError as err:
            problems.append(Problem(path, cell.number, cell.id, "SyntaxError", err.msg or str(err), err.lineno))
            continue
        except MultipleDefinitionError as err:
            problems.append(
                Problem(
                    path,
                    cell.number,
                    cell.id,
                    "MultipleDefinitionError",
                    f"{err.name!r} is already defined by {by_key[err.owner].label} (strict mode)",
                )
            )
            continue
        except CycleError as err:
            steps = " ".join(f"{by_key[step].label} -{name}->" for step, name in err.cycle)
            problems.append(
                Problem(
                    path,
                    cell.number,
                    cell.id,
                    "CycleError",
                    f"closes a cycle: {steps} {by_key[err.cycle[0][0]].label}",
                )
            )
            continue
        notebook.commit(registration)
        previous = key
    for name, binders in sorted(notebook.graph.redefinitions().items()):
        first, *later = (by_key[b] for b in binders)
        for cell in later:
            problems.append(
                Problem(
                    path,
                    cell.number,
                    cell.id,
                    "Redefinition",
                    f"{name!r} is defined again (first by {first.label}); the cells below it read this one",
                    error=False,
                )
            )
    return sorted(problems, key=lambda p: (p.number or 0, not p.error))


def main(argv: list[str] | None = None) -> int:
    """``reactive-kernel check NOTEBOOK...``: 0 when no notebook has an error, 1 otherwise."""
    parser = argparse.ArgumentParser(
        prog="reactive-kernel check",
        description="Check notebooks for dependency cycles and syntax errors, and list names defined "
        "in more than one cell, without running them.",
    )
    parser.add_argument("notebooks", nargs="+", metavar="NOTEBOOK", help=".ipynb files to check")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument(
        "--strict", action="store_true", help="a name defined in more than one cell is an error (marimo's rule)"
    )
    args = parser.parse_args(argv)
    analyzer = make_analyzer()
    found = 0
    for path in args.notebooks:
        for problem in check_notebook(path, analyzer, args.strict):
            if problem.error or not args.quiet:
                print(problem)
            found += problem.error
    if not args.quiet:
        count = len(args.notebooks)
        summary = f"{found} problem(s) in {count} notebook(s)" if found else f"{count} notebook(s) OK"
        print(summary, file=sys.stderr)
    return 1 if found else 0
