"""What a ``%%sql`` / ``%sql`` magic means: its line, its parameters, the tables it reads and creates.

Everything here comes from DuckDB's own tokenizer and parser
(``duckdb.tokenize``, ``duckdb.extract_statements`` and ``json_serialize_sql``):

- ``{name}`` outside strings and comments is a Python value bound as the query
  parameter ``$name`` (the text is padded so every position stays where it was);
- a statement *reads* the base tables its queries name, except CTE names in scope
  and string literals such as ``'data.csv'`` (files), and *creates* the target of
  ``CREATE [OR REPLACE] [TEMP] TABLE|VIEW``.  ``INSERT``, ``UPDATE``, ``DELETE``,
  ``COPY``, ``ALTER``, ``DROP``, ``TRUNCATE``, ``MERGE`` and ``PIVOT`` read their
  target table.

DuckDB serialises only ``SELECT`` statements to JSON, so inside any other
statement the queries are found from its tokens: each ``SELECT``/``WITH``/
``FROM``/``VALUES`` token starts a query that runs to the end of its
parenthesis (or the statement), shortened at a keyword until DuckDB parses it.

DuckDB is imported on first use; nothing here imports Jupyter.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote

from .analysis import Analysis

__all__ = [
    "MagicLine",
    "ParsedSql",
    "SqlStatement",
    "SqlSyntaxError",
    "analyze_magic",
    "parse_connection",
    "parse_magic_line",
    "parse_sql",
    "relation_name",
]

#: Statement kinds whose result is the cell's value although DuckDB may also return nothing.
_ROW_KINDS = frozenset({"MULTI"})
#: Keywords that start a query inside another statement.
_QUERY_STARTS = frozenset({"SELECT", "WITH", "FROM", "VALUES"})
#: Most attempts at shortening one embedded query before giving up on it.
_MAX_CUTS = 12
_UNKNOWN_LOCATION = 2**64 - 1

_TARGET = re.compile(r"\s*([^\W\d]\w*)\s*<<")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S*")


class SqlSyntaxError(SyntaxError):
    """SQL that DuckDB's parser refuses, or a magic line that cannot be read.

    ``reason`` is the short message without position; ``detail`` is DuckDB's
    full message (with its ``LINE n:`` excerpt) when it has one.
    """

    def __init__(
        self,
        reason: str,
        lineno: int | None = None,
        offset: int | None = None,
        text: str | None = None,
        detail: str | None = None,
    ) -> None:
        where = f"line {lineno}, column {offset}" if lineno and offset else f"column {offset}" if offset else ""
        super().__init__(f"{reason} ({where})" if where else reason, ("<sql>", lineno, offset, text))
        self.reason = reason
        self.detail = detail or reason

    def __str__(self) -> str:
        return self.msg


# ---------------------------------------------------------------------------
# the magic line
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class MagicLine:
    """A parsed ``%sql`` / ``%%sql`` invocation.

    ``sql`` is the query text, laid out so that its line numbers are the cell's:
    for a cell magic it is the rest of the magic line, a newline, then the body.
    """

    connection: str | None
    target: str | None
    sql: str


def parse_magic_line(line: str, body: str | None = None) -> MagicLine:
    """Split ``[duckdb://URL] [NAME <<] [SQL]`` (plus the cell body); raises SqlSyntaxError."""
    rest = line.strip()
    connection = None
    scheme = _SCHEME.match(rest)
    if scheme:
        connection = scheme.group(0)
        if not connection.startswith("duckdb://"):
            raise SqlSyntaxError(
                f"unsupported connection {connection.split('://')[0]}://...: "
                "only duckdb:// (in-memory) and duckdb:///path/to/file.db are supported"
            )
        rest = rest[scheme.end() :].lstrip()
    target = None
    found = _TARGET.match(rest)
    if found:
        target = found.group(1)
        if keyword.iskeyword(target):
            raise SqlSyntaxError(f"cannot bind a result to {target!r}: it is a Python keyword")
        rest = rest[found.end() :].lstrip()
    elif re.match(r"\s*\S+\s*<<", rest) and not rest.lstrip().startswith("--"):
        bad = rest.split("<<", 1)[0].strip()
        raise SqlSyntaxError(f"cannot bind a result to {bad!r}: not a Python identifier")
    sql = rest if body is None else rest + "\n" + body
    return MagicLine(connection, target, sql)


def parse_connection(url: str) -> tuple[str, dict[str, str]]:
    """``duckdb://`` URL -> (database, config) for ``duckdb.connect``; raises SqlSyntaxError.

    ``duckdb://`` and ``duckdb:///:memory:`` are in-memory; ``duckdb:///rel.db`` is
    relative to the working directory and ``duckdb:////abs.db`` absolute.  Query
    parameters (``?access_mode=read_only``) become DuckDB settings.
    """
    if not url.startswith("duckdb://"):
        raise SqlSyntaxError(f"not a duckdb:// connection: {url!r}")
    rest, _, query = url[len("duckdb://") :].partition("?")
    if rest and not rest.startswith("/"):
        raise SqlSyntaxError(f"cannot read {url!r}: write duckdb:///relative/path.db or duckdb:////absolute/path.db")
    path = unquote(rest[1:])
    database = path or ":memory:"
    return database, dict(parse_qsl(query, keep_blank_values=True))


# ---------------------------------------------------------------------------
# tokens and parameters
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    kind: str  # identifier | numeric_const | string_const | operator | keyword | comment
    text: str

    @property
    def upper(self) -> str:
        return self.text.upper()


def _char_offsets(text: str) -> dict[int, int] | None:
    """Byte offset -> character offset for non-ASCII text (DuckDB counts UTF-8 bytes); None for ASCII."""
    if text.isascii():
        return None
    table: dict[int, int] = {}
    position = 0
    for index, char in enumerate(text):
        table[position] = index
        position += len(char.encode("utf-8"))
    table[position] = len(text)
    return table


def _tokens(text: str) -> list[_Token]:
    import duckdb

    raw = duckdb.tokenize(text)
    chars = _char_offsets(text)
    if chars is not None:
        raw = [(chars[start], kind) for start, kind in raw]
    out = []
    for i, (start, kind) in enumerate(raw):
        end = raw[i + 1][0] if i + 1 < len(raw) else len(text)
        piece = text[start:end].rstrip()
        if kind.name != "comment":
            out.append(_Token(start, start + len(piece), kind.name, piece))
    return out


def _bind_parameters(text: str) -> tuple[str, tuple[str, ...]]:
    """Replace each ``{name}`` with ``$name`` padded to the same length; returns (text, names)."""
    tokens = _tokens(text)
    pieces: list[str] = []
    names: list[str] = []
    last = 0
    i = 0
    while i + 2 < len(tokens):
        a, b, c = tokens[i], tokens[i + 1], tokens[i + 2]
        if (
            a.text == "{"
            and c.text == "}"
            and b.kind in ("identifier", "keyword")
            and b.text.isidentifier()
            and not keyword.iskeyword(b.text)
        ):
            param = "$" + b.text
            pieces.append(text[last : a.start])
            pieces.append(param.ljust(c.end - a.start))
            last = c.end
            if b.text not in names:
                names.append(b.text)
            i += 3
        else:
            i += 1
    if not names:
        return text, ()
    pieces.append(text[last:])
    return "".join(pieces), tuple(names)


# ---------------------------------------------------------------------------
# parsing
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SqlStatement:
    """One statement, ready to run: ``text`` (with ``$name`` parameters), where it starts."""

    text: str
    kind: str
    params: tuple[str, ...]
    returns_rows: bool
    line: int


@dataclass(frozen=True)
class ParsedSql:
    """A cell's statements, the names it reads (in order), the relations it creates and those it changes.

    ``creates`` maps each created relation's name in the graph to its qualified
    parts; ``changes`` names the relations it inserts into, updates, deletes
    from, alters or drops without creating them.
    """

    statements: tuple[SqlStatement, ...]
    params: tuple[str, ...]
    reads: tuple[str, ...]
    creates: tuple[tuple[str, tuple[str, ...]], ...]
    changes: tuple[str, ...] = ()


_analysis_connection: Any = None


def _connection() -> Any:
    """A private in-memory connection used only to parse."""
    global _analysis_connection
    if _analysis_connection is None:
        import duckdb

        _analysis_connection = duckdb.connect(":memory:", config={"enable_external_access": False})
    return _analysis_connection


def _serialize(text: str) -> dict[str, Any]:
    tree: dict[str, Any] = json.loads(_connection().execute("SELECT json_serialize_sql(?)", [text]).fetchall()[0][0])
    return tree


@lru_cache(maxsize=256)
def parse_sql(sql: str) -> ParsedSql:
    """Parse SQL text (``{name}`` parameters allowed); raises SqlSyntaxError."""
    import duckdb

    text, params = _bind_parameters(sql)
    try:
        statements = duckdb.extract_statements(text, connection=_connection())
    except duckdb.Error as err:
        raise _syntax_error(text, err) from None
    out: list[SqlStatement] = []
    reads: list[str] = []
    creates: dict[str, tuple[str, ...]] = {}
    changes: list[str] = []
    start = 0
    for statement in statements:
        query = statement.query
        stripped = query.strip()
        found = text.find(stripped, start)
        start = found if found >= 0 else start
        line = text.count("\n", 0, start) + 1
        start += len(stripped)
        kind = statement.type.name
        expected = {t.name for t in statement.expected_result_type}
        returns_rows = "QUERY_RESULT" in expected and ("NOTHING" not in expected or kind in _ROW_KINDS)
        used = tuple(p for p in params if p in statement.named_parameters)
        out.append(SqlStatement(stripped, kind, used, returns_rows, line))
        stmt_reads, stmt_creates, stmt_changes = _statement_names(query, kind)
        for parts in stmt_reads:
            name = relation_name(parts)
            if name not in creates and name not in reads:
                reads.append(name)
        for parts in stmt_changes:
            name = relation_name(parts)
            if name not in creates and name not in changes:
                changes.append(name)
        for parts in stmt_creates:
            creates.setdefault(relation_name(parts), parts)
    for name in params:
        if name not in reads:
            reads.append(name)
    reads = [name for name in reads if name not in changes]  # a change reads the table anyway
    return ParsedSql(tuple(out), params, tuple(reads), tuple(creates.items()), tuple(changes))


def _syntax_error(text: str, err: Exception) -> SqlSyntaxError:
    """A SqlSyntaxError placed where DuckDB's parser stopped."""
    detail = str(err)
    message = detail.split("\n", 1)[0].removeprefix("Parser Error: ")
    found = _serialize(text)
    position = found.get("position")
    if not found.get("error") or position is None:
        return SqlSyntaxError(f"SQL {message}", detail=detail)
    offset = len(text.encode("utf-8")[: int(position)].decode("utf-8", "ignore"))
    lineno = text.count("\n", 0, offset) + 1
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line_text = text[line_start:] if line_end < 0 else text[line_start:line_end]
    column = offset - line_start + 1
    return SqlSyntaxError(f"SQL {message}", lineno, column, line_text, detail)


def relation_name(parts: tuple[str, ...]) -> str:
    """The graph name of a (catalog, schema, table) path: ``t`` for ``t``, ``main.t`` and ``memory.main.t``."""
    *prefix, table = parts
    if prefix and prefix[-1].lower() == "main" and len(prefix) <= 2:
        catalog = prefix[0] if len(prefix) == 2 else ""
        if catalog.lower() in ("", "memory"):
            return table
    return ".".join([*prefix, table])


# ---------------------------------------------------------------------------
# names in one statement
# ---------------------------------------------------------------------------
_Names = list[tuple[str, ...]]


def _statement_names(text: str, kind: str) -> tuple[_Names, _Names, _Names]:
    """(tables read, relations created, relations changed) by one statement, each as qualified parts."""
    if kind == "SELECT":
        tree = _serialize(text)
        if not tree.get("error"):
            return list(_tree_reads(tree, text)), [], []
    tokens = _tokens(text)
    reads, creates, changes = _target_names(tokens)
    reads.extend(_embedded_reads(text, tokens))
    return reads, creates, changes


def _tree_reads(tree: dict[str, Any], text: str) -> Iterator[tuple[str, ...]]:
    """Base tables a serialised SELECT reads, outside CTE scopes and string literals."""
    encoded = text.encode("utf-8")  # query locations count bytes
    stack: list[tuple[Any, frozenset[str]]] = [(tree, frozenset())]
    while stack:
        node, scope = stack.pop()
        if isinstance(node, list):
            stack.extend((item, scope) for item in reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        kind = node.get("type")
        if kind == "BASE_TABLE":
            parts = _table_parts(node)
            if len(parts) == 1 and parts[0].lower() in scope:
                continue
            location = node.get("query_location", _UNKNOWN_LOCATION)
            if location != _UNKNOWN_LOCATION and encoded[location : location + 1] == b"'":
                continue  # a file path such as FROM 'data.csv'
            yield parts
            continue
        if kind == "RECURSIVE_CTE_NODE" and node.get("cte_name"):
            scope = scope | {node["cte_name"].lower()}
        ctes = node.get("cte_map")
        if isinstance(ctes, dict) and ctes.get("map"):
            inner = set(scope)
            for entry in ctes["map"]:
                stack.append((entry.get("value"), frozenset(inner)))
                inner.add(entry["key"].lower())
            scope = frozenset(inner)
        for key, value in node.items():
            if key != "cte_map" and isinstance(value, (dict, list)):
                stack.append((value, scope))


def _table_parts(node: dict[str, Any]) -> tuple[str, ...]:
    path = (node.get("qualified_name") or {}).get("path")
    if path:
        return tuple(path)
    return tuple(p for p in (node.get("catalog_name"), node.get("schema_name"), node.get("table_name")) if p)


def _unquote(token: _Token) -> str:
    text = token.text
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1].replace('""', '"')
    return text


def _qualified(tokens: list[_Token], i: int) -> tuple[tuple[str, ...] | None, int]:
    """A dotted name starting at ``tokens[i]``: (parts, index after it), or (None, i)."""
    parts: list[str] = []
    while i < len(tokens) and tokens[i].kind in ("identifier", "keyword"):
        parts.append(_unquote(tokens[i]))
        if i + 1 < len(tokens) and tokens[i + 1].text == "." and len(parts) < 3:
            i += 2
            continue
        return tuple(parts), i + 1
    return None, i


def _skip(tokens: list[_Token], i: int, *words: str) -> int:
    """Index after ``words`` if they follow at ``i``, else ``i``."""
    j = i
    for word in words:
        if j >= len(tokens) or tokens[j].upper != word:
            return i
        j += 1
    return j


def _target_names(tokens: list[_Token]) -> tuple[_Names, _Names, _Names]:
    """The tables a non-SELECT statement acts on: (read, created, changed)."""
    head = tokens[0].upper if tokens else ""
    if head == "CREATE":
        i = _skip(tokens, 1, "OR", "REPLACE")
        if i < len(tokens) and tokens[i].upper in ("TEMP", "TEMPORARY", "PERSISTENT"):
            i += 1
        if i < len(tokens) and tokens[i].upper in ("TABLE", "VIEW"):
            name, _ = _qualified(tokens, _skip(tokens, i + 1, "IF", "NOT", "EXISTS"))
            if name:
                return [], [name], []
        return [], [], []
    if head == "INSERT":
        start = _skip(tokens, _skip(tokens, _skip(tokens, 1, "OR", "REPLACE"), "OR", "IGNORE"), "INTO")
    elif head == "MERGE":
        start = _skip(tokens, 1, "INTO")
    elif head == "DELETE":
        start = _skip(tokens, 1, "FROM")
    elif head in ("UPDATE", "COPY", "PIVOT", "UNPIVOT"):
        start = 1
    elif head in ("ALTER", "DROP", "TRUNCATE"):
        start = _skip(tokens, 1, "TABLE")
        if start == 1:
            start = _skip(tokens, 1, "VIEW")
        if start == 1 and head != "TRUNCATE":
            return [], [], []  # ALTER/DROP of a schema, macro, sequence, ...
        start = _skip(tokens, start, "IF", "EXISTS")
    else:
        return [], [], []
    reads: _Names = []
    changes: _Names = []
    name, after = _qualified(tokens, start)
    if name:
        copies_in = head == "COPY" and after < len(tokens) and tokens[after].upper == "FROM"
        if head in ("PIVOT", "UNPIVOT") or (head == "COPY" and not copies_in):
            reads.append(name)
        else:
            changes.append(name)
    if head in ("DELETE", "MERGE"):
        for j, token in enumerate(tokens):
            if token.upper == "USING":
                source, _ = _qualified(tokens, j + 1)
                if source:
                    reads.append(source)
    return reads, [], changes


def _embedded_reads(text: str, tokens: list[_Token]) -> list[tuple[str, ...]]:
    """Tables read by the queries inside a statement DuckDB cannot serialise."""
    depth_at: list[int] = []
    depth = 0
    for token in tokens:
        if token.text == ")":
            depth -= 1
        depth_at.append(depth)
        if token.text == "(":
            depth += 1
    reads: list[tuple[str, ...]] = []
    covered_until = -1
    for i, token in enumerate(tokens):
        if token.upper not in _QUERY_STARTS or token.start < covered_until:
            continue
        level = depth_at[i]
        end_index = next(
            (
                j
                for j in range(i + 1, len(tokens))
                if depth_at[j] < level or (tokens[j].text == ";" and depth_at[j] == level)
            ),
            len(tokens),
        )
        cuts = [j for j in range(end_index - 1, i, -1) if depth_at[j] == level and tokens[j].kind == "keyword"]
        for stop in [end_index, *cuts[:_MAX_CUTS]]:
            end = tokens[stop].start if stop < len(tokens) else len(text)
            query = text[token.start : end]
            tree = _serialize(query)
            if not tree.get("error"):
                reads.extend(_tree_reads(tree, query))
                covered_until = end
                break
    return reads


# ---------------------------------------------------------------------------
# the analyzer
# ---------------------------------------------------------------------------
def analyze_magic(line: str, body: str | None) -> Analysis:
    """What ``%sql line`` (body None) or ``%%sql line`` + body reads and writes; raises SyntaxError."""
    magic = parse_magic_line(line, body)
    target = frozenset({magic.target}) if magic.target else frozenset()
    if not magic.sql.strip():
        return Analysis(binds=target)
    try:
        parsed = parse_sql(magic.sql)
    except SqlSyntaxError as err:
        if body is None:  # a line magic: only the column is the SQL's own
            raise SqlSyntaxError(err.reason, None, err.offset, err.text, err.detail) from None
        raise
    created = frozenset(name for name, _ in parsed.creates)
    return Analysis(frozenset(parsed.reads), created | target, frozenset(parsed.changes), created)
