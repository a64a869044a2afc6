"""The analyzer the kernel and ``reactive-kernel check`` share: Python, ``%time``, ``%%capture`` and SQL magics."""

from __future__ import annotations

from collections.abc import Callable

from .analysis import CellAnalyzer
from .sql_analysis import analyze_magic

__all__ = ["standard_analyzer"]


def standard_analyzer(transform: Callable[[str], str] | None = None) -> CellAnalyzer:
    """A new analyzer with the SQL magics plugged in (``transform``: IPython's cell transform, if any)."""
    analyzer = CellAnalyzer(transform)
    analyzer.cell_magics["sql"] = analyze_magic
    analyzer.line_magics["sql"] = analyze_magic
    return analyzer
