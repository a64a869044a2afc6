"""``reactive-kernel run``: run a notebook on a reactive kernel, every cell once, in dependency order.

Every code cell is registered first, so a cycle or a conflicting definition
anywhere is reported before anything runs.  The order comes from the kernel's
registration replies (each names the cell's parents and children).  A cell
executed while its dependents are registered would re-run them, so the cells
with parents are unregistered (dependents first, so nothing cascades) and
executed one by one in order, each registering itself again: every cell runs
exactly once.  With ``--cell`` only that cell runs, with its cascade.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import os
import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

from .. import KERNEL_NAME
from .coordinator import Coordinator
from .errors import CoordinatorError
from .failures import NotebookRefused
from .notebooks import CodeCell, code_cells, read_notebook
from .records import CellEvent, CellRun, Registration

__all__ = ["NotebookRun", "ProgressPrinter", "dependency_order", "main", "run_notebook", "write_outputs"]


def dependency_order(cell_ids: list[str], registrations: list[Registration]) -> list[str]:
    """``cell_ids`` in an order where every parent comes before its children.

    Edges are those the registration replies report; ties keep notebook order.
    Raises ValueError if the edges form a cycle.
    """
    position = {cell_id: i for i, cell_id in enumerate(cell_ids)}
    children: dict[str, set[str]] = {cell_id: set() for cell_id in cell_ids}
    for reg in registrations:
        for parent in reg.parents:
            if parent in position:
                children[parent].add(reg.cell_id)
        for child in reg.children:
            if child in position:
                children[reg.cell_id].add(child)
    indegree = {cell_id: 0 for cell_id in cell_ids}
    for kids in children.values():
        for child in kids:
            indegree[child] += 1
    ready = [(position[c], c) for c, d in indegree.items() if d == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, cell_id = heapq.heappop(ready)
        order.append(cell_id)
        for child in children[cell_id]:
            indegree[child] -= 1
            if indegree[child] == 0:
                heapq.heappush(ready, (position[child], child))
    if len(order) != len(cell_ids):
        raise ValueError("the registered cells form a cycle")
    return order


def _parents(registrations: list[Registration]) -> dict[str, set[str]]:
    parents: dict[str, set[str]] = {reg.cell_id: set(reg.parents) for reg in registrations}
    for reg in registrations:
        for child in reg.children:
            parents.setdefault(child, set()).add(reg.cell_id)
    return parents


@dataclass
class NotebookRun:
    """The outcome of a run: a record per cell that ran (or was skipped), by id, in run order."""

    runs: dict[str, CellRun] = field(default_factory=dict)
    kernel_died: bool = False

    @property
    def failed(self) -> list[CellRun]:
        """Records whose status is not ok."""
        return [run for run in self.runs.values() if run.status != "ok"]


class ProgressPrinter:
    """Prints ``[k/n] cell i (id X) ... status`` lines to a stream as cells start and end."""

    def __init__(self, cells: dict[str, CodeCell], total: int, stream: TextIO) -> None:
        self.cells = cells
        self.total = total
        self.stream = stream
        self.count = 0
        self.started: dict[str, float] = {}
        self.errors: dict[str, str] = {}

    def _name(self, cell_id: str) -> str:
        cell = self.cells.get(cell_id)
        return cell.label if cell is not None else f"cell ? (id {cell_id})"

    def begin(self, cell_id: str) -> None:
        self.count += 1
        self.started[cell_id] = time.perf_counter()
        self.stream.write(f"[{self.count}/{self.total}] {self._name(cell_id)} ... ")
        self.stream.flush()

    def end(self, cell_id: str, status: str, detail: str | None = None) -> None:
        began = self.started.pop(cell_id, None)
        if began is None:
            self.count += 1
            self.stream.write(f"[{self.count}/{self.total}] {self._name(cell_id)} ... ")
        took = f" ({time.perf_counter() - began:.2f} s)" if began is not None else ""
        self.stream.write(f"{status}{took}{': ' + detail if detail else ''}\n")
        self.stream.flush()

    def on_event(self, event: CellEvent) -> None:
        """Coordinator callback: a line per cell as its status changes."""
        if event.cell_id is None:
            return
        if event.kind == "cell_error":
            self.errors[event.cell_id] = f"{event.data['ename']}: {event.data['evalue']}"
        if event.kind != "cell_status":
            return
        status = event.data["status"]
        if status == "running":
            if event.cell_id not in self.started:
                self.begin(event.cell_id)
        else:
            self.end(event.cell_id, status, self.errors.pop(event.cell_id, None) if status == "error" else None)


async def run_notebook(
    nb,
    *,
    kernel_name: str = KERNEL_NAME,
    cwd: str | os.PathLike | None = None,
    cell: str | None = None,
    progress: TextIO | None = None,
) -> NotebookRun:
    """Run a notebook (a NotebookNode) on a new kernel and put the outputs into it.

    Runs every non-empty code cell once in dependency order, or only ``cell``
    and its cascade.  A cell whose parent did not end ok is skipped.  Every
    request carries the notebook's order (``cellOrder``).  With ``progress``,
    a line per cell goes to that stream as it runs.  Raises NotebookRefused
    (nothing ran, nothing written) when a cell is refused, KeyError when
    ``cell`` is not a code cell of the notebook, and KernelStartError.
    """
    nb = read_notebook(nb)
    cells = {c.id: c for c in code_cells(nb) if c.id is not None}
    if cell is not None and cell not in cells:
        raise KeyError(cell)
    result = NotebookRun()
    printer: ProgressPrinter | None = None
    async with Coordinator(kernel_name, cwd=cwd) as co:
        registrations = await co.load_notebook(nb)
        order = dependency_order(list(cells), registrations)
        source = {cell_id: c.source for cell_id, c in cells.items()}
        if progress is not None:
            if cell is not None:
                total = len(_with_descendants(cell, registrations))
            else:
                total = sum(1 for c in order if source[c].strip())
            printer = ProgressPrinter(cells, total, progress)
            co.on_event = printer.on_event
        if cell is not None:
            cascade = await co.execute(cell)
            result.runs = {run.cell_id: run for run in cascade}
            result.kernel_died = cascade.restarted
        else:
            await _run_each_once(co, order, source, _parents(registrations), result, printer)
    write_outputs(nb, result.runs, full=cell is None)
    return result


def _with_descendants(cell_id: str, registrations: list[Registration]) -> set[str]:
    children: dict[str, set[str]] = {}
    for reg in registrations:
        children.setdefault(reg.cell_id, set()).update(reg.children)
        for parent in reg.parents:
            children.setdefault(parent, set()).add(reg.cell_id)
    seen, stack = {cell_id}, [cell_id]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


async def _run_each_once(
    co: Coordinator,
    order: list[str],
    source: dict[str, str],
    parents: dict[str, set[str]],
    result: NotebookRun,
    printer: ProgressPrinter | None,
) -> None:
    for cell_id in reversed(order):
        if parents.get(cell_id):
            await co.unregister(cell_id)
    for cell_id in order:
        code = source[cell_id]
        failed = next(
            (p for p in sorted(parents.get(cell_id, ())) if p not in result.runs or result.runs[p].status != "ok"), None
        )
        if result.kernel_died or failed is not None or not code.strip():
            if cell_id not in co.cells:
                await co.register(cell_id, code)
            if code.strip():
                reason = "the kernel died" if result.kernel_died else "an ancestor did not run"
                result.runs[cell_id] = CellRun(cell_id, status="skipped", blocked_by=failed, reason=reason)
                if printer is not None:
                    printer.end(cell_id, "skipped", f"{reason} ({failed})" if failed else reason)
            continue
        cascade = await co.execute(cell_id, code)
        for run in cascade:
            result.runs[run.cell_id] = run
        if cascade.restarted:
            result.kernel_died = True


def write_outputs(nb, runs: dict[str, CellRun], full: bool) -> None:
    """Put each run's outputs and execution count into its cell.

    With ``full``, code cells that did not run are cleared too.
    """
    import nbformat

    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        run = runs.get(cell.id)
        if run is None:
            if full:
                cell.outputs, cell.execution_count = [], None
            continue
        cell.outputs = [nbformat.from_dict(output) for output in run.outputs]
        cell.execution_count = run.execution_count


def main(argv: list[str] | None = None) -> int:
    """``reactive-kernel run NOTEBOOK [-o OUT] [--cell ID]``: 0 when every cell ran ok."""
    from .notebooks import write_notebook

    parser = argparse.ArgumentParser(
        prog="reactive-kernel run",
        description="Run a notebook on the reactive kernel: every cell once, in dependency order "
        "(or one cell and the cells that depend on it), and write the outputs into it.",
    )
    parser.add_argument("notebook", metavar="NOTEBOOK", help="the .ipynb to run")
    parser.add_argument("-o", "--output", metavar="OUT", help="write here instead of back into NOTEBOOK")
    parser.add_argument("--cell", metavar="ID", help="run only this cell (by id) and its dependents")
    parser.add_argument("--kernel", default=KERNEL_NAME, help=f"kernelspec to run (default {KERNEL_NAME})")
    parser.add_argument("--allow-errors", action="store_true", help="exit 0 even when cells raised")
    args = parser.parse_args(argv)

    try:
        nb = read_notebook(args.notebook)
    except Exception as err:  # nbformat raises several unrelated types for bad files
        print(f"{args.notebook}: cannot read the notebook: {err}", file=sys.stderr)
        return 2
    cwd = os.path.dirname(os.path.abspath(args.notebook))
    try:
        result = asyncio.run(
            run_notebook(
                nb,
                kernel_name=args.kernel,
                cwd=cwd,
                cell=args.cell,
                progress=sys.stderr,
            )
        )
    except NotebookRefused as err:
        for number, refusal in err.refusals:
            print(
                f"{args.notebook}: cell {number} (id {refusal.cell_id}): {refusal.ename}: {refusal.evalue}",
                file=sys.stderr,
            )
        print("nothing ran: fix the cells above first", file=sys.stderr)
        return 1
    except KeyError:
        print(f"{args.notebook}: no code cell with id {args.cell!r}", file=sys.stderr)
        return 2
    except CoordinatorError as err:
        print(f"reactive-kernel run: {err}", file=sys.stderr)
        return 2
    output = args.output or args.notebook
    write_notebook(nb, output)
    failed = result.failed
    ran = len(result.runs) - len(failed)
    print(f"{ran} cell(s) ok, {len(failed)} not ok; wrote {output}", file=sys.stderr)
    if result.kernel_died:
        print("the kernel died during the run", file=sys.stderr)
    return 1 if failed and not args.allow_errors else 0
