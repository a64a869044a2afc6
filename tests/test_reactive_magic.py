"""The ``%reactive`` line magic, against a real kernel process."""

from __future__ import annotations

import os
import re
import shutil
import time

import pytest
from support import KernelDriver, Result

from reactive_kernel.core.protocol import GRAPH_MIME, STATS_MIME, STATUS_MIME


def shown(result: Result, msg_id: str | None = None) -> list[dict]:
    """The data bundles of execute_result and display_data messages."""
    msgs = result.messages if msg_id is None else result.under(msg_id)
    return [m["content"]["data"] for m in msgs if m["msg_type"] in ("execute_result", "display_data")]


def result_of(result: Result) -> dict:
    """The one execute_result bundle of the request."""
    bundles = [m["content"]["data"] for m in result.messages if m["msg_type"] == "execute_result"]
    assert len(bundles) == 1, result.messages
    return bundles[0]


def labels(bundle: dict) -> dict[str, str]:
    """Each cell's label (``cell [3] x = 1``) by id, from the data of ``%reactive`` or ``%reactive graph``."""
    data = bundle.get(STATUS_MIME) or bundle[GRAPH_MIME]
    return {cell["cell_id"]: cell["label"] for cell in data["cells"]}


def status_row(bundle: dict, cell_id: str) -> list[str]:
    """The columns of ``cell_id``'s row in the plain-text status table, found by the cell's label."""
    label = labels(bundle)[cell_id]
    text = bundle["text/plain"]
    for line in text.splitlines():
        cols = re.split(r"\s{2,}", line.strip())
        if cols[0] == label:
            return cols
    raise AssertionError(f"no row for {cell_id} ({label}) in:\n{text}")


def test_status_lists_cells_by_label_and_says_why_one_is_blocked(kernel):
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
    names = labels(bundle)
    assert set(names) == {"st1", "st2", "st3", "st4"}, "cells holding only %reactive are left out"
    assert re.fullmatch(r"cell \[\d+\] st_a = 1", names["st1"]), names
    assert re.fullmatch(r"cell \[\d+\] st_a = 5", names["st3"]), names
    assert status_row(bundle, "st1")[:3] == [names["st1"], "ok", "st_a"]
    assert status_row(bundle, "st2")[:4] == [names["st2"], "ok", "st_a", "st_b"]
    assert status_row(bundle, "st3")[:2] == [names["st3"], "blocked"]
    assert status_row(bundle, "st4")[:3] == [names["st4"], "ok", "st_b"], "builtins are not listed as reads"
    assert f"blocked {names['st3']}: 'st_a' is already defined by {names['st1']}" in text
    assert "st1" not in text and "st3" not in text, "ids stay in the data, out of the text"
    assert (
        f'<a class="reactive-cell" href="#reactive-cell=st3">{names["st3"]}</a></code></td>'
        '<td style="text-align:left">blocked</td>' in bundle["text/html"]
    )
    rows = {cell["cell_id"]: cell for cell in bundle[STATUS_MIME]["cells"]}
    assert rows["st3"]["status"] == "blocked" and "already defined" in rows["st3"]["reason"]
    assert rows["st2"]["reads"] == ["st_a"] and rows["st2"]["writes"] == ["st_b"]
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

    bundle = result_of(kernel.execute("%reactive", "sk-status"))
    text, names = bundle["text/plain"], labels(bundle)
    assert status_row(bundle, "sk1")[:2] == [names["sk1"], "error"]
    assert f"error {names['sk1']}: raised ZeroDivisionError — fix the error and run the cell again" in text
    assert f"skipped {names['sk2']}: an ancestor raised ({names['sk1']})" in text


def test_graph_is_an_svg_and_mermaid_picture_with_a_text_fallback(kernel):
    kernel.execute("gr_a = 1", "gr1")
    kernel.execute("gr_b = gr_a + 1\ngr_c = 'say \"hi\" <b>#1</b>'", "gr2")
    kernel.execute("print(gr_b, gr_c)", "gr3")

    bundle = result_of(kernel.execute("%reactive graph", "gr-graph"))
    drawn = shutil.which("dot") is not None
    assert set(bundle) == {"text/plain", "text/vnd.mermaid", GRAPH_MIME} | ({"image/svg+xml"} if drawn else set())
    names = labels(bundle)
    assert re.fullmatch(r"cell \[\d+\] gr_a = 1", names["gr1"]), names
    data = bundle[GRAPH_MIME]
    edges = {(e["from"], e["to"], tuple(e["names"])) for e in data["edges"] if e["from"].startswith("gr")}
    assert edges == {("gr1", "gr2", ("gr_a",)), ("gr2", "gr3", ("gr_b", "gr_c"))}

    mermaid = bundle["text/vnd.mermaid"]
    assert mermaid.startswith("flowchart TD\n")
    nodes = {label: node for node, label in re.findall(r'^  (n\d+)\["(.*)"\]$', mermaid, re.M)}

    def mermaid_label(text):
        return "".join(c if c.isalnum() or c in " _.,:=+-*/" else f"#{ord(c)};" for c in text)

    n1, n2, n3 = (nodes[mermaid_label(names[c])] for c in ("gr1", "gr2", "gr3"))
    assert f"{n1} -->|gr_a| {n2}" in mermaid
    assert f"{n2} -->|gr_b, gr_c| {n3}" in mermaid
    assert '"' not in mermaid.split(f'{n2}["', 1)[1].split('"]', 1)[0], "quotes are escaped"

    text = bundle["text/plain"]
    assert f"{names['gr1']} [ok]\n  └─gr_a→ {names['gr2']}" in text
    assert f"  └─gr_b, gr_c→ {names['gr3']}" in text
    if drawn:
        svg = bundle["image/svg+xml"]
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
        assert 'id="reactive_cell_gr2"' in svg
        assert names["gr1"] in svg
        assert "&lt;b&gt;#1&lt;/b&gt;" not in names["gr2"] and "gr_b = gr_a + 1" in svg


def test_graph_without_graphviz_is_mermaid_and_text(tmp_path):
    driver = KernelDriver(env={**os.environ, "PATH": str(tmp_path)})  # no `dot` on the kernel's PATH
    try:
        driver.execute("ng_a = 1", "ng1")
        driver.execute("ng_b = ng_a + 1", "ng2")
        bundle = result_of(driver.execute("%reactive graph", "ng-graph"))
        assert set(bundle) == {"text/plain", "text/vnd.mermaid", GRAPH_MIME}
        assert "└─ng_a→ cell [" in bundle["text/plain"]
    finally:
        driver.shutdown()


def test_graph_shows_refused_cells_outside_the_graph(kernel):
    kernel.execute("go_a = 1", "go1")
    kernel.execute("%reactive strict", "go-mode")
    try:
        kernel.execute("go_a = 2", "go2")
    finally:
        kernel.execute("%reactive allow", "go-mode")
    bundle = result_of(kernel.execute("%reactive graph", "go-graph"))
    text, names = bundle["text/plain"], labels(bundle)
    outside = text.split("not in the graph:\n", 1)[1].splitlines()
    assert any(
        line.startswith(f"{names['go2']} [blocked] — 'go_a' is already defined by {names['go1']}") for line in outside
    ), outside
    assert not any(line.startswith(names["go1"] + " ") for line in outside)
    assert "classDef st_blocked" in bundle["text/vnd.mermaid"]
    assert {c["cell_id"]: c["in_graph"] for c in bundle[GRAPH_MIME]["cells"]}["go2"] is False


def test_stats_counts_what_the_kernel_did(fresh_kernel):
    k = fresh_kernel
    k.execute("ks_a = 1", "ks1")
    k.execute("ks_b = ks_a + 1", "ks2")
    k.execute("ks_c = ks_b + 1", "ks3")
    k.execute("ks_a = 2", "ks1")  # re-runs ks2 and ks3
    k.execute("ks_a = ks_c", "ks1")  # a cycle: refused
    assert k.register("ks4", "ks_d = ks_c * 2")["status"] == "ok"
    k.execute("%reactive strict", "ks-mode")
    k.execute("ks_b = 0", "ks5")  # refused: strict mode
    k.execute("%reactive allow", "ks-mode")
    k.execute("import time\ntime.sleep(0.3)\nks_e = ks_d + 1", "ks6")
    k.execute("ks_a = 3", "ks1")  # re-runs ks2, ks3, ks4, ks6
    sleeping = k.execute_msg("time.sleep(30)", "ks7")
    time.sleep(1.0)
    k.km.interrupt_kernel()
    assert k.wait(sleeping).content["ename"] == "KeyboardInterrupt"

    bundle = result_of(k.execute("%reactive stats", "ks-stats"))
    data = bundle[STATS_MIME]
    assert data["executes"] == 11, data
    # every execute but the two refused; and ks4 by register_cell_request
    assert data["registrations"] == 10, data
    # ks1 re-runs two cells; ks6 runs ks4 first (registered, never run); ks1 re-runs four
    assert data["cascades"] == 3 and data["cells_rerun"] == 7 and data["most_cells_rerun"] == 4, data
    assert data["cells_rerun_per_cascade"] == 2.33
    assert data["longest_cascade_seconds"] >= 0.3 and data["cascade_seconds"] >= data["longest_cascade_seconds"]
    assert data["refusals"] == {"CycleError": 1, "MultipleDefinitionError": 1}, data
    assert data["interrupts"] == 1 and data["uptime"] > 1
    text = bundle["text/plain"]
    assert text.startswith("reactive kernel stats\n")
    assert re.search(r"^cascades\s+3$", text, re.M), text
    assert re.search(r"^cells re-run\s+7 in all, 2.33 per cascade, at most 4$", text, re.M), text
    assert re.search(r"^interrupts\s+1$", text, re.M), text
    assert re.search(r"^refusals\s+2 \(CycleError 1, MultipleDefinitionError 1\)$", text, re.M), text
    assert '<th style="text-align:left">cascade time</th>' in bundle["text/html"]


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

        bundle = result_of(kernel.execute("%reactive", "lz-status"))
        names = labels(bundle)
        assert status_row(bundle, "lz2")[:2] == [names["lz2"], "stale"]
        assert f"stale {names['lz3']}: an input changed — run the cell, or %reactive run-stale" in bundle["text/plain"]

        ran = kernel.execute("%reactive run-stale", "lz-run")
        assert f"running 2 stale cells after this one: {names['lz2']}, {names['lz3']}" in ran.stdout()
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
    assert set(bundle) == {"text/plain", GRAPH_MIME}
    assert "(no picture: more than 200 cells)" in bundle["text/plain"]
    assert (
        "cell [ ] big_203 = big_202 + 1 [registered]\n  └─big_203→ cell [ ] big_204 = big_203 + 1"
        in bundle["text/plain"]
    )


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
