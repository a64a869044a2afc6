"""Counts of what one kernel did since it started, for ``%reactive stats``.

The kernel feeds them from what it already builds: each execute reply and
its report, each ``register_cell_reply``, and each cascade's entries with its
duration.  A *cascade* here is a request that re-ran, skipped or marked at
least one cell besides the one it ran; its time is the request's whole run,
the executed cell included.
"""

from __future__ import annotations

import html
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.protocol import STATS_MIME, CascadeEntry, Report, Status

__all__ = ["KernelStats", "StatsView"]

_RAN = (Status.OK, Status.ERROR, Status.INTERRUPTED)


@dataclass
class KernelStats:
    """The running counts; ``view()`` gives a snapshot that displays itself."""

    started: float = field(default_factory=time.monotonic)
    executes: int = 0
    registrations: int = 0
    cascades: int = 0
    cells_rerun: int = 0
    most_rerun: int = 0
    cascade_seconds: float = 0.0
    longest_cascade: float = 0.0
    refusals: Counter = field(default_factory=Counter)
    interrupts: int = 0

    def executed(self, report: Report | None, reply: Mapping[str, Any]) -> None:
        """Count one execute reply (``report``: its ``metadata.reactive``; None for a silent request)."""
        if report is None or reply.get("status") == "aborted":
            return
        self.executes += 1
        if report.status is Status.BLOCKED:
            self.refusals[str(reply.get("ename") or "refused")] += 1
        elif report.registered and not report.replayed:
            self.registrations += 1
        if reply.get("ename") == "KeyboardInterrupt":
            self.interrupts += 1

    def registered(self, reply: Mapping[str, Any]) -> None:
        """Count one ``register_cell_reply``: a registration, or a refusal by its ``ename``."""
        if reply.get("status") == "ok":
            self.registrations += 1
        else:
            self.refusals[str(reply.get("ename") or "refused")] += 1

    def cascade(self, entries: Iterable[CascadeEntry], seconds: float) -> None:
        """Count one request's cascade, if it did anything besides running the requested cell."""
        entries = list(entries)
        if not entries:
            return
        ran = sum(entry.status in _RAN for entry in entries)
        self.cascades += 1
        self.cells_rerun += ran
        self.most_rerun = max(self.most_rerun, ran)
        self.cascade_seconds += seconds
        self.longest_cascade = max(self.longest_cascade, seconds)

    def view(self) -> StatsView:
        """The counts as of now."""
        return StatsView(self.as_data())

    def as_data(self) -> dict[str, Any]:
        """The counts as JSON data (times in seconds)."""
        return {
            "uptime": round(time.monotonic() - self.started, 3),
            "executes": self.executes,
            "registrations": self.registrations,
            "cascades": self.cascades,
            "cells_rerun": self.cells_rerun,
            "cells_rerun_per_cascade": round(self.cells_rerun / self.cascades, 2) if self.cascades else 0.0,
            "most_cells_rerun": self.most_rerun,
            "cascade_seconds": round(self.cascade_seconds, 4),
            "longest_cascade_seconds": round(self.longest_cascade, 4),
            "refusals": dict(sorted(self.refusals.items())),
            "interrupts": self.interrupts,
        }


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


def _seconds(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


class StatsView:
    """What ``%reactive stats`` shows: a small table, in text and HTML, and the counts as data."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def lines(self) -> list[tuple[str, str]]:
        """(what, how many) in the order shown."""
        d = self.data
        refusals = d["refusals"]
        kinds = ", ".join(f"{kind} {n}" for kind, n in refusals.items())
        return [
            ("uptime", _duration(d["uptime"])),
            ("executes", str(d["executes"])),
            ("registrations", str(d["registrations"])),
            ("cascades", str(d["cascades"])),
            (
                "cells re-run",
                f"{d['cells_rerun']} in all, {d['cells_rerun_per_cascade']:g} per cascade, "
                f"at most {d['most_cells_rerun']}",
            ),
            (
                "cascade time",
                f"{_seconds(d['cascade_seconds'])} in all, longest {_seconds(d['longest_cascade_seconds'])}",
            ),
            ("refusals", f"{sum(refusals.values())}" + (f" ({kinds})" if kinds else "")),
            ("interrupts", str(d["interrupts"])),
        ]

    def as_text(self) -> str:
        rows = self.lines()
        width = max(len(name) for name, _ in rows)
        return "reactive kernel stats\n" + "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(self.as_text())

    def _repr_html_(self) -> str:
        left = ' style="text-align:left"'
        body = "".join(
            f"<tr><th{left}>{html.escape(name)}</th><td{left}>{html.escape(value)}</td></tr>"
            for name, value in self.lines()
        )
        return f"<p><b>reactive kernel stats</b></p><table><tbody>{body}</tbody></table>"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        return {STATS_MIME: self.data}
