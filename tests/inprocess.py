"""The core without Jupyter: a notebook run in-process on a plain dict, and a fresh top-to-bottom run to compare with.

``InProcessNotebook`` drives ``reactive_kernel.core`` as the kernel does (analyse,
register, cascade) through a host that runs cells with ``exec`` and records each
cell's printed output.  It exists to test the core's rules quickly; the
kernel's own tests run real kernel processes.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import io
import os
from collections.abc import Sequence
from typing import Any

from reactive_kernel.core.analysis import CellAnalyzer, makes_edges
from reactive_kernel.core.cascade import Cascade, CellFacts, Outcome
from reactive_kernel.core.notebook import Notebook
from reactive_kernel.core.protocol import Status


def run_source(code: str, namespace: dict) -> tuple[str, str | None]:
    """Run a cell as IPython would (the last expression's repr printed); returns (output, error)."""
    out = io.StringIO()
    error = None
    try:
        tree = ast.parse(code)
        last = tree.body[-1] if tree.body else None
        with contextlib.redirect_stdout(out):
            if isinstance(last, ast.Expr):
                exec(compile(ast.Module(tree.body[:-1], []), "<cell>", "exec"), namespace)
                value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
                if value is not None:
                    print(repr(value))
            else:
                exec(compile(tree, "<cell>", "exec"), namespace)
    except Exception as err:
        error = f"{type(err).__name__}: {err}"
    return out.getvalue(), error


def reads_from_below(cells: Sequence[tuple[str, str]]) -> bool:
    """Whether a cell reads a name that no cell above it writes but a cell below it binds.

    There the kernel follows its one deliberate difference from a top-to-bottom
    run (docs/semantics.md, rule 3): the cell reads the definition below instead
    of failing with a NameError.  Differential tests leave such notebooks out.
    """
    analyzer = CellAnalyzer()
    found = []
    for _, code in cells:
        try:
            found.append(analyzer.analyze(code))
        except SyntaxError:
            found.append(None)
    for index, analysis in enumerate(found):
        if analysis is None:
            continue
        above = set().union(*(a.writes for a in found[:index] if a is not None))
        below = set().union(*(a.binds for a in found[index + 1 :] if a is not None))
        if (analysis.reads - analysis.changes - above) & below:
            return True
    return False


def raises_before_rebinding(cells: Sequence[tuple[str, str]]) -> bool:
    """Whether, run top to bottom, a cell raises and so may leave unbound a name a cell above defines.

    The kernel then has the name unbound (or at the earlier definition's value,
    when it kept it) where a top-to-bottom run still has the earlier definition
    (docs/semantics.md, rule 7).  Differential tests leave such notebooks out.
    """
    results, _ = fresh_run(cells)
    analyzer = CellAnalyzer()
    above: set[str] = set()
    for cell_id, code in cells:
        try:
            analysis = analyzer.analyze(code)
        except SyntaxError:
            continue
        if results[cell_id][1] is not None and (analysis.binds - analysis.inputs) & above:
            return True
        above |= analysis.writes
    return False


def fresh_run(
    cells: Sequence[tuple[str, str]], cwd: str | None = None
) -> tuple[dict[str, tuple[str, str | None]], dict]:
    """Run cells top to bottom in a new namespace: ({cell_id: (output, error)}, namespace)."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    results = {}
    with _cwd(cwd):
        for cell_id, code in cells:
            results[cell_id] = run_source(code, namespace)
    return results, namespace


@contextlib.contextmanager
def _cwd(path: str | None):
    if path is None:
        yield
        return
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


class _Host:
    execution_count = None

    def __init__(self, notebook: InProcessNotebook) -> None:
        self.owner = notebook
        self.namespace = notebook.namespace

    def facts(self, cell_id: str) -> CellFacts:
        return self.owner.model.facts(cell_id)

    def is_queued(self, cell_id: str) -> bool:
        return cell_id in self.owner.queued

    async def run(self, cell_id: str, requested: bool) -> Outcome:
        code = self.owner.model.cells[cell_id].code
        if cell_id == self.owner.interrupt_at:
            self.owner.runs.append(cell_id)
            return Outcome(Status.INTERRUPTED, cell_id, "KeyboardInterrupt")
        output, error = run_source(code, self.namespace)
        self.owner.outputs[cell_id] = (output, error)
        self.owner.runs.append(cell_id)
        status = Status.OK if error is None else Status.ERROR
        return Outcome(status, cell_id, error.split(":")[0] if error else None)

    def notice(self, cell_id: str, status: Status, text: str) -> str:
        self.owner.notices[cell_id] = status
        self.owner.notice_texts[cell_id] = text
        return cell_id

    def unbind(self, names: Sequence[str]) -> None:
        for name in names:
            self.namespace.pop(name, None)

    def label(self, cell_id: str) -> str:
        return cell_id

    def progress(self, done: int, total: int, cell_id: str) -> None:
        return None

    async def pause(self) -> None:
        return None


class InProcessNotebook:
    """A reactive notebook on the core, in this process."""

    def __init__(self, strict: bool = False, cwd: str | None = None) -> None:
        self.model = Notebook(strict)
        self.analyzer = CellAnalyzer()
        self.namespace: dict[str, Any] = {"__name__": "__main__"}
        self.outputs: dict[str, tuple[str, str | None]] = {}
        self.notices: dict[str, Status] = {}
        self.runs: list[str] = []
        self.queued: set[str] = set()
        self.interrupt_at: str | None = None
        self.last: Cascade | None = None
        self.cwd = cwd or os.getcwd()
        self._last: str | None = None
        self._anonymous = 0

    def execute(self, cell_id: str | None, code: str, **options: Any) -> list[str]:
        """Register and run a cell and its cascade (``options`` as ``Cascade`` takes them); returns the cells run."""
        self.runs = []
        self.notices = {}
        self.notice_texts = {}
        anonymous = cell_id is None
        if anonymous:
            self._anonymous += 1
            cell_id = f"anon-{self._anonymous}"
        analysis = self.analyzer.analyze(code)
        registration = self.model.prepare(
            cell_id,
            code,
            analysis,
            self.namespace.__getitem__,
            self.cwd,
            self._last,
            anonymous,
        )
        self.model.commit(registration)
        self._last = cell_id
        with _cwd(self.cwd):
            cascade = self.model.cascade(_Host(self), cell_id, **options)
            asyncio.run(cascade.run())
        self.last = cascade
        if anonymous and not self.model.graph.cell(cell_id).writes:
            self.model.delete(cell_id)
        return list(self.runs)

    def delete(self, cell_id: str) -> list[str]:
        """Delete a cell as JupyterLab's deletedCells does, then run what that leaves out of date."""
        self.runs = []
        self.model.delete(cell_id)
        with _cwd(self.cwd):
            cascade = self.model.cascade(_Host(self), None)
            asyncio.run(cascade.run())
        self.last = cascade
        return list(self.runs)

    def run_all(self, cells: Sequence[tuple[str, str]]) -> None:
        """Execute every cell once, top to bottom."""
        for cell_id, code in cells:
            self.execute(cell_id, code)

    def values(self) -> dict[str, str]:
        """repr of every user name."""
        return {
            k: repr(v)
            for k, v in self.namespace.items()
            if makes_edges(k) and not k.startswith("__") and not callable(v) and type(v).__name__ != "module"
        }
