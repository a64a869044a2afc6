"""What ``%reactive graph`` shows: an SVG drawn by Graphviz, the Mermaid source, text, and the graph as data.

Each front end picks what it renders: JupyterLab and Notebook 7 the SVG
(JupyterLab draws the Mermaid source when there is no SVG), consoles the
text.  The SVG is laid out by Graphviz's ``dot``, run as a program when it
is installed; without it the bundle has the other three.  Cells are named as
people see them (``cell [5] df = df.dropna()``); their ids are in the data.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Sequence
from typing import Any, Protocol

from ..core.protocol import GRAPH_MIME

__all__ = ["MAX_PICTURE_CELLS", "GraphPicture", "draw_svg"]

#: Above this many cells the picture is left out: Mermaid would refuse, and a drawing would be unreadable.
MAX_PICTURE_CELLS = 200
#: How long ``dot`` may take before the picture is given up.
DOT_TIMEOUT = 20.0

#: Characters that may appear as-is in a Mermaid label; others become entity codes.
_MERMAID_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.,:=+-*/")

#: Fill, outline and dash of a cell in each status (others are drawn plain).
_STYLES = {
    "stale": ("#fff3cd", "#b58900", False),
    "error": ("#f8d7da", "#c0392b", False),
    "skipped": ("#f8d7da", "#c0392b", True),
    "interrupted": ("#f8d7da", "#c0392b", True),
    "blocked": ("#eeeeee", "#888888", True),
    "registered": ("#eeeeee", "#888888", False),
}


class Row(Protocol):
    """A cell as the picture needs it."""

    @property
    def cell_id(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def in_graph(self) -> bool: ...
    @property
    def why(self) -> str: ...


def _names(names: Sequence[str]) -> str:
    return ", ".join(names)


def _mermaid_text(text: str) -> str:
    """Escape text for a Mermaid label with entity codes."""
    return "".join(c if c in _MERMAID_SAFE else f"#{ord(c)};" for c in text)


def _dot_string(text: str) -> str:
    """A DOT double-quoted string holding ``text`` literally."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def draw_svg(dot_source: str, log: logging.Logger, timeout: float = DOT_TIMEOUT) -> str | None:
    """Lay out a DOT graph with Graphviz's ``dot`` into an SVG element; None when ``dot`` is missing or fails."""
    program = shutil.which("dot")
    if program is None:
        return None
    try:
        done = subprocess.run(
            [program, "-Tsvg"],
            input=dot_source.encode(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        log.warning("%%reactive graph: dot failed: %s", err)
        return None
    svg = done.stdout.decode("utf-8", "replace")
    start = svg.find("<svg")
    if done.returncode != 0 or start < 0:
        log.warning("%%reactive graph: dot exited %s: %s", done.returncode, done.stderr.decode(errors="replace")[:500])
        return None
    return svg[start:]


class GraphPicture:
    """The cells, in run order, and the edges between them with the names each carries."""

    def __init__(
        self,
        mode: str,
        rows: Sequence[Row],
        edges: Sequence[tuple[str, str, list[str]]],
        log: logging.Logger,
    ) -> None:
        self.mode = mode
        self.log = log
        self.rows = list(rows)
        self.edges = list(edges)

    def headline(self) -> str:
        """How many cells and edges, in which mode."""
        return f"reactive graph: {sum(r.in_graph for r in self.rows)} cells, {len(self.edges)} edges ({self.mode} mode)"

    def _label(self) -> dict[str, str]:
        return {row.cell_id: row.label for row in self.rows}

    def as_text(self) -> str:
        """Each cell with its status, and an arrow per child with the names it reads from it."""
        label = self._label()
        children: dict[str, list[tuple[str, list[str]]]] = {}
        for parent, child, names in self.edges:
            children.setdefault(parent, []).append((child, names))
        lines = [self.headline()]
        outside = [r for r in self.rows if not r.in_graph]
        for row in self.rows:
            if row.in_graph:
                lines.append(f"{row.label} [{row.status}]")
                lines.extend(
                    f"  └─{_names(names)}→ {label.get(child, child)}" for child, names in children.get(row.cell_id, [])
                )
        if outside:
            lines.append("not in the graph:")
            lines.extend(f"{row.label} [{row.status}] — {row.why}" for row in outside)
        if len(self.rows) > MAX_PICTURE_CELLS:
            lines.append(f"(no picture: more than {MAX_PICTURE_CELLS} cells)")
        return "\n".join(lines)

    def as_mermaid(self) -> str:
        """A Mermaid flowchart: one node per cell, edges labelled with the names they carry."""
        node = {row.cell_id: f"n{i}" for i, row in enumerate(self.rows)}
        lines = ["flowchart TD"]
        for row in self.rows:
            lines.append(f'  {node[row.cell_id]}["{_mermaid_text(row.label)}"]')
        for parent, child, names in self.edges:
            lines.append(f"  {node[parent]} -->|{_mermaid_text(_names(names))}| {node[child]}")
        used = sorted({row.status for row in self.rows} & _STYLES.keys())
        for status in used:
            fill, stroke, dashed = _STYLES[status]
            lines.append(
                f"  classDef st_{status} fill:{fill},stroke:{stroke}" + (",stroke-dasharray:4 3" if dashed else "")
            )
            members = ",".join(node[r.cell_id] for r in self.rows if r.status == status)
            lines.append(f"  class {members} st_{status}")
        return "\n".join(lines)

    def as_dot(self) -> str:
        """The graph in Graphviz's DOT language: boxes named by label, each with its cell id as ``id``."""
        node = {row.cell_id: f"n{i}" for i, row in enumerate(self.rows)}
        font = 'fontname="Helvetica,Arial,sans-serif"'
        lines = [
            "digraph reactive {",
            f"  graph [rankdir=TB, nodesep=0.3, ranksep=0.4, {font}, fontsize=10];",
            f'  node [shape=box, style="rounded,filled", fillcolor="#ffffff", color="#555555", {font}, fontsize=10];',
            f'  edge [color="#777777", fontcolor="#444444", {font}, fontsize=9];',
        ]
        for row in self.rows:
            attrs = [
                f"label={_dot_string(row.label)}",
                f"id={_dot_string('reactive_cell_' + row.cell_id)}",
                f"tooltip={_dot_string(row.status + (': ' + row.why if row.why else ''))}",
            ]
            if row.status in _STYLES:
                fill, stroke, dashed = _STYLES[row.status]
                attrs += [f'fillcolor="{fill}"', f'color="{stroke}"']
                if dashed:
                    attrs.append('style="rounded,filled,dashed"')
            lines.append(f"  {node[row.cell_id]} [{', '.join(attrs)}];")
        for parent, child, names in self.edges:
            lines.append(f"  {node[parent]} -> {node[child]} [label={_dot_string(' ' + _names(names) + ' ')}];")
        lines.append("}")
        return "\n".join(lines)

    def as_data(self) -> dict[str, Any]:
        """The graph for programs: cells with ids, labels and statuses; edges by cell id."""
        return {
            "mode": self.mode,
            "cells": [
                {
                    "cell_id": r.cell_id,
                    "label": r.label,
                    "status": r.status,
                    "in_graph": r.in_graph,
                    **({"reason": r.reason} if r.reason else {}),
                }
                for r in self.rows
            ],
            "edges": [{"from": parent, "to": child, "names": list(names)} for parent, child, names in self.edges],
        }

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/plain": self.as_text(), GRAPH_MIME: self.as_data()}
        if self.rows and len(self.rows) <= MAX_PICTURE_CELLS:
            bundle["text/vnd.mermaid"] = self.as_mermaid()
            svg = draw_svg(self.as_dot(), self.log)
            if svg is not None:
                bundle["image/svg+xml"] = svg
        return bundle
