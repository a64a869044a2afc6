"""SQL cells in a real reactive kernel: DuckDB over the notebook's DataFrames, in the graph.

One kernel is shared by the module; every test uses its own cell ids and names.
Python cells import pandas under a private alias (``_pd``), which makes no edges.
"""

from __future__ import annotations

import time

TABLE_COUNT = (
    "int(get_ipython().run_line_magic('sql', "
    "\"SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = '{}'\")['n'][0])"
)


def ok(result):
    assert result.content["status"] == "ok", result.content
    return result


def cascade(result) -> list[tuple[str, str]]:
    return [(c["cell_id"], c["status"]) for c in result.reactive["cascade"]]


def execute_result(result) -> dict:
    found = [m["content"]["data"] for m in result.messages if m["msg_type"] == "execute_result"]
    assert len(found) == 1, [m["msg_type"] for m in result.messages]
    return found[0]


def table_exists(kernel, name: str) -> bool:
    return kernel.value(TABLE_COUNT.format(name)) == "1"


def test_python_sql_python_cascade(kernel):
    ok(
        kernel.execute(
            "import pandas as _pd\nsales = _pd.DataFrame({'region': ['n', 'n', 's'], 'amount': [1, 2, 3]})", "cas-df"
        )
    )
    sql = ok(
        kernel.execute(
            "%%sql by_region <<\n"
            "SELECT region, count(*) AS n, sum(amount) AS amount FROM sales GROUP BY region ORDER BY region",
            "cas-sql",
        )
    )
    assert (sql.reactive["reads"], sql.reactive["writes"]) == (["sales"], ["by_region"])
    assert not [m for m in sql.messages if m["msg_type"] in ("execute_result", "display_data")]
    ok(kernel.execute("total = int(by_region['n'].sum())", "cas-total"))
    assert kernel.value("total") == "3"

    changed = ok(
        kernel.execute(
            "import pandas as _pd\nsales = _pd.DataFrame({'region': list('nnssw'), 'amount': range(5)})", "cas-df"
        )
    )
    assert cascade(changed) == [("cas-sql", "ok"), ("cas-total", "ok")]
    assert kernel.value("total") == "5"
    assert kernel.value("by_region['region'].tolist()") == "['n', 's', 'w']"
    assert kernel.value("type(by_region).__name__") == "'DataFrame'"


def test_created_table_feeds_sql_and_is_dropped_before_rerun_and_on_delete(kernel):
    ok(kernel.execute("import pandas as _pd\nitems = _pd.DataFrame({'v': range(10)})", "tbl-df"))
    make = "%%sql\nCREATE TABLE big_items AS SELECT * FROM items WHERE v >= 5"
    made = ok(kernel.execute(make, "tbl-make"))
    assert made.reactive["writes"] == ["big_items"]
    ok(kernel.execute("%%sql n_big <<\nSELECT count(*) AS n FROM big_items", "tbl-read"))
    assert kernel.value("int(n_big['n'][0])") == "5"

    again = ok(kernel.execute(make, "tbl-make"))  # CREATE TABLE again: the old table went first
    assert cascade(again) == [("tbl-read", "ok")]

    upstream = ok(kernel.execute("import pandas as _pd\nitems = _pd.DataFrame({'v': range(20)})", "tbl-df"))
    assert cascade(upstream) == [("tbl-make", "ok"), ("tbl-read", "ok")]
    assert kernel.value("int(n_big['n'][0])") == "15"

    ok(kernel.execute("%%sql\nCREATE TABLE big_items AS SELECT * FROM items WHERE v >= 18", "tbl-make"))
    assert kernel.value("int(n_big['n'][0])") == "2"

    gone = kernel.execute("pass", "tbl-other", deleted=["tbl-make"])
    assert gone.reactive["deleted"] == ["tbl-make"]
    assert cascade(gone) == [("tbl-read", "error")]
    assert not table_exists(kernel, "big_items")
    errors = [m["content"] for m in gone.messages if m["msg_type"] == "error"]
    assert errors and errors[0]["ename"] == "SqlError" and "big_items" in errors[0]["evalue"]


def test_unregistering_drops_views_and_qualified_tables(kernel):
    catalog = (
        "get_ipython().run_line_magic('sql', \"SELECT (SELECT count(*) FROM duckdb_views() WHERE view_name = "
        "'tiny_view') AS views, (SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'stage' "
        "AND table_name = 'Odd Facts') AS tables\").values.tolist()"
    )
    made = ok(
        kernel.execute(
            "%%sql\nCREATE VIEW tiny_view AS SELECT 1 AS one;\nCREATE SCHEMA IF NOT EXISTS stage;\n"
            'CREATE TABLE stage."Odd Facts" AS SELECT 2 AS two',
            "view-make",
        )
    )
    assert made.reactive["writes"] == ["stage.Odd Facts", "tiny_view"]
    assert kernel.value(catalog) == "[[1, 1]]"
    reply = kernel.unregister("view-make")
    assert reply.content["status"] == "ok" and reply.content["deleted"] == ["stage.Odd Facts", "tiny_view"]
    assert kernel.value(catalog) == "[[0, 0]]"


def test_a_table_created_again_below_is_a_redefinition(kernel):
    ok(kernel.execute("%%sql\nCREATE TABLE shared_t AS SELECT 1 AS a", "dup-1"))
    ok(kernel.execute("%%sql first <<\nSELECT a FROM shared_t", "dup-read-1"))
    ok(kernel.execute("%%sql\nCREATE OR REPLACE VIEW shared_t AS SELECT 2 AS a", "dup-2"))
    ok(kernel.execute("%%sql second <<\nSELECT a FROM shared_t", "dup-read-2"))
    assert kernel.value("int(second['a'][0])") == "2"
    changed = ok(kernel.execute("%%sql\nCREATE TABLE shared_t AS SELECT 5 AS a", "dup-1"))
    assert cascade(changed)[:1] == [("dup-read-1", "ok")]
    assert kernel.value("int(first['a'][0])") == "5" and kernel.value("int(second['a'][0])") == "2"


def test_strict_mode_refuses_a_second_creator(kernel):
    ok(kernel.execute("%reactive strict", "strict-on"))
    try:
        ok(kernel.execute("%%sql\nCREATE TABLE strict_t AS SELECT 1 AS a", "st-1"))
        refused = kernel.execute("%%sql\nCREATE OR REPLACE VIEW strict_t AS SELECT 2 AS a", "st-2")
        assert refused.content["ename"] == "MultipleDefinitionError"
        assert (refused.content["name"], refused.content["owner"]) == ("strict_t", "st-1")
        assert refused.reactive["status"] == "blocked"
        python = kernel.execute("strict_t = 3", "st-py")
        assert python.content["ename"] == "MultipleDefinitionError" and python.content["owner"] == "st-1"
    finally:
        ok(kernel.execute("%reactive allow", "strict-on"))


def test_sql_and_python_cycle_is_refused(kernel):
    ok(kernel.execute("%%sql loop_out <<\nSELECT 1 AS a", "cyc-sql"))
    ok(kernel.execute("import pandas as _pd\nloop_in = _pd.DataFrame({'a': [len(loop_out)]})", "cyc-py"))
    refused = kernel.execute("%%sql loop_out <<\nSELECT * FROM loop_in", "cyc-sql")
    assert refused.content["ename"] == "CycleError"
    assert refused.content["cycle"] == [["cyc-sql", "loop_out"], ["cyc-py", "loop_in"]]


def test_parameters_are_values_never_sql(kernel):
    hostile = "x' OR '1'='1"
    ok(
        kernel.execute(
            f"import pandas as _pd\npeople = _pd.DataFrame({{'name': ['alice', {hostile!r}, 'bob']}})", "par-df"
        )
    )
    ok(kernel.execute(f"who = {hostile!r}", "par-who"))
    sql = ok(kernel.execute("%%sql matches <<\nSELECT name FROM people WHERE name = {who}", "par-sql"))
    assert sql.reactive["reads"] == ["people", "who"]
    assert kernel.value("matches['name'].tolist()") == repr([hostile])

    dropper = "'; DROP TABLE people; --"
    changed = ok(kernel.execute(f"who = {dropper!r}", "par-who"))
    assert ("par-sql", "ok") in cascade(changed)
    assert kernel.value("len(matches)") == "0"

    # In a line magic IPython would expand {who} itself; the magic must get it unexpanded.
    line = ok(
        kernel.execute(
            "others = %sql SELECT count(*) AS n FROM people WHERE name <> {who}\nn_others = int(others['n'][0])",
            "par-line",
        )
    )
    assert {"people", "who"} <= set(line.reactive["reads"])
    assert line.reactive["writes"] == ["n_others", "others"]
    assert kernel.value("n_others") == "3"


def test_line_magic_in_a_python_cell_makes_edges(kernel):
    ok(kernel.execute("import pandas as _pd\nnums = _pd.DataFrame({'v': range(10)})", "line-df"))
    ok(kernel.execute("cut = 6", "line-cut"))
    ok(
        kernel.execute(
            "above = %sql SELECT count(*) AS n FROM nums WHERE v > {cut}\nn_above = int(above['n'][0])", "line-use"
        )
    )
    assert kernel.value("n_above") == "3"
    changed = ok(kernel.execute("cut = 2", "line-cut"))
    assert cascade(changed) == [("line-use", "ok")]
    assert kernel.value("n_above") == "7"


def test_bad_sql_is_a_short_error_and_leaves_the_graph_alone(kernel):
    ok(kernel.execute("import pandas as _pd\nbase = _pd.DataFrame({'a': [1, 2]})", "bad-df"))
    ok(kernel.execute("%%sql bad_out <<\nSELECT a FROM base", "bad-sql"))

    broken = kernel.execute("%%sql bad_out <<\nSELEC a FROM base", "bad-sql")
    content = broken.content
    assert (content["status"], content["ename"]) == ("error", "SqlError")
    assert 'syntax error at or near "SELEC"' in content["evalue"]
    text = "\n".join(content["traceback"])
    assert "LINE 2: SELEC a FROM base" in text
    assert "File " not in text and "Traceback" not in text and len(content["traceback"]) <= 6
    # As in a top-to-bottom run, the broken cell binds nothing; fixed, it binds again.
    assert kernel.value("len(bad_out)") == "<NameError>"
    fixed = ok(kernel.execute("%%sql bad_out <<\nSELECT a FROM base", "bad-sql"))
    assert fixed.reactive["writes"] == ["bad_out"]
    rerun = ok(kernel.execute("import pandas as _pd\nbase = _pd.DataFrame({'a': [1, 2, 3]})", "bad-df"))
    assert cascade(rerun) == [("bad-sql", "ok")]
    assert kernel.value("len(bad_out)") == "3"

    refused = kernel.register("bad-reg", "%%sql\nSELECT a\nFRM base")
    assert refused["status"] == "error" and refused["ename"] == "SyntaxError"
    assert refused["lineno"] == 3 and refused["evalue"] == 'SQL syntax error at or near "base" (line 3, column 5)'
    unknown = kernel.unregister("bad-reg")
    assert unknown.content["ename"] == "UnknownCell"

    binder = kernel.execute("%%sql\nSELECT a,\n       nope FROM base", "bad-bind")
    assert binder.content["ename"] == "SqlError"
    assert binder.content["evalue"].startswith('Binder Error: Referenced column "nope" not found')
    lines = binder.content["traceback"]
    caret = lines.index("LINE 3:        nope FROM base")
    assert lines[caret + 1].index("^") == lines[caret].index("nope")

    catalog = kernel.execute("%%sql\nSELECT * FROM no_such_table", "bad-cat")
    assert catalog.content["ename"] == "SqlError" and "no_such_table" in catalog.content["evalue"]

    multi = kernel.execute("%%sql\nSELECT 1;\nSELECT 2;\nSELECT * FROM base WHERE b > 0", "bad-multi")
    assert "(in statement 3 of 3)" in multi.content["traceback"]
    assert any(line.startswith("LINE 4: ") for line in multi.content["traceback"])

    missing = kernel.execute("%%sql\nSELECT * FROM base WHERE a > {undefined_cut}", "bad-param")
    assert missing.content["ename"] == "SqlError" and "undefined_cut" in missing.content["evalue"]

    assert kernel.value("1 + 1") == "2"


def test_polars_and_arrow_tables_by_name_and_result_types(kernel):
    ok(
        kernel.execute(
            "import pandas as _pd, polars as _pl, pyarrow as _pa\n"
            "pd_part = _pd.DataFrame({'a': [1, 2]})\npl_part = _pl.DataFrame({'a': [3]})\npa_part = _pa.table({'a': [4, 5]})",
            "res-data",
        )
    )
    combined = "%%sql res_value <<\nSELECT * FROM pd_part UNION ALL SELECT * FROM pl_part UNION ALL SELECT * FROM pa_part ORDER BY a"
    expected = {"pandas": "'pandas'", "polars": "'polars'", "arrow": "'pyarrow'", "relation": "'duckdb'"}
    for kind, module in expected.items():
        ok(kernel.execute(f"%config ReactiveKernel.sql_result = '{kind}'", f"res-cfg-{kind}"))
        ok(kernel.execute(combined, "res-get"))
        assert kernel.value("type(res_value).__module__.split('.')[0]") == module, kind
        shown = execute_result(ok(kernel.execute("%%sql\nSELECT * FROM pa_part ORDER BY a", "res-show")))
        assert "<td>5</td>" in shown["text/html"] and "2 rows" in shown["text/plain"], kind
    ok(kernel.execute("%config ReactiveKernel.sql_result = 'pandas'", "res-cfg-back"))
    ok(kernel.execute(combined, "res-get"))
    assert kernel.value("res_value['a'].tolist()") == "[1, 2, 3, 4, 5]"


def test_display_shows_only_the_row_limit(kernel):
    default = execute_result(ok(kernel.execute("%%sql\nSELECT range AS i FROM range(250)", "disp-default")))
    assert default["text/html"].count("<tr>") == 1 + 100
    assert "100 of 250 rows shown" in default["text/html"]
    assert "100 of 250 rows shown" in default["text/plain"]

    ok(kernel.execute("%config ReactiveKernel.sql_display_limit = 5", "disp-limit"))
    try:
        big = execute_result(
            ok(
                kernel.execute(
                    "%%sql\nSELECT range AS i, range * 3 AS triple FROM range(10000000)", "disp-big", timeout=240
                )
            )
        )
    finally:
        ok(kernel.execute("%config ReactiveKernel.sql_display_limit = 100", "disp-limit"))
    html = big["text/html"]
    assert html.count("<tr>") == 6 and "<td>4</td><td>12</td>" in html and "<td>15</td>" not in html
    assert "5 of 10,000,000 rows shown" in html
    plain = big["text/plain"].splitlines()
    assert plain[0].split() == ["i", "triple"] and plain[-1] == "5 of 10,000,000 rows shown"
    assert len(plain) == 2 + 5 + 1


def test_duckdb_loads_on_first_query_and_connections_switch(fresh_kernel, tmp_path):
    k = fresh_kernel
    assert k.value("'duckdb' in __import__('sys').modules") == "False"
    ok(k.execute("%%sql\nSELECT 1 AS one", "conn-first"))
    assert k.value("'duckdb' in __import__('sys').modules") == "True"

    url = f"duckdb:///{tmp_path / 'demo.db'}"
    ok(k.execute(f"%sql {url}", "conn-file"))
    ok(k.execute("%%sql\nCREATE TABLE kept AS SELECT 42 AS answer", "conn-make"))
    ok(k.execute("%sql duckdb://", "conn-mem"))
    missing = k.execute("%%sql\nSELECT * FROM kept", "conn-miss")
    assert missing.content["ename"] == "SqlError" and "kept" in missing.content["evalue"]
    ok(k.execute(f"%%sql {url} kept_rows <<\nSELECT answer FROM kept", "conn-read"))
    assert k.value("int(kept_rows['answer'][0])") == "42"


def test_interrupting_a_long_query_stops_it_with_a_one_line_error(kernel):
    for _attempt in range(2):
        msg = kernel.execute_msg(
            "print('started', flush=True)\n"
            "endless = %sql SELECT count(*) AS n FROM range(100000000000) r WHERE r % 7 = 3",
            "intr",
        )
        msg_id = msg["header"]["msg_id"]
        while True:
            seen = kernel.kc.get_iopub_msg(timeout=60)
            if seen["parent_header"].get("msg_id") == msg_id and seen["msg_type"] == "stream":
                break
        time.sleep(1.0)  # the query is running now
        kernel.km.interrupt_kernel()
        result = kernel.wait(msg, timeout=120)
        assert result.content["ename"] == "KeyboardInterrupt", result.content
        assert result.content["traceback"] == ["\x1b[0;31mKeyboardInterrupt\x1b[0m: the query was interrupted"]
    assert kernel.value("'endless' in dir()") == "False"
    assert kernel.value("1 + 1") == "2"
