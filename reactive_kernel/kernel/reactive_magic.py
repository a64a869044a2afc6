"""The ``%reactive`` line magic: the graph's status, a picture of it, the kernel's counts, the mode, running stale cells.

``reactive_kernel.kernel.magics`` registers the magic and builds ``ReactiveMagic``
on first use.  The magic reads ``kernel.notebook`` and ``kernel.records`` and
changes only ``kernel.mode``, ``kernel.redefinitions`` and, through
``kernel.schedule_run``, what runs after the current cell.
"""

from __future__ import annotations

import builtins
import html
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from IPython.core.error import UsageError

from ..core.notebook import Notebook
from ..core.protocol import STATUS_MIME, cell_link
from .graph_picture import GraphPicture
from .records import CellRecord
from .stats import KernelStats


class MagicKernel(Protocol):
    """What ``%reactive`` uses of the kernel (``ReactiveKernel`` provides it)."""

    mode: str
    redefinitions: str
    notebook: Notebook
    records: dict[str, CellRecord]
    stats: KernelStats
    log: Any

    def label(self, cell_id: str) -> str: ...
    def schedule_run(self, cell_ids: Iterable[str]) -> None: ...
    def get_parent(self, channel: str = ...) -> dict[str, Any]: ...


__all__ = ["MagicKernel", "ReactiveMagic", "Row", "Status"]

USAGE = """\
%reactive [status]   every cell, and which are blocked or stale and why
%reactive graph      a picture of the dependency graph (SVG and Mermaid, with a text fallback)
%reactive stats      what the kernel did since it started: executes, cascades and their cost, refusals
%reactive lazy       running a cell marks its dependents stale instead of running them
%reactive eager      running a cell re-runs its dependents (the default)
%reactive strict     refuse a second definition of a name (marimo's rule)
%reactive allow      let several cells define a name, each reading the nearest one above (the default)
%reactive run-stale  run the stale cells (and, in eager mode, their dependents) after this cell"""

#: What a user can do about a cell in each status other than ok.
ADVICE = {
    "registered": "registered but never run; run it to compute its names",
    "error": "fix the error and run the cell again",
    "blocked": "change the cell as the reason says and run it again",
    "skipped": "fix the failing ancestor and run it; this cell re-runs with it",
    "interrupted": "run the cell again",
    "stale": "run the cell, or %reactive run-stale",
}


@dataclass(frozen=True)
class Row:
    """One cell as the status and the picture show it."""

    cell_id: str
    label: str
    status: str
    reason: str | None
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    in_graph: bool

    @property
    def why(self) -> str:
        """Reason and advice for a cell that is not ``ok``; empty otherwise."""
        if self.status in ("ok", "running"):
            return ""
        advice = ADVICE.get(self.status, "")
        if self.reason:
            return f"{self.reason} — {advice}" if advice else self.reason
        return advice


class ReactiveMagic:
    """The state behind ``%reactive``: the kernel it reports on."""

    def __init__(self, kernel: MagicKernel) -> None:
        self.kernel = kernel
        self._commands = {
            "status": self.status,
            "graph": self.graph,
            "stats": self.stats,
            "lazy": lambda: self.set_mode("lazy"),
            "eager": lambda: self.set_mode("eager"),
            "strict": lambda: self.set_redefinitions("refuse"),
            "allow": lambda: self.set_redefinitions("allow"),
            "run-stale": self.run_stale,
        }

    def reactive(self, line: str) -> Any:
        words = line.split()
        command = words[0] if words else "status"
        handler = self._commands.get(command)
        if handler is None or len(words) > 1:
            raise UsageError(f"%reactive: unknown arguments {line.strip()!r}\n{USAGE}")
        return handler()

    reactive.__doc__ = f"Inspect and steer the reactive kernel.\n\n{USAGE}\n\nRaises UsageError for anything else."

    # -- commands ----------------------------------------------------------
    def status(self) -> Status:
        """Every cell with its status, and why the blocked, stale or failed ones are so."""
        return Status(self.kernel.mode, self.rows())

    def graph(self) -> GraphPicture:
        """A picture of the graph (SVG, Mermaid) with a text rendering of the same edges."""
        rows = self.rows()
        graph = self.kernel.notebook.graph
        edges = []
        for row in rows:
            if row.in_graph:
                for child in graph.children(row.cell_id):
                    names = sorted(n for n in row.writes if graph.source(child, n) == row.cell_id)
                    edges.append((row.cell_id, child, names))
        return GraphPicture(self.kernel.mode, rows, edges, self.kernel.log)

    def stats(self) -> Any:
        """The kernel's counts since it started."""
        return self.kernel.stats.view()

    def set_mode(self, mode: str) -> None:
        """Switch between eager and lazy re-running."""
        self.kernel.mode = mode
        if mode == "lazy":
            print("reactive mode: lazy. Running a cell marks its dependents stale; %reactive run-stale runs them.")
        else:
            print("reactive mode: eager. Running a cell re-runs its dependents.")

    def set_redefinitions(self, rule: str) -> None:
        """Refuse or allow a second definition of a name."""
        self.kernel.redefinitions = rule
        if rule == "refuse":
            print("redefinitions: refused. A name may be defined by one cell only (strict mode).")
        else:
            print("redefinitions: allowed. A cell reads the nearest definition above it.")

    def run_stale(self) -> None:
        """Ask the kernel to run every stale cell right after the current one."""
        records = self.kernel.records
        graph = self.kernel.notebook.graph
        stale = [cid for cid in graph.order(list(graph)) if records.get(cid) is not None and _left_behind(records[cid])]
        if not stale:
            print("no stale cells")
            return
        self.kernel.schedule_run(stale)
        noun = "cell" if len(stale) == 1 else "cells"
        print(f"running {len(stale)} stale {noun} after this one: {', '.join(map(self.kernel.label, stale))}")

    # -- data --------------------------------------------------------------
    def rows(self) -> list[Row]:
        """Cells in the graph in topological order, then cells outside it (refused ones)."""
        records = self.kernel.records
        graph = self.kernel.notebook.graph
        running = self._running_cell()
        order = graph.order(list(graph))
        order += [cid for cid in records if cid not in graph]
        rows = []
        for cid in order:
            record = records.get(cid)
            if record is not None and _is_control(record.code):
                continue
            in_graph = cid in graph
            node = graph.cell(cid) if in_graph else None
            status = "running" if cid == running else str(record.status) if record else "registered"
            rows.append(
                Row(
                    cid,
                    self.kernel.label(cid),
                    status,
                    record.reason if record else None,
                    tuple(sorted(n for n in node.inputs if _shown_read(graph, n))) if node else (),
                    tuple(sorted(node.writes)) if node else (),
                    in_graph,
                )
            )
        return rows

    def _running_cell(self) -> str | None:
        parent = self.kernel.get_parent("shell") or {}
        cell_id = (parent.get("metadata") or {}).get("cellId")
        return cell_id if isinstance(cell_id, str) else None


def _left_behind(record) -> bool:
    """Stale, or not run because an interrupt stopped a cascade (not: skipped after an error)."""
    return record.status in ("stale", "interrupted") or (
        record.status == "skipped" and (record.reason or "").startswith("interrupted")
    )


def _shown_read(graph, name: str) -> bool:
    """Whether a read is worth showing: builtins only when a cell redefines them."""
    return not hasattr(builtins, name) or bool(graph.writers(name))


def _is_control(code: str) -> bool:
    """Whether a cell holds only ``%reactive`` lines: it steers the kernel and computes nothing."""
    lines = [ln.strip() for ln in code.splitlines() if ln.strip()]
    return bool(lines) and all(ln == "%reactive" or ln.startswith("%reactive ") for ln in lines)


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(names)


class Status:
    """What ``%reactive`` shows: the mode and a table of cells."""

    def __init__(self, mode: str, rows: list[Row]) -> None:
        self.mode = mode
        self.rows = rows

    def summary(self) -> str:
        """One line: the mode and how many cells are in each status."""
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.status] = counts.get(row.status, 0) + 1
        parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        noun = "cell" if len(self.rows) == 1 else "cells"
        return f"reactive mode: {self.mode}; {len(self.rows)} {noun}" + (f" ({parts})" if parts else "")

    def attention(self) -> list[Row]:
        """Cells that are not ``ok`` (or the one running)."""
        return [row for row in self.rows if row.why]

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(self.as_text())

    def as_text(self) -> str:
        """A plain-text table followed by the cells that need attention."""
        header = ("cell", "status", "reads", "writes")
        table = [header] + [(r.label, r.status, _names(r.reads), _names(r.writes)) for r in self.rows]
        widths = [max(len(line[i]) for line in table) for i in range(len(header) - 1)]
        lines = [self.summary()]
        if self.rows:
            lines.append("")
            for line in table:
                cols = [col.ljust(width) for col, width in zip(line, widths)]
                lines.append("  ".join(cols + [line[-1]]).rstrip())
        attention = self.attention()
        if attention:
            lines.append("")
            lines.extend(f"{row.status} {row.label}: {row.why}" for row in attention)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        out = [f"<p><b>{esc(self.summary())}</b></p>"]
        if self.rows:
            left = ' style="text-align:left"'
            out.append("<table><thead><tr>")
            out.extend(f"<th{left}>{col}</th>" for col in ("cell", "status", "reads", "writes"))
            out.append("</tr></thead><tbody>")
            for r in self.rows:
                cols = (
                    f"<code>{cell_link(r.cell_id, r.label)}</code>",
                    esc(r.status),
                    esc(_names(r.reads)),
                    esc(_names(r.writes)),
                )
                out.append("<tr>" + "".join(f"<td{left}>{col}</td>" for col in cols) + "</tr>")
            out.append("</tbody></table>")
        attention = self.attention()
        if attention:
            out.append("<ul>")
            out.extend(
                f"<li><b>{esc(r.status)}</b> <code>{cell_link(r.cell_id, r.label)}</code>: {esc(r.why)}</li>"
                for r in attention
            )
            out.append("</ul>")
        return "".join(out)

    def as_data(self) -> dict[str, Any]:
        """The status for programs: each cell by id, with its label, status, reason, reads and writes."""
        return {
            "mode": self.mode,
            "cells": [
                {
                    "cell_id": r.cell_id,
                    "label": r.label,
                    "status": r.status,
                    "reads": list(r.reads),
                    "writes": list(r.writes),
                    **({"reason": r.reason} if r.reason else {}),
                }
                for r in self.rows
            ],
        }

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        return {STATUS_MIME: self.as_data()}
