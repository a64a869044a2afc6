"""The ``%reactive`` line magic, against a real kernel process."""

from __future__ import annotations

import re

import pytest

from support import KernelDriver, Result


def shown(result: Result, msg_id: str | None = None) -> list[dict]:
    """The data bundles of execute_result and display_data messages."""
    msgs = result.messages if msg_id is None else result.under(msg_id)
    return [m["content"]["data"] for m in msgs if m["msg_type"] in ("execute_result", "display_data")]


def result_of(result: Result) -> dict:
    """The one execute_result bundle of the request."""
    bundles = [m["content"]["data"] for m in result.messages if m["msg_type"] == "execute_result"]
    assert len(bundles) == 1, result.messages
    return bundles[0]


def status_row(text: str, cell_id: str) -> list[str]:
    """The columns of ``cell_id``'s row in the plain-text status table."""
    for line in text.splitlines():
        cols = re.split(r"\s{2,}", line.strip())
        if cols[0] == cell_id:
            return cols
    raise AssertionError(f"no row for {cell_id} in:\n{text}")


def test_status_lists_cells_and_says_why_one_is_blocked(kernel):
    kernel.execute("st_a = 1", "st1")
    kernel.execute("st_b = st_a + 1", "st2")
    kernel.execute("%reactive strict", "st-mode")
    try:
        refused = kernel.execute("st_a = 5", "st3")
    finally:
        kernel.execute("%reactive allow", "st-mode")
    assert refused.reactive["status"] == "blocked"
    kernel.execute("print(len([st_b]))", "st4")

    bundle = result_of(kernel.execute("%reactive", "st-status"))
    text = bundle["text/plain"]
    assert text.startswith("reactive mode: eager;")
    assert status_row(text, "st1")[:3] == ["st1", "ok", "st_a"]
    assert status_row(text, "st2")[:4] == ["st2", "ok", "st_a", "st_b"]
    assert status_row(text, "st3")[:2] == ["st3", "blocked"]
    assert status_row(text, "st4")[:3] == ["st4", "ok", "st_b"], "builtins are not listed as reads"
    assert "blocked st3: 'st_a' is already defined by cell [" in text
    assert "st-status" not in text and "st-mode" not in text, "cells holding only %reactive are left out"
    assert '<td style="text-align:left"><code>st3</code></td><td style="text-align:left">blocked</td>' in bundle["text/html"]
    assert result_of(kernel.execute("%reactive status", "st-status"))["text/plain"] == text


def test_status_reports_a_skipped_cell_and_its_failing_ancestor(kernel):
    kernel.execute("sk_a = 1", "sk1")
    kernel.execute("sk_b = sk_a * 2", "sk2")
    kernel.execute("%config ReactiveKernel.after_error = 'skip'", "sk-mode")
    try:
        failed = kernel.execute("sk_a = 1 / 0", "sk1")
    finally:
        kernel.execute("%config ReactiveKernel.after_error = 'run'", "sk-mode")
    assert [c["status"] for c in failed.reactive["cascade"]] == ["skipped"]

    text = result_of(kernel.execute("%reactive", "sk-status"))["text/plain"]
    assert status_row(text, "sk1")[:2] == ["sk1", "error"]
    assert "error sk1: raised ZeroDivisionError — fix the error and run the cell again" in text
    assert "skipped sk2: an ancestor raised (cell [" in text


def test_graph_is_a_mermaid_picture_with_a_text_fallback(kernel):
    kernel.execute("gr_a = 1", "gr1")
    kernel.execute("gr_b = gr_a + 1\ngr_c = 'say \"hi\" #1'", "gr2")
    kernel.execute("print(gr_b, gr_c)", "gr3")

    bundle = result_of(kernel.execute("%reactive graph", "gr-graph"))
    assert set(bundle) == {"text/plain", "text/vnd.mermaid"}
    mermaid = bundle["text/vnd.mermaid"]
    assert mermaid.startswith("flowchart TD\n")
    nodes = dict(re.findall(r'^  (n\d+)\["(gr\d)<br/>', mermaid, re.M))
    nodes = {cell: node for node, cell in nodes.items()}
    assert f"{nodes['gr1']} -->|gr_a| {nodes['gr2']}" in mermaid
    assert f"{nodes['gr2']} -->|gr_b, gr_c| {nodes['gr3']}" in mermaid
    assert '"' not in mermaid.split(f'{nodes["gr2"]}["', 1)[1].split('"]', 1)[0], "quotes are escaped"
    text = bundle["text/plain"]
    assert "gr1 [ok] gr_a = 1\n  └─gr_a→ gr2" in text
    assert "  └─gr_b, gr_c→ gr3" in text


def test_graph_shows_refused_cells_outside_the_graph(kernel):
    kernel.execute("go_a = 1", "go1")
    kernel.execute("%reactive strict", "go-mode")
    try:
        kernel.execute("go_a = 2", "go2")
    finally:
        kernel.execute("%reactive allow", "go-mode")
    bundle = result_of(kernel.execute("%reactive graph", "go-graph"))
    text = bundle["text/plain"]
    outside = text.split("not in the graph:\n", 1)[1].splitlines()
    assert any(line.startswith("go2 [blocked] go_a = 2 — 'go_a' is already defined by cell [")
               for line in outside)
    assert not any(line.startswith("go1 ") for line in outside)
    assert "classDef st_blocked" in bundle["text/vnd.mermaid"]


def test_lazy_mode_marks_descendants_stale_and_run_stale_runs_them(kernel):
    kernel.execute("lz_a = 1", "lz1")
    second = kernel.execute("lz_b = lz_a * 10\nprint('lz_b', lz_b)", "lz2")
    kernel.execute("lz_c = lz_b + 1\nprint('lz_c', lz_c)", "lz3")
    lz2_request = second.reply["parent_header"]["msg_id"]
    try:
        switched = kernel.execute("%reactive lazy", "lz-mode")
        assert "reactive mode: lazy" in switched.stdout()
        assert kernel.value("get_ipython().kernel.mode") == "'lazy'"

        changed = kernel.execute("lz_a = 2", "lz1")
        cascade = changed.reactive["cascade"]
        assert [(c["cell_id"], c["status"]) for c in cascade] == [("lz2", "stale"), ("lz3", "stale")]
        assert kernel.value("(lz_b, lz_c)") == "(10, 11)", "stale cells keep their values"
        notices = [m for m in changed.under(lz2_request) if m["msg_type"] == "display_data"]
        tags = [n["content"]["metadata"]["reactive"] for n in notices]
        assert [(t["kind"], t["cell_id"], t["status"]) for t in tags] == [("notice", "lz2", "stale")]
        assert "%reactive run-stale" in notices[0]["content"]["data"]["text/plain"]

        text = result_of(kernel.execute("%reactive", "lz-status"))["text/plain"]
        assert status_row(text, "lz2")[:2] == ["lz2", "stale"]
        assert "stale lz3: an input changed — run the cell, or %reactive run-stale" in text

        ran = kernel.execute("%reactive run-stale", "lz-run")
        assert "running 2 stale cells after this one: lz2, lz3" in ran.stdout()
        assert [(c["cell_id"], c["status"]) for c in ran.reactive["cascade"]] == [("lz2", "ok"), ("lz3", "ok")]
        assert kernel.value("(lz_b, lz_c)") == "(20, 21)"
        assert "lz_b 20" in ran.stdout(lz2_request)

        again = kernel.execute("%reactive run-stale", "lz-run")
        assert again.stdout().strip() == "no stale cells"
        assert again.reactive["cascade"] == []
    finally:
        kernel.execute("%reactive eager", "lz-mode")
    assert kernel.value("get_ipython().kernel.mode") == "'eager'"
    eager = kernel.execute("lz_a = 3", "lz1")
    assert [(c["cell_id"], c["status"]) for c in eager.reactive["cascade"]] == [("lz2", "ok"), ("lz3", "ok")]


def test_run_stale_in_eager_mode_also_runs_dependents_of_stale_cells(kernel):
    kernel.execute("re_a = 1", "re1")
    kernel.execute("re_b = re_a + 1", "re2")
    try:
        kernel.execute("%reactive lazy", "re-mode")
        kernel.execute("re_a = 5", "re1")
        kernel.execute("re_c = re_b * 100", "re3")
    finally:
        kernel.execute("%reactive eager", "re-mode")
    ran = kernel.execute("%reactive run-stale", "re-run")
    assert [(c["cell_id"], c["status"]) for c in ran.reactive["cascade"]] == [("re2", "ok"), ("re3", "ok")]
    assert kernel.value("re_c") == "600"


@pytest.mark.parametrize("line", ["%reactive bogus", "%reactive lazy now", "%reactive graph extra"])
def test_bad_arguments_raise_usage_error_and_change_nothing(kernel, line):
    result = kernel.execute(line, "bad-args")
    assert result.content["status"] == "error"
    assert result.content["ename"] == "UsageError"
    assert "%reactive run-stale" in result.content["evalue"]
    assert kernel.value("get_ipython().kernel.mode") == "'eager'"


def test_a_large_graph_gets_text_only(kernel):
    for i in range(205):
        reply = kernel.register(f"big{i}", f"big_{i} = {'big_' + str(i - 1) if i else 0} + 1")
        assert reply["status"] == "ok", reply
    bundle = result_of(kernel.execute("%reactive graph", "big-graph"))
    assert set(bundle) == {"text/plain"}
    assert "(no picture: more than 200 cells)" in bundle["text/plain"]
    assert "big203 [registered] big_203 = big_202 + 1\n  └─big_203→ big204" in bundle["text/plain"]


def test_mode_comes_from_traitlets_config():
    driver = KernelDriver(extra_arguments=["--ReactiveKernel.mode=lazy"])
    try:
        text = result_of(driver.execute("%reactive", "cfg-status"))["text/plain"]
        assert text.startswith("reactive mode: lazy;")
        driver.execute("cf_a = 1", "cf1")
        driver.execute("cf_b = cf_a + 1", "cf2")
        changed = driver.execute("cf_a = 2", "cf1")
        assert [(c["cell_id"], c["status"]) for c in changed.reactive["cascade"]] == [("cf2", "stale")]
    finally:
        driver.shutdown()
