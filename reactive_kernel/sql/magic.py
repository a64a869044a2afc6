"""The ``%sql`` / ``%%sql`` magics: DuckDB queries over the notebook's DataFrames.

``reactive_kernel.kernel.magics`` registers the magic on the kernel's shell, the
analyzer on its ``CellAnalyzer`` and ``kernel.relation_dropper``, and builds
``SqlMagics`` on first use.  DuckDB (and any DataFrame library) is imported on
the first query, never at start-up.

Queries run on one DuckDB connection per kernel (in-memory until a
``duckdb://`` URL switches it).  Table names that are not in DuckDB's catalog
resolve to pandas / polars DataFrames and Arrow tables in the user namespace
(DuckDB's replacement scans).  ``{name}`` is bound as a query parameter.  The
result type and the displayed row count come from the kernel's
``sql_result`` and ``sql_display_limit`` traits.
"""

from __future__ import annotations

import html
import os
import re
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand

from ..core.analysis import Analysis
from ..core.sql_analysis import (
    SqlStatement,
    SqlSyntaxError,
    analyze_magic,
    parse_connection,
    parse_magic_line,
    parse_sql,
)

__all__ = ["QueryResult", "SqlError", "SqlMagics"]

#: Runs a DuckDB call in a frame whose globals are the user namespace, so that
#: replacement scans see the notebook's variables (and not this module's).
_IN_NAMESPACE = compile(
    "__reactive_sql_result__ = __reactive_sql_call__(*__reactive_sql_args__, **__reactive_sql_kwargs__)",
    "<sql>",
    "exec",
)
_LINE_LABEL = re.compile(r"LINE (\d+): ")
#: Longest text shown for one value in a displayed table.
_CELL_CHARS = 200


class SqlError(Exception):
    """A query DuckDB refused or failed, shown as DuckDB's message without a Python traceback.

    ``kind`` is DuckDB's error class (``Parser Error``, ``Binder Error``, ...) or
    ``SQL Error`` for problems found before DuckDB ran; ``statement`` is the
    1-based statement number in a multi-statement cell, ``line`` the cell line
    where that statement starts.
    """

    def __init__(
        self,
        message: str,
        kind: str = "SQL Error",
        statement: int | None = None,
        statements: int = 1,
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.statement = statement
        self.statements = statements
        self.line = line

    def __str__(self) -> str:
        return self.message.split("\n", 1)[0]

    def _render_traceback_(self) -> list[str]:
        lines = self.message.rstrip().split("\n")
        lines[0] = f"\x1b[0;31m{type(self).__name__}\x1b[0m: {lines[0]}"
        if self.statement is not None and self.statements > 1:
            lines.append(f"(in statement {self.statement} of {self.statements})")
        return lines


def _duckdb_error(err: Exception, statement: SqlStatement | None = None, index: int = 0, count: int = 1) -> SqlError:
    """A SqlError from a DuckDB exception, its ``LINE n:`` counted from the top of the cell."""
    message = str(err)
    head = message.split("\n", 1)[0]
    kind = head.split(": ", 1)[0] if ": " in head else type(err).__name__
    if statement is None:
        return SqlError(message, kind)
    return SqlError(_relocate(message, statement.line - 1), kind, index + 1, count, statement.line)


def _relocate(message: str, offset: int) -> str:
    """Add ``offset`` to the line number of DuckDB's ``LINE n:`` excerpt, keeping its caret aligned."""
    lines = message.split("\n")
    for i, text in enumerate(lines):
        found = _LINE_LABEL.match(text)
        if found and offset:
            label = f"LINE {int(found.group(1)) + offset}: "
            lines[i] = label + text[found.end() :]
            if i + 1 < len(lines) and lines[i + 1].strip().startswith("^"):
                shift = len(label) - found.end()
                lines[i + 1] = " " * shift + lines[i + 1] if shift >= 0 else lines[i + 1][-shift:]
            break
    return "\n".join(lines)


@magics_class
class SqlMagics(Magics):
    """``%sql`` and ``%%sql`` on one DuckDB connection; see the module docstring."""

    def __init__(self, shell: Any, kernel: Any) -> None:
        super().__init__(shell)
        self.kernel = kernel
        self._connection: Any = None
        self._relations: dict[str, tuple[str, ...]] = {}
        self._interrupts: _InterruptWatch | None = None

    # -- the magic ---------------------------------------------------------
    @no_var_expand
    @line_cell_magic
    def sql(self, line: str, cell: str | None = None) -> Any:
        """Run SQL on DuckDB: ``%%sql [duckdb://URL] [NAME <<]`` + query, or ``x = %sql query``.

        Raises SqlError (shown without a Python traceback) when DuckDB refuses the query.
        """
        try:
            magic = parse_magic_line(line, cell)
            if magic.connection:
                self.connect(magic.connection)
            if not magic.sql.strip():
                if magic.target:
                    raise SqlError(f"nothing to bind to {magic.target}: there is no query")
                return None
            parsed = parse_sql(magic.sql)
        except SqlSyntaxError as err:
            raise SqlError(err.detail, "Parser Error") from None
        values = self._parameters(parsed.params)
        result = None
        if self._interrupts is None:
            self._interrupts = _InterruptWatch()
        with self._interrupts.active(self.connection()):
            for index, statement in enumerate(parsed.statements):
                last = index == len(parsed.statements) - 1
                result = self._execute(statement, values, index, len(parsed.statements), last)
            value = None if result is None else self._convert(result)
        if magic.target:
            self.shell.user_ns[magic.target] = value
            return None
        if cell is None or value is None:
            return value
        return QueryResult(value, self.kernel.sql_display_limit)

    def _parameters(self, names: Iterable[str]) -> dict[str, Any]:
        ns = self.shell.user_ns
        for name in names:
            if name not in ns:
                raise SqlError(f"name {name!r} is not defined (the query uses {{{name}}})", "Parameter Error")
        return {name: ns[name] for name in names}

    def _execute(self, statement: SqlStatement, values: dict[str, Any], index: int, count: int, last: bool) -> Any:
        """Run one statement; returns a relation for the cell's last row-returning statement."""
        import duckdb

        con = self.connection()
        text = statement.text
        params = {name: values[name] for name in statement.params} or None
        try:
            if last and statement.returns_rows:
                try:
                    return self._in_namespace(con.sql, text, params=params)
                except duckdb.Error:
                    # A relation's error has no "LINE n:" excerpt; binding again through
                    # execute() raises the same error with it.
                    self._in_namespace(con.execute, text, params)
                    raise
            self._in_namespace(con.execute, text, params)
            return None
        except duckdb.InterruptException:
            raise _interrupt() from None
        except duckdb.Error as err:
            raise _duckdb_error(err, statement, index, count) from None

    def _in_namespace(self, call: Any, *args: Any, **kwargs: Any) -> Any:
        scope = {"__reactive_sql_call__": call, "__reactive_sql_args__": args, "__reactive_sql_kwargs__": kwargs}
        exec(_IN_NAMESPACE, self.shell.user_ns, scope)
        return scope["__reactive_sql_result__"]

    def _convert(self, relation: Any) -> Any:
        """The relation as the configured ``sql_result`` type; raises SqlError."""
        import duckdb

        kind = self.kernel.sql_result
        try:
            if kind == "relation":
                return relation
            if kind == "polars":
                return relation.pl()
            if kind == "arrow":
                return relation.to_arrow_table()
            return relation.df()
        except duckdb.InterruptException:
            raise _interrupt() from None
        except duckdb.Error as err:
            raise _duckdb_error(err) from None

    # -- the connection ------------------------------------------------------
    def connection(self) -> Any:
        """The kernel's DuckDB connection, opened in memory on first use."""
        if self._connection is None:
            import duckdb

            self._connection = duckdb.connect(":memory:")
        return self._connection

    def connect(self, url: str) -> None:
        """Switch to the database at a ``duckdb://`` URL; raises SqlError."""
        import duckdb

        database, config = parse_connection(url)
        try:
            new = duckdb.connect(database, config=dict(config))
        except duckdb.Error as err:
            raise _duckdb_error(err) from None
        old, self._connection = self._connection, new
        if old is not None:
            old.close()

    # -- the kernel's hooks --------------------------------------------------
    def analyze(self, line: str, body: str | None) -> Analysis:
        """The magic analyzer: what the SQL reads and writes; raises SyntaxError."""
        analysis = analyze_magic(line, body)
        if analysis.relations:
            self._relations.update(parse_sql(parse_magic_line(line, body).sql).creates)
        return analysis

    def drop(self, names: frozenset[str]) -> None:
        """Drop these tables and views from the current connection (nothing before DuckDB is used).

        Raises nothing: a name that is neither a table nor a view is left alone,
        and one DuckDB cannot drop (a read-only database) stays for the cell's own
        ``CREATE`` to report.
        """
        con = self._connection
        if con is None:
            return
        import duckdb

        for name in sorted(names):
            target = ".".join(_quote(part) for part in self._relations.get(name, (name,)))
            for kind in ("TABLE", "VIEW"):
                try:
                    con.execute(f"DROP {kind} IF EXISTS {target}")
                    break
                except duckdb.CatalogException:
                    continue  # the object is of the other kind
                except duckdb.Error:
                    break


class _InterruptWatch:
    """Makes SIGINT stop the running query and end it with a short KeyboardInterrupt.

    DuckDB notices a Python signal only when the thread that started the query
    checks for one, which a multi-threaded query may not do until it ends.  So
    while a query runs (``active``), SIGINT's byte goes to a wakeup pipe
    (``signal.set_wakeup_fd``) read by a watcher thread, which calls the
    connection's ``interrupt()`` at once; bytes for other signals are passed on
    to the previous wakeup fd.  The Python-level SIGINT handler only records the
    interrupt, so it cannot fire inside DuckDB's own Python code; a block that
    finishes after an interrupt raises KeyboardInterrupt.  Off the main thread
    ``active`` does nothing.
    """

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self._lock = threading.Lock()
        self._con: Any = None
        self._forward = -1
        self._interrupted = threading.Event()
        threading.Thread(target=self._watch, name="sql-interrupt", daemon=True).start()

    def _watch(self) -> None:
        while True:
            data = os.read(self._read, 512)
            with self._lock:
                con, forward = self._con, self._forward
            if con is not None and signal.SIGINT in data:
                self._interrupted.set()
                con.interrupt()
            if forward != -1:
                try:
                    os.write(forward, data)
                except OSError:
                    pass

    @contextmanager
    def active(self, con: Any) -> Iterator[None]:
        """Watch for SIGINT while the block runs queries on ``con``; raises KeyboardInterrupt."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        self._interrupted.clear()
        previous_handler = signal.signal(signal.SIGINT, lambda signum, frame: self._interrupted.set())
        previous_fd = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        with self._lock:
            self._con, self._forward = con, previous_fd
        try:
            yield
        finally:
            signal.set_wakeup_fd(previous_fd)
            signal.signal(signal.SIGINT, previous_handler)
            with self._lock:
                self._con, self._forward = None, -1
        if self._interrupted.is_set():
            raise _interrupt()


def _interrupt() -> KeyboardInterrupt:
    """A KeyboardInterrupt (the name the kernel treats as an interrupt) shown as one line."""
    error = KeyboardInterrupt("the query was interrupted")
    line = "\x1b[0;31mKeyboardInterrupt\x1b[0m: the query was interrupted"
    error._render_traceback_ = lambda: [line]  # type: ignore[attr-defined]  # IPython shows it instead of a traceback
    return error


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class QueryResult:
    """A ``%%sql`` cell's result as shown: an HTML (and plain-text) table of its first rows.

    ``value`` is the full result (DataFrame, Arrow table or relation); only the
    displayed rows are read for display.
    """

    def __init__(self, value: Any, limit: int) -> None:
        self.value = value
        self.limit = max(0, int(limit))
        self._preview: tuple[list[str], list[tuple], int] | None = None

    def preview(self) -> tuple[list[str], list[tuple], int]:
        """(column names, the first ``limit`` rows, total row count)."""
        if self._preview is None:
            self._preview = _preview(self.value, self.limit)
        return self._preview

    def _summary(self) -> str:
        _, rows, total = self.preview()
        noun = "row" if total == 1 else "rows"
        if len(rows) < total:
            return f"{len(rows):,} of {total:,} {noun} shown"
        return f"{total:,} {noun}"

    def _repr_html_(self) -> str:
        columns, rows, _ = self.preview()
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(_text(v))}</td>" for v in row) + "</tr>" for row in rows)
        return (
            '<div class="reactive-sql-result"><table class="dataframe">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            f"<p>{html.escape(self._summary())}</p></div>"
        )

    def __repr__(self) -> str:
        columns, rows, _ = self.preview()
        cells = [[str(c) for c in columns]] + [[_text(v) for v in row] for row in rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
        lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
        if lines:
            lines.insert(1, "  ".join("-" * w for w in widths))
        lines.append(self._summary())
        return "\n".join(lines)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "NULL"
    text = str(value)
    return text if len(text) <= _CELL_CHARS else text[: _CELL_CHARS - 1] + "…"


def _preview(value: Any, limit: int) -> tuple[list[str], list[tuple], int]:
    module = type(value).__module__.split(".", 1)[0]
    if module == "pandas":
        head = value.head(limit)
        return [str(c) for c in value.columns], list(head.itertuples(index=False, name=None)), len(value)
    if module == "polars":
        return list(value.columns), value.head(limit).rows(), value.height
    if module == "pyarrow":
        head = value.slice(0, limit)
        return list(value.column_names), list(zip(*(c.to_pylist() for c in head.columns))), value.num_rows
    return list(value.columns), value.limit(limit).fetchall(), len(value)
