"""The oracle: every corpus scenario under the reactive kernel against a fresh stock run, and the judge itself.

``test_reactive_matches_fresh_run`` is the contract of docs/semantics.md on
the corpus in ``tests/oracle/corpus``: after Run All and one edited cell, every
cell's output area and every name's value equal a fresh top-to-bottom run of
the edited notebook in stock ipykernel.
"""

from __future__ import annotations

import pytest
from oracle import (
    KernelPool,
    NotebookState,
    OutputAreas,
    changed_cells,
    compare,
    judge,
    normalise,
    notebook,
    reactive_cells_run,
    run_fresh,
    run_original,
)
from oracle.corpus import BY_NAME, KNOWN_DIFFERENCES, REALISTIC, SCENARIOS, SMALL
from oracle.frontend import Frontend


@pytest.fixture(scope="module")
def pool():
    with KernelPool(ahead=1) as p:
        yield p


# -- the corpus ---------------------------------------------------------------


def _with_known_differences(scenarios):
    """Scenarios, those the kernel gets wrong by design marked as strict expected failures."""
    return [
        pytest.param(s, marks=pytest.mark.xfail(strict=True, reason=KNOWN_DIFFERENCES[s.name]))
        if s.name in KNOWN_DIFFERENCES
        else s
        for s in scenarios
    ]


@pytest.mark.parametrize("scenario", _with_known_differences(SCENARIOS), ids=lambda s: s.name)
def test_reactive_matches_fresh_run(scenario, pool):
    verdict = judge(scenario, "reactive", pool)
    assert verdict.right, verdict.describe(scenario)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_original_notebook_runs_clean_in_stock_ipykernel(scenario, pool):
    state, replies = run_original(scenario, pool)
    assert [r["content"]["status"] for r in replies] == ["ok"] * len(scenario.cells)
    noisy = {cid: out for cid, out in state.outputs.items() if any(o.startswith(("error:", "stderr:")) for o in out)}
    assert not noisy


def test_corpus_is_large_and_varied():
    kinds = {k for s in SCENARIOS for k in s.kinds}
    assert len(SCENARIOS) >= 60
    for kind in (
        "int",
        "str",
        "list",
        "dict",
        "set",
        "redefinition",
        "augassign",
        "alias",
        "copy",
        "swap",
        "nested",
        "function-mutates",
        "method-mutates",
        "attribute",
        "loop",
        "generator",
        "pandas-inplace",
        "numpy-inplace",
        "file",
        "matplotlib",
        "insert",
        "import",
    ):
        assert kind in kinds, kind
    for edit in ("edit:constant", "edit:mutation", "edit:remove", "edit:add-mutation", "edit:look"):
        assert edit in kinds, edit
    assert all(4 <= len(s.cells) <= 10 for s in SMALL)


def test_realistic_notebooks_are_long_and_edited_everywhere():
    assert len(REALISTIC) >= 40
    assert all(10 <= len(s.cells) <= 25 for s in REALISTIC)
    kinds = [k for s in REALISTIC for k in s.kinds]
    for content in ("python", "pandas", "numpy", "file", "matplotlib"):
        assert kinds.count(content) >= 5, content
    for where in ("top", "cleaning", "section", "plot", "look", "helper", "later-constant", "config"):
        assert f"where:{where}" in kinds, where
    assert all(sum(k.startswith("where:") for k in s.kinds) == 1 for s in REALISTIC)


# -- the judge can fail, and can pass ---------------------------------------


def test_judge_reports_stale_in_place_change_as_wrong(pool):
    scenario = BY_NAME["list-pop-index"]
    verdict = judge(scenario, "stock-edited-only", pool)
    assert not verdict.right
    assert verdict.cells_run == 1
    where = {m.where: m for m in verdict.mismatches}
    assert where["cell c2"].expected == ["result: 30"]
    assert where["cell c2"].got == ["error: IndexError: pop index out of range"]
    assert where["name ll"].expected == "[10, 20]"


def test_judge_reports_missed_alias_as_wrong_and_rerun_all_as_right(pool):
    scenario = BY_NAME["alias-append"]
    stale = judge(scenario, "stock-edited-only", pool)
    assert not stale.right
    assert "name a" in {m.where for m in stale.mismatches}
    rerun = judge(scenario, "stock-rerun-all", pool)
    assert rerun.right, rerun.describe(scenario)
    assert rerun.cells_run == len(scenario.cells)


def test_run_all_stops_at_an_error_as_jupyterlab_does(pool):
    kernel = pool.take("python3")
    try:
        front = Frontend(kernel)
        replies = front.run_all([("a", "print('one')"), ("b", "1 / 0"), ("c", "print('three')")])
        assert [r["content"]["status"] for r in replies] == ["ok", "error", "aborted"]
        front.quiet()
        assert front.shown(["a", "b", "c"]) == {
            "a": ["stdout: one\n"],
            "b": ["error: ZeroDivisionError: division by zero"],
            "c": [],
        }
    finally:
        kernel.shutdown()


def test_name_snapshot_reads_user_names_only_and_defines_nothing(pool):
    kernel = pool.take("python3")
    try:
        front = Frontend(kernel)
        front.run_all(
            [
                ("a", "import os\nclass Box:\n    pass\nb = Box()\nb.items = {'y', 'x'}\n_private = 1"),
                ("b", "def gen():\n    yield 1\n    yield 2\ng = gen()\nnext(g)\nf = lambda: 0\nholder = [object()]"),
            ]
        )
        first = front.names()
        assert first == front.names()
    finally:
        kernel.shutdown()
    assert set(first) == {"Box", "b", "gen", "g", "f", "holder"}
    assert first["b"] == "Box({'items': set{'x', 'y'}})"
    assert first["g"] == "<generator gen GEN_SUSPENDED {}>"
    assert first["holder"] == "[<object object at 0x?>]"


def test_policy_counts_cells_run_after_the_edit(pool):
    scenario = notebook("tiny", "int", ["x = 1", "y = x + 1", "print(y)", "z = 3"], edit=(1, "x = 2"))
    assert judge(scenario, "stock-rerun-all", pool).cells_run == 4
    assert judge(scenario, "stock-edited-only", pool).cells_run == 1


# -- output areas on hand-made message sequences -----------------------------


def _msg(msg_type: str, parent: str, msg_metadata: dict | None = None, **content) -> dict:
    return {
        "msg_type": msg_type,
        "parent_header": {"msg_id": parent},
        "metadata": msg_metadata or {},
        "content": content,
    }


def _display(
    parent: str, text: str, display_id: str | None = None, msg_type: str = "display_data", tag: dict | None = None, **kw
) -> dict:
    transient = {"display_id": display_id} if display_id else {}
    return _msg(
        msg_type,
        parent,
        {"reactive": tag} if tag else None,
        data={"text/plain": text, "image/png": "iVBOR"},
        metadata={},
        transient=transient,
        **kw,
    )


def test_area_merges_streams_and_clears_with_wait_at_the_next_output():
    areas = OutputAreas()
    areas.start("c1", "r1")
    areas.feed(_msg("stream", "r1", name="stdout", text="a"))
    areas.feed(_msg("stream", "r1", name="stdout", text="b\n"))
    areas.feed(_msg("stream", "r1", name="stderr", text="warn\n"))
    assert areas.shown("c1") == ["stdout: ab\n", "stderr: warn\n"]
    areas.feed(_msg("clear_output", "r1", wait=True))
    assert areas.shown("c1") == ["stdout: ab\n", "stderr: warn\n"]
    areas.feed(_msg("stream", "r1", name="stdout", text="c\n"))
    assert areas.shown("c1") == ["stdout: c\n"]
    areas.feed(_msg("clear_output", "r1", wait=False))
    assert areas.shown("c1") == []


def test_area_shows_only_its_latest_request():
    areas = OutputAreas()
    areas.start("c1", "r1")
    areas.start("c2", "r2")
    areas.feed(_msg("stream", "r1", name="stdout", text="old\n"))
    areas.start("c1", "r3")
    areas.feed(_msg("stream", "r1", name="stdout", text="late\n"))
    areas.feed(_msg("execute_result", "r3", data={"text/plain": "3"}, metadata={}, execution_count=3))
    areas.feed(_msg("error", "r2", ename="ValueError", evalue="bad", traceback=[]))
    areas.feed(_msg("stream", "unknown", name="stdout", text="nobody\n"))
    assert areas.shown("c1") == ["result: 3"]
    assert areas.shown("c2") == ["error: ValueError: bad"]


def test_update_display_data_updates_every_cell_that_displayed_it():
    areas = OutputAreas()
    areas.start("c1", "r1")
    areas.feed(_display("r1", "v1", "d"))
    areas.feed(_display("r1", "result", "d", msg_type="execute_result", execution_count=1))
    assert areas.shown("c1") == ["display: result", "result: result"]
    areas.start("c2", "r2")
    areas.feed(_display("r2", "v2", "d"))
    assert areas.shown("c1") == ["display: v2", "result: result"]
    assert areas.shown("c2") == ["display: v2"]
    areas.start("c3", "r3")
    areas.feed(_display("r3", "v3", "d", msg_type="update_display_data"))
    assert areas.shown("c1") == ["display: v3", "result: result"]
    assert areas.shown("c2") == ["display: v3"]
    assert areas.shown("c3") == []
    areas.start("c1", "r4")
    areas.feed(_display("r3", "v4", "d", msg_type="update_display_data"))
    assert areas.shown("c1") == []
    assert areas.shown("c2") == ["display: v4"]


def test_kernel_annotations_are_left_out_and_tagged_outputs_kept():
    areas = OutputAreas()
    areas.start("c1", "r1")
    for kind in ("heading", "notice", "summary", "progress"):
        areas.feed(_display("r1", f"── {kind} ──", tag={"kind": kind, "cell_id": "c9"}))
    in_content = _display("r1", "in content only")
    in_content["content"]["metadata"] = {"reactive": {"kind": "notice"}}
    areas.feed(in_content)
    areas.feed(_msg("stream", "r1", {"reactive": {"kind": "output", "cell_id": "c1"}}, name="stdout", text="x\n"))
    assert areas.shown("c1") == ["stdout: x\n"]


def test_normalise_replaces_addresses_only():
    assert normalise("<Foo object at 0x7f3a9c>, [<Line2D at 0xDEADbeef>]") == "<Foo object at 0x?>, [<Line2D at 0x?>]"
    assert normalise("Figure(640x480) 0x") == "Figure(640x480) 0x"


def test_compare_lists_cells_then_names():
    expected = NotebookState({"c1": ["result: 1"], "c2": []}, {"x": "1", "y": "2"})
    got = NotebookState({"c1": ["result: 2"], "c2": []}, {"x": "1", "z": "3"})
    assert [(m.where, m.expected, m.got) for m in compare(expected, got)] == [
        ("cell c1", ["result: 1"], ["result: 2"]),
        ("name y", "2", "<unbound>"),
        ("name z", "<unbound>", "3"),
    ]
    assert compare(expected, expected) == []


# -- cells run, as the reactive kernel's reply reports them --------------------


def _reply(report: dict | None) -> dict:
    return {"content": {"status": "ok"}, "metadata": {"reactive": report} if report is not None else {}}


def _entry(cell_id: str, status: str, reason: str | None = None) -> dict:
    entry = {"cell_id": cell_id, "status": status, "msg_id": "m", "label": ""}
    if reason is not None:
        entry["reason"] = reason
    return entry


def test_reactive_count_is_the_cell_and_its_cascade_runs():
    cascade = [
        _entry("a", "ok", "restore"),
        _entry("b", "error", "raised ValueError"),
        _entry("c", "ok", "rewrite"),
        _entry("a", "ok"),
        _entry("d", "skipped", "an ancestor raised"),
        _entry("e", "stale", "an input changed"),
        _entry("f", "blocked", "cycle"),
    ]
    assert reactive_cells_run(_reply({"cell_id": "x", "status": "ok", "cascade": cascade})) == 5
    assert reactive_cells_run(_reply({"cell_id": "x", "status": "error", "cascade": []})) == 1
    assert reactive_cells_run(_reply(None)) == 1


def test_reactive_count_leaves_out_a_replayed_or_refused_request():
    cascade = [_entry("a", "ok")]
    assert reactive_cells_run(_reply({"cell_id": "x", "status": "ok", "replayed": True, "cascade": cascade})) == 1
    assert reactive_cells_run(_reply({"cell_id": "x", "status": "blocked", "registered": False, "cascade": []})) == 0


def test_reactive_reply_accounts_for_every_run(pool):
    # editing the print restores x = 1 above it, then x = 10 below it is run again
    scenario = BY_NAME["print-between-writers"]
    verdict = judge(scenario, "reactive", pool)
    assert verdict.right, verdict.describe(scenario)
    assert verdict.cells_run == verdict.runs_seen >= 2


def test_changed_cells_are_those_whose_outputs_or_values_differ(pool):
    scenario = notebook(
        "sections",
        "int",
        ["a = 1\nb = 2", "c = a + 1\nprint(c)", "d = b * 2", "e = [d]\ne.append(a)", "print('report')"],
        edit=(1, "a = 5\nb = 2"),
    )
    original = run_fresh(scenario, pool, edited=False, deltas=True)
    edited = run_fresh(scenario, pool, deltas=True)
    assert original.deltas["c3"] == edited.deltas["c3"] == {"d": "4"}
    assert changed_cells(scenario, original, edited) == ["c1", "c2", "c4"]
