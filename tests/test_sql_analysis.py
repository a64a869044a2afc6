"""What SQL cells read and write, from DuckDB's own tokenizer and parser (no kernel)."""

from __future__ import annotations

import keyword
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reactive_kernel.core.analysis import CellAnalyzer
from reactive_kernel.core.graph import Cell, CycleError, DependencyGraph, MultipleDefinitionError
from reactive_kernel.core.sql_analysis import (
    SqlSyntaxError,
    _bind_parameters,
    analyze_magic,
    parse_connection,
    parse_magic_line,
    parse_sql,
    relation_name,
)


def reads(sql: str) -> set[str]:
    return set(parse_sql(sql).reads)


def creates(sql: str) -> set[str]:
    return {name for name, _ in parse_sql(sql).creates}


# -- the magic line -----------------------------------------------------------
def test_cell_magic_line_binds_a_name_and_keeps_cell_line_numbers():
    magic = parse_magic_line("agg <<", "SELECT 1\nFROM df")
    assert magic.connection is None and magic.target == "agg"
    assert magic.sql.split("\n") == ["", "SELECT 1", "FROM df"]


def test_line_magic_with_target_and_query():
    magic = parse_magic_line(" rows<<SELECT * FROM df")
    assert (magic.target, magic.sql) == ("rows", "SELECT * FROM df")


def test_connection_strings_are_recognised():
    assert parse_magic_line("duckdb://").connection == "duckdb://"
    magic = parse_magic_line("duckdb:///data/x.db out << SELECT 2")
    assert (magic.connection, magic.target, magic.sql) == ("duckdb:///data/x.db", "out", "SELECT 2")


def test_sql_that_starts_with_a_comment_or_shift_is_not_a_target():
    assert parse_magic_line("-- a << b", "SELECT 1").target is None
    assert parse_magic_line("SELECT 1 << 2").target is None


@pytest.mark.parametrize("line", ["1x << SELECT 1", "a.b << SELECT 1", "class << SELECT 1"])
def test_bad_targets_are_syntax_errors(line):
    with pytest.raises(SyntaxError, match="cannot bind a result"):
        parse_magic_line(line)


def test_other_databases_are_refused_with_a_clear_message():
    with pytest.raises(SyntaxError, match="only duckdb://"):
        parse_magic_line("postgresql://u@h/db", "SELECT 1")


def test_parse_connection():
    assert parse_connection("duckdb://") == (":memory:", {})
    assert parse_connection("duckdb:///:memory:") == (":memory:", {})
    assert parse_connection("duckdb:///rel/x.db") == ("rel/x.db", {})
    assert parse_connection("duckdb:////abs/x.db?access_mode=read_only") == ("/abs/x.db", {"access_mode": "read_only"})
    with pytest.raises(SyntaxError):
        parse_connection("duckdb://host/x.db")


# -- parameters ---------------------------------------------------------------
def test_parameters_become_dollar_parameters_at_the_same_positions():
    text = "SELECT * FROM df WHERE a > {threshold} AND b = { name } AND c = {threshold}"
    rewritten, names = _bind_parameters(text)
    assert names == ("threshold", "name")
    assert len(rewritten) == len(text)
    assert rewritten == "SELECT * FROM df WHERE a > $threshold  AND b = $name    AND c = $threshold "
    assert parse_sql(text).statements[0].params == ("threshold", "name")


def test_braces_in_strings_comments_and_structs_are_left_alone():
    text = "SELECT '{x}' AS s, {'k': 1} AS st, {y} AS p -- {z}\n"
    rewritten, names = _bind_parameters(text)
    assert names == ("y",)
    assert "'{x}'" in rewritten and "-- {z}" in rewritten and "{'k': 1}" in rewritten


def test_sql_keywords_may_name_parameters_but_python_keywords_cannot():
    assert _bind_parameters("SELECT {limit}")[1] == ("limit",)
    assert _bind_parameters("SELECT {from}")[1] == ()


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    value=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30),
    name=st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
)
def test_parameter_rewriting_only_touches_the_placeholders(value, name):
    literal = "'" + value.replace("'", "''") + "'"
    text = f"SELECT {literal} AS s, {{{name}}} AS p"
    rewritten, names = _bind_parameters(text)
    if keyword.iskeyword(name):
        assert (rewritten, names) == (text, ())
    else:
        assert rewritten.startswith(f"SELECT {literal} AS s, ${name}")
        assert len(rewritten) == len(text)
        assert names == (name,)


def test_parameters_are_reads():
    assert reads("SELECT * FROM df WHERE a > {cut}") == {"df", "cut"}


# -- reads ----------------------------------------------------------------------
def test_joins_and_subqueries():
    sql = """
        SELECT o.id, c.name
        FROM orders o
        JOIN customers c ON o.cid = c.id
        LEFT JOIN LATERAL (SELECT * FROM items i WHERE i.oid = o.id) x ON true
        WHERE o.total > (SELECT avg(total) FROM orders)
          AND c.id IN (SELECT cid FROM vip)
          AND EXISTS (SELECT 1 FROM flags f WHERE f.cid = c.id)
    """
    assert reads(sql) == {"orders", "customers", "items", "vip", "flags"}


def test_cte_names_are_not_reads():
    sql = "WITH big AS (SELECT * FROM df WHERE a > 5), top AS (SELECT * FROM big) SELECT * FROM top JOIN big USING (a)"
    assert reads(sql) == {"df"}


def test_a_cte_that_shadows_a_table_reads_the_table_in_its_own_body():
    assert reads("WITH df AS (SELECT * FROM df WHERE a > 1) SELECT * FROM df") == {"df"}
    assert reads("WITH x AS (SELECT 1) SELECT * FROM (WITH y AS (SELECT * FROM x) SELECT * FROM y, z)") == {"z"}


def test_cte_scope_ends_with_its_query():
    assert reads("SELECT * FROM (WITH c AS (SELECT 1) SELECT * FROM c) JOIN c USING (a)") == {"c"}


def test_recursive_cte_is_not_a_read():
    sql = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r"
    assert reads(sql) == set()


def test_cte_names_match_without_case():
    assert reads("WITH Big AS (SELECT 1) SELECT * FROM BIG") == set()


def test_files_and_table_functions_are_not_reads():
    sql = "SELECT * FROM read_csv('data.csv') JOIN 'other.parquet' USING (k) JOIN range(3) r ON true JOIN df USING (k)"
    assert reads(sql) == {"df"}


def test_qualified_names():
    assert reads('SELECT * FROM main.a, memory.main.b, s.c, db.s.d, "Odd Name"') == {
        "a",
        "b",
        "s.c",
        "db.s.d",
        "Odd Name",
    }
    assert relation_name(("t",)) == "t"
    assert relation_name(("main", "t")) == "t"
    assert relation_name(("memory", "main", "t")) == "t"
    assert relation_name(("other", "main", "t")) == "other.main.t"


def test_show_statements():
    assert reads("DESCRIBE df") == {"df"}
    assert reads("SUMMARIZE df") == {"df"}
    assert reads("SHOW TABLES") == set()
    assert reads("FROM df SELECT a") == {"df"}
    assert reads("TABLE df") == {"df"}


def changes(sql: str) -> set[str]:
    return set(parse_sql(sql).changes)


def test_statements_that_change_a_table_change_it():
    assert (reads("INSERT INTO t SELECT * FROM u"), changes("INSERT INTO t SELECT * FROM u")) == ({"u"}, {"t"})
    assert changes("INSERT OR REPLACE INTO t VALUES (1)") == {"t"}
    assert reads("INSERT INTO t SELECT * FROM u ON CONFLICT DO NOTHING RETURNING *") == {"u"}
    assert (reads("UPDATE t SET a = 1 FROM u WHERE t.id = u.id"), changes("UPDATE t SET a = 1")) == ({"u"}, {"t"})
    assert reads("DELETE FROM t WHERE id IN (SELECT id FROM gone)") == {"gone"}
    assert (reads("DELETE FROM t USING u WHERE t.id = u.id"), changes("DELETE FROM t")) == ({"u"}, {"t"})
    assert (reads("COPY t TO 'out.csv'"), changes("COPY t TO 'out.csv'")) == ({"t"}, set())
    assert (reads("COPY t FROM 'in.csv'"), changes("COPY t FROM 'in.csv'")) == (set(), {"t"})
    assert reads("COPY (SELECT * FROM df) TO 'out.parquet' (FORMAT parquet)") == {"df"}
    assert changes("DROP TABLE IF EXISTS t") == {"t"}
    assert changes("ALTER TABLE t ADD COLUMN b INT") == {"t"}
    assert reads("PIVOT df ON k USING sum(v)") == {"df"}
    assert reads("EXPLAIN SELECT * FROM df") == {"df"}


def test_statements_that_name_no_table():
    for sql in ("SET threads = 2", "CREATE SCHEMA s", "CREATE MACRO f(x) AS x + 1", "DROP SCHEMA s", "SELECT 42"):
        assert reads(sql) == set() and creates(sql) == set(), sql


# -- creates ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sql, name",
    [
        ("CREATE TABLE t AS SELECT * FROM df", "t"),
        ("CREATE OR REPLACE TABLE t AS FROM df", "t"),
        ("CREATE TEMP TABLE t AS SELECT * FROM df", "t"),
        ("CREATE TEMPORARY VIEW t AS SELECT * FROM df", "t"),
        ("create or replace view t as select * from df", "t"),
        ("CREATE TABLE IF NOT EXISTS t AS (SELECT * FROM df)", "t"),
        ("CREATE VIEW main.t AS WITH c AS (SELECT * FROM df) SELECT * FROM c", "t"),
        ('CREATE TABLE "My Table" AS SELECT * FROM df', "My Table"),
        ("CREATE TABLE s.t AS SELECT * FROM df", "s.t"),
    ],
)
def test_created_relations(sql, name):
    parsed = parse_sql(sql)
    assert [n for n, _ in parsed.creates] == [name]
    assert set(parsed.reads) == {"df"}


def test_create_table_with_columns_reads_nothing():
    assert creates("CREATE TABLE t (a INT, b VARCHAR)") == {"t"}
    assert reads("CREATE TABLE t (a INT, b VARCHAR)") == set()


def test_multiple_statements_read_what_earlier_ones_did_not_create():
    sql = """
        CREATE TABLE clean AS SELECT * FROM raw WHERE ok;
        CREATE VIEW summary AS SELECT k, count(*) FROM clean GROUP BY k;
        SELECT * FROM summary JOIN labels USING (k);
    """
    parsed = parse_sql(sql)
    assert set(parsed.reads) == {"raw", "labels"}
    assert [n for n, _ in parsed.creates] == ["clean", "summary"]
    assert [(s.kind, s.line, s.returns_rows) for s in parsed.statements] == [
        ("CREATE", 2, False),
        ("CREATE", 3, False),
        ("SELECT", 4, True),
    ]


def test_replacing_a_table_from_itself_reads_it():
    assert reads("CREATE OR REPLACE TABLE t AS SELECT * FROM t WHERE a > 0") == {"t"}


# -- the analyzer -------------------------------------------------------------------
def test_analysis_of_a_cell_magic():
    analysis = analyze_magic("agg <<", "CREATE TABLE t AS SELECT * FROM df;\nSELECT k, count(*) AS n FROM t GROUP BY k")
    assert analysis.reads == {"df"}
    assert analysis.writes == {"agg", "t"}
    assert analysis.relations == {"t"}
    assert not analysis.dynamic


def test_a_connection_switch_alone_reads_and_writes_nothing():
    analysis = analyze_magic("duckdb://", None)
    assert (analysis.reads, analysis.writes) == (frozenset(), frozenset())


def test_syntax_errors_are_short_and_placed():
    with pytest.raises(SyntaxError) as caught:
        analyze_magic("", "SELECT a\nFRM df")
    err = caught.value
    assert isinstance(err, SqlSyntaxError)
    assert str(err) == 'SQL syntax error at or near "df" (line 3, column 5)'
    assert (err.lineno, err.offset, err.text) == (3, 5, "FRM df")
    assert "LINE 3" in err.detail


def test_line_magic_syntax_errors_give_only_the_column():
    with pytest.raises(SyntaxError) as caught:
        analyze_magic("SELEC 1", None)
    assert str(caught.value) == 'SQL syntax error at or near "SELEC" (column 1)'
    assert caught.value.lineno is None


def test_sql_magics_route_through_the_cell_analyzer():
    analyzer = CellAnalyzer()
    analyzer.cell_magics["sql"] = analyze_magic
    analyzer.line_magics["sql"] = analyze_magic
    cell = analyzer.analyze_python("get_ipython().run_cell_magic('sql', 'agg <<', 'SELECT k FROM df WHERE v > {cut}')")
    assert (cell.reads, cell.writes, cell.relations) == ({"df", "cut"}, {"agg"}, frozenset())
    line = analyzer.analyze_python(
        "n = 3\nrows = get_ipython().run_line_magic('sql', 'SELECT * FROM t WHERE a > {n}')\nprint(rows)"
    )
    assert line.reads == {"t", "print"} and line.writes == {"n", "rows"}
    created = analyzer.analyze_python("get_ipython().run_cell_magic('sql', '', 'CREATE VIEW v AS SELECT 1')")
    assert created.writes == {"v"} and created.relations == {"v"}
    with pytest.raises(SyntaxError):
        analyzer.analyze_python("get_ipython().run_cell_magic('sql', '', 'SELEC 1')")


def test_graph_edges_conflicts_and_cycles_between_python_and_sql():
    def node(cid, analysis):
        return Cell(cid, analysis.reads, analysis.binds, analysis.changes)

    graph = DependencyGraph(strict=True)
    make = analyze_magic("", "CREATE TABLE t AS SELECT * FROM df WHERE a > {cap}")
    use = analyze_magic("agg <<", "SELECT count(*) AS n FROM t")
    graph.register(Cell("py", frozenset({"pd"}), frozenset({"df", "cap"})), 0.0)
    graph.register(node("make", make), 1.0)
    graph.register(node("use", use), 2.0)
    assert graph.descendants(["py"]) == ["py", "make", "use"]

    twin = analyze_magic("", "CREATE OR REPLACE TABLE t AS SELECT 2")
    with pytest.raises(MultipleDefinitionError) as conflict:
        graph.register(node("twin", twin), 3.0)
    assert (conflict.value.name, conflict.value.owner) == ("t", "make")

    insert = analyze_magic("", "INSERT INTO t SELECT 3")
    graph.register(node("insert", insert), 1.5)  # changes are not definitions
    assert graph.source("use", "t") == "insert" and graph.source("insert", "t") == "make"

    with pytest.raises(CycleError) as cycle:
        graph.register(Cell("py", frozenset({"pd", "agg"}), frozenset({"df", "cap"})), 0.0)  # cap = agg['n'][0]
    assert cycle.value.cycle == [("py", "cap"), ("make", "t"), ("insert", "t"), ("use", "agg")]
    graph.verify()


def test_importing_the_sql_modules_does_not_import_duckdb():
    code = (
        "import sys, reactive_kernel.core.sql_analysis, reactive_kernel.sql.magic\n"
        "heavy = {'duckdb', 'pandas', 'polars', 'pyarrow'} & set(sys.modules)\n"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_positions_count_characters_not_bytes():
    assert reads("SELECT 'ééé' AS s FROM 'x.csv' JOIN df USING (s)") == {"df"}
    assert _bind_parameters("SELECT 'ü', {x}") == ("SELECT 'ü', $x ", ("x",))
    with pytest.raises(SyntaxError) as caught:
        analyze_magic("", "SELECT 'ééé' FRM df")
    assert (caught.value.lineno, caught.value.offset) == (2, 18)
