"""Install the kernel's magics without importing them: each module loads on first use.

Keeps kernel start-up as light as ipykernel's; DuckDB and the SQL machinery
load with the first ``%sql`` cell, the ``%reactive`` machinery with its first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from IPython.core.magic import no_var_expand

__all__ = ["install"]


class _OnFirstUse:
    """An object built the first time it is asked for."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self.value: Any = None

    def get(self) -> Any:
        if self.value is None:
            self.value = self._build()
        return self.value


def install(kernel: Any) -> None:
    """Register ``%sql``/``%%sql`` (with its analyzers and relation dropper) and ``%reactive`` on ``kernel``."""
    shell = kernel.shell
    sql = _OnFirstUse(lambda: importlib.import_module("reactive_kernel.sql.magic").SqlMagics(shell, kernel))

    @no_var_expand
    def sql_magic(line: str, cell: str | None = None) -> Any:
        """Run SQL on DuckDB: ``%%sql [duckdb://URL] [NAME <<]``, ``x = %sql SELECT ...``; see docs/sql.md."""
        return sql.get().sql(line, cell)

    def analyze_sql(line: str, body: str | None):
        return sql.get().analyze(line, body)

    def drop_relations(names: frozenset[str]) -> None:
        if sql.value is not None:
            sql.value.drop(names)

    shell.register_magic_function(sql_magic, magic_kind="line_cell", magic_name="sql")
    kernel.analyzer.cell_magics["sql"] = analyze_sql
    kernel.analyzer.line_magics["sql"] = analyze_sql
    kernel.relation_dropper = drop_relations

    reactive = _OnFirstUse(
        lambda: importlib.import_module("reactive_kernel.kernel.reactive_magic").ReactiveMagic(kernel)
    )

    def reactive_magic(line: str) -> Any:
        """Inspect and steer the reactive kernel: ``%reactive [status|graph|lazy|eager|run-stale]``."""
        return reactive.get().reactive(line)

    shell.register_magic_function(reactive_magic, magic_kind="line", magic_name="reactive")
