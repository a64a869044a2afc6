"""One test (or more) per rule of docs/semantics.md, against a real kernel process."""

from __future__ import annotations

import time

import pytest
from jupyter_client.session import Session



def statuses(result):
    return [(c["cell_id"], c["status"]) for c in result.reactive["cascade"]]


# -- 1. cell identity ------------------------------------------------------
def test_anonymous_cells_latest_definition_wins(kernel):
    kernel.execute("an_x = 1")
    kernel.execute("an_y = an_x + 1")
    res = kernel.execute("an_x = 5")
    assert res.content["status"] == "ok"
    assert kernel.value("an_y") == "6"
    assert [c["status"] for c in res.reactive["cascade"]] == ["ok"]
    assert res.reactive["cell_id"].startswith("anon-")


def test_cell_id_names_the_cell(kernel):
    kernel.execute("ci_a = 1", "ci-1")
    kernel.execute("ci_b = ci_a * 3", "ci-2")
    res = kernel.execute("ci_a = 2", "ci-1")
    assert res.reactive["cell_id"] == "ci-1"
    assert statuses(res) == [("ci-2", "ok")]
    assert kernel.value("ci_b") == "6"


def test_silent_requests_register_nothing(kernel):
    kernel.execute("sl_a = 1", "sl-1")
    kernel.execute("sl_b = sl_a + 1", "sl-2")
    res = kernel.execute("sl_a = 100", silent=True, store_history=False)
    assert "reactive" not in res.reply["metadata"]
    assert kernel.value("sl_b") == "2"
    # the silent run did not register a second writer of sl_a
    assert kernel.execute("sl_a = 3", "sl-1").content["status"] == "ok"
    assert kernel.value("sl_b") == "4"


# -- 2. analysis: dynamic writes ---------------------------------------------
def test_names_bound_dynamically_join_the_writes(kernel):
    kernel.execute("exec('dy_v = 41')", "dy-1")
    kernel.execute("dy_w = dy_v + 1", "dy-2")
    res = kernel.execute("exec('dy_v = 1')", "dy-1")
    assert statuses(res) == [("dy-2", "ok")]
    assert kernel.value("dy_w") == "2"


def test_magics_and_shell_escapes_do_not_break_analysis(kernel):
    kernel.execute("%config ReactiveKernel.progress_after = 1.0\nmg_a = 2", "mg-1")
    kernel.execute("mg_files = !echo hi\nmg_b = mg_a + len(mg_files)", "mg-2")
    res = kernel.execute("%%time\nmg_a = 10", "mg-1")
    assert statuses(res) == [("mg-2", "ok")]
    assert kernel.value("mg_b") == "11"


# -- 3/5. refusals ----------------------------------------------------------
def test_cycle_is_refused_with_its_path_and_nothing_changes(kernel):
    kernel.execute("cy_a = 1", "cy-1")
    kernel.execute("cy_b = cy_a + 1", "cy-2")
    res = kernel.execute("cy_a = cy_b + 1", "cy-1")
    c = res.content
    assert c["status"] == "error" and c["ename"] == "CycleError"
    assert c["cycle"] == [["cy-1", "cy_a"], ["cy-2", "cy_b"]]
    assert "cy-1 -cy_a-> cy-2 -cy_b-> cy-1" in c["evalue"]
    assert res.reactive["status"] == "blocked"
    errors = [m for m in res.messages if m["msg_type"] == "error"]
    assert len(errors) == 1 and errors[0]["content"]["ename"] == "CycleError"
    assert kernel.value("cy_a") == "1"
    # the graph still has the old cell-1: re-running it cascades as before
    again = kernel.execute("cy_a = 7", "cy-1")
    assert statuses(again) == [("cy-2", "ok")]
    assert kernel.value("cy_b") == "8"


def test_multiple_definition_is_refused_and_heals(kernel):
    kernel.execute("md_k = 1", "md-1")
    res = kernel.execute("md_k = 2", "md-2")
    assert res.content["ename"] == "MultipleDefinitionError"
    assert res.content["name"] == "md_k" and res.content["owner"] == "md-1"
    assert "md-1" in res.content["evalue"]
    assert kernel.value("md_k") == "1"
    kernel.execute("md_other = 1", "md-1")
    healed = kernel.execute("md_k = 2", "md-2")
    assert healed.content["status"] == "ok"
    assert kernel.value("md_k") == "2"


# -- 4. execute ---------------------------------------------------------------
def test_descendants_run_once_in_topological_order(kernel):
    kernel.execute("to_a = 1", "to-1")
    kernel.execute("to_c = to_a + 1", "to-3")
    kernel.execute("to_b = to_a + 1", "to-2")
    kernel.execute("to_d = to_b + to_c", "to-4")
    res = kernel.execute("to_a = 10", "to-1")
    # to-3 registered before to-2: ties go by registration order
    assert statuses(res) == [("to-3", "ok"), ("to-2", "ok"), ("to-4", "ok")]
    assert kernel.value("to_d") == "22"


def test_cascade_reruns_are_not_history_and_keep_the_count(kernel):
    kernel.execute("hi_a = 1", "hi-1")
    kernel.execute("hi_b = hi_a + 1", "hi-2")
    before = kernel.execute("pass").content["execution_count"]
    res = kernel.execute("hi_a = 2", "hi-1")
    assert res.content["execution_count"] == before + 1
    after = kernel.execute("pass").content["execution_count"]
    assert after == before + 2
    hist = kernel.request("history_request", output=False, raw=True, hist_access_type="tail", n=3)
    codes = [entry[2] for entry in hist.content["history"]]
    assert codes == ["pass", "hi_a = 2", "pass"]


def test_names_no_longer_defined_are_deleted(kernel):
    kernel.execute("nd_p = 1\nnd_q = 2", "nd-1")
    kernel.execute("nd_r = nd_q + 1", "nd-2")
    res = kernel.execute("nd_p = 1", "nd-1")
    assert kernel.value("nd_q") == "<NameError>"
    assert statuses(res) == [("nd-2", "error")]
    assert kernel.value("nd_r") == "<NameError>"


def test_descendants_old_values_are_deleted_before_the_cascade(kernel):
    kernel.execute("ov_a = 1", "ov-1")
    kernel.execute("ov_b = ov_a + 1", "ov-2")
    kernel.execute("ov_c = ov_b + 1", "ov-3")
    res = kernel.execute("ov_a = 'text'", "ov-1")
    assert statuses(res) == [("ov-2", "error"), ("ov-3", "skipped")]
    assert kernel.value("ov_b") == "<NameError>"
    assert kernel.value("ov_c") == "<NameError>"


def test_rich_outputs_of_cascade_cells(kernel):
    kernel.execute("ro_a = 1", "ro-1")
    first = kernel.execute("from IPython.display import HTML, display\ndisplay(HTML(f'<b>{ro_a}</b>'))\nro_a * 2", "ro-2")
    assert first.content["status"] == "ok"
    res = kernel.execute("ro_a = 21", "ro-1")
    own = kernel.last_ids["ro-2"]
    msgs = res.under(own)
    assert [m["msg_type"] for m in msgs] == ["clear_output", "display_data", "execute_result"]
    assert msgs[1]["content"]["data"]["text/html"] == "<b>21</b>"
    assert msgs[2]["content"]["data"]["text/plain"] == "42"


# -- 7. failure and interrupts --------------------------------------------------
def test_failing_descendant_blocks_its_own_descendants(kernel):
    kernel.execute("fd_a = 1", "fd-1")
    kernel.execute("fd_b = 10 // fd_a", "fd-2")
    kernel.execute("fd_c = fd_b + 1", "fd-3")
    kernel.execute("fd_d = fd_a + 1", "fd-4")
    res = kernel.execute("fd_a = 0", "fd-1")
    assert res.content["status"] == "ok"
    cascade = {c["cell_id"]: c for c in res.reactive["cascade"]}
    assert cascade["fd-2"]["status"] == "error"
    assert cascade["fd-3"]["status"] == "skipped" and cascade["fd-3"]["blocked_by"] == "fd-2"
    assert cascade["fd-3"]["reason"] == "an ancestor raised"
    assert cascade["fd-4"]["status"] == "ok"
    errors = [m for m in res.under(kernel.last_ids["fd-2"]) if m["msg_type"] == "error"]
    assert errors and errors[0]["content"]["ename"] == "ZeroDivisionError"
    notices = [
        m for m in res.under(kernel.last_ids["fd-3"])
        if m["msg_type"] == "display_data" and m["content"]["metadata"]["reactive"].get("status") == "skipped"
    ]
    assert notices and "fd-2" in notices[0]["content"]["data"]["text/plain"]


def test_failing_executed_cell_skips_its_descendants(kernel):
    kernel.execute("fe_a = 1", "fe-1")
    kernel.execute("fe_b = fe_a + 1", "fe-2")
    res = kernel.execute("fe_a = 1 / 0", "fe-1")
    assert res.content["status"] == "error" and res.content["ename"] == "ZeroDivisionError"
    assert res.reactive["status"] == "error"
    assert res.reactive["cascade"][0]["status"] == "skipped"
    assert res.reactive["cascade"][0]["blocked_by"] == "fe-1"
    assert kernel.value("fe_b") == "<NameError>"


def test_interrupt_stops_the_cascade_and_kernel_stays_usable(fresh_kernel):
    k = fresh_kernel
    k.execute("it_a = 1", "it-1")
    k.execute("import time\nprint('it-2 runs with', it_a, flush=True)\ntime.sleep(60 if it_a == 2 else 0)\nit_b = it_a", "it-2")
    k.execute("it_c = it_b + 1", "it-3")
    msg = k.execute_msg("it_a = 2", "it-1")
    deadline = time.monotonic() + 30
    started = False
    while not started and time.monotonic() < deadline:
        m = k.kc.get_iopub_msg(timeout=30)
        started = m["msg_type"] == "stream" and "it-2 runs with 2" in m["content"]["text"]
    assert started
    k.km.interrupt_kernel()
    res = k.wait(msg, timeout=30)
    assert res.content["status"] == "error" and res.content["ename"] == "KeyboardInterrupt"
    assert res.reactive["status"] == "ok"  # the executed cell itself finished
    assert statuses(res) == [("it-2", "interrupted"), ("it-3", "skipped")]
    assert res.reactive["cascade"][1]["reason"] == "interrupted"
    assert k.execute("1 + 1").content["status"] == "ok"
    assert k.value("it_a") == "2"
    assert k.value("it_b") == "<NameError>"


# -- 8. deleted cells ------------------------------------------------------------
def test_deleted_cells_are_unregistered_and_dependents_rerun(kernel):
    kernel.execute("dc_m = 3", "dc-1")
    kernel.execute("dc_n = dc_m + 1", "dc-2")
    res = kernel.execute("dc_other = 1", "dc-3", deleted=["dc-1", "no-such-cell"])
    assert res.content["status"] == "ok"
    assert res.reactive["deleted"] == ["dc-1"]
    assert statuses(res) == [("dc-2", "error")]
    errs = [m for m in res.under(kernel.last_ids["dc-2"]) if m["msg_type"] == "error"]
    assert errs[0]["content"]["ename"] == "NameError"
    assert kernel.value("dc_m") == "<NameError>"
    # the name is free again
    assert kernel.execute("dc_m = 9", "dc-4").content["status"] == "ok"


def test_unregister_request_deletes_names_and_reruns_dependents(kernel):
    kernel.execute("ur_a = 1", "ur-1")
    kernel.execute("ur_b = ur_a + 1", "ur-2")
    res = kernel.unregister("ur-1")
    assert res.content["status"] == "ok" and res.content["deleted"] == ["ur_a"]
    assert [(c["cell_id"], c["status"]) for c in res.content["cascade"]] == [("ur-2", "error")]
    assert kernel.value("ur_a") == "<NameError>"
    unknown = kernel.unregister("ur-1")
    assert unknown.content["status"] == "error" and unknown.content["ename"] == "UnknownCell"


# -- 9. run all --------------------------------------------------------------------
@pytest.mark.parametrize(
    "frontend, busy",
    [(True, False), (True, True), (False, True)],
    ids=["notebook-frontend-idle-kernel", "notebook-frontend-busy-kernel", "plain-client-busy-kernel"],
)
def test_run_all_runs_each_cell_once(fresh_kernel, frontend, busy):
    k = fresh_kernel
    k.execute("_runs = {}")
    n = 50
    codes = ["ra_0 = 0"] + [f"ra_{i} = ra_{i-1} + 1" for i in range(1, n)]
    codes = [f"_runs[{i}] = _runs.get({i}, 0) + 1\n{code}" for i, code in enumerate(codes)]
    extra = {"deleted": []} if frontend else {}
    for i, code in enumerate(codes):  # first pass registers the chain
        k.execute(code, f"ra-{i}", **extra)
    k.execute("_runs.clear()")
    sleeper = k.execute_msg("import time as _time\n_time.sleep(0.5)") if busy else None
    msgs = [k.execute_msg(code, f"ra-{i}", **extra) for i, code in enumerate(codes)]
    if sleeper is not None:
        k.wait(sleeper)
    results = [k.wait(m) for m in msgs]
    assert all(r.content["status"] == "ok" for r in results)
    assert k.value("sorted(_runs.items()) == [(i, 1) for i in range(50)]") == "True"
    assert k.value(f"ra_{n-1}") == str(n - 1)


# -- 10. where outputs go -------------------------------------------------------------
def test_outputs_go_to_the_cells_own_request_in_the_same_session(kernel):
    kernel.execute("og_a = 1", "og-1")
    kernel.execute("print('og_b', og_a + 1)", "og-2")
    res = kernel.execute("og_a = 5", "og-1")
    own = kernel.last_ids["og-2"]
    assert res.types(own) == ["clear_output", "stream"]
    assert res.stdout(own) == "og_b 6\n"
    current = res.reply["parent_header"]["msg_id"]
    assert res.stdout(current) == ""
    assert res.reactive["cascade"][0]["msg_id"] == own


def test_outputs_from_another_session_go_under_the_current_request_with_a_heading(kernel):
    kernel.execute("os_a = 1", "os-1")
    kernel.execute("print('os_b', os_a + 1)", "os-2")
    other = Session(key=kernel.kc.session.key, signature_scheme=kernel.kc.session.signature_scheme)
    original = kernel.kc.session
    kernel.kc.session = other
    try:
        res = kernel.execute("os_a = 2", "os-1")
    finally:
        kernel.kc.session = original
    current = res.reply["parent_header"]["msg_id"]
    msgs = [m for m in res.under(current) if m["msg_type"] in ("display_data", "stream")]
    heading = msgs[0]
    assert heading["msg_type"] == "display_data"
    assert heading["content"]["metadata"]["reactive"] == {"kind": "heading", "cell_id": "os-2"}
    assert heading["metadata"]["reactive"] == {"kind": "heading", "cell_id": "os-2"}
    assert "os-2" in heading["content"]["data"]["text/plain"]
    assert res.stdout(current) == "os_b 3\n"
    assert res.reactive["cascade"][0]["msg_id"] == current


def test_one_busy_idle_pair_and_standard_types_only(kernel):
    kernel.execute("bi_a = 1", "bi-1")
    kernel.execute("bi_b = bi_a + 1\nbi_b", "bi-2")
    kernel.execute("bi_c = bi_a + 1")
    res = kernel.execute("bi_a = 3", "bi-1")
    current = res.reply["parent_header"]["msg_id"]
    states = [m["content"]["execution_state"] for m in res.messages if m["msg_type"] == "status"]
    assert states == ["busy", "idle"]
    assert all(m["parent_header"]["msg_id"] == current for m in res.messages if m["msg_type"] == "status")
    standard = {
        "status", "execute_input", "stream", "display_data", "update_display_data",
        "execute_result", "error", "clear_output",
    }
    assert {m["msg_type"] for m in res.messages} <= standard
    assert sum(m["msg_type"] == "execute_input" for m in res.messages) == 1


# -- 12. register without executing ---------------------------------------------------------
def test_registered_cells_take_part_in_cascades(kernel):
    reply = kernel.register("rg-1", "rg_a = 1")
    assert reply["status"] == "ok" and reply["writes"] == ["rg_a"]
    reply = kernel.register("rg-2", "rg_b = rg_a * 2\nprint('rg_b', rg_b)")
    assert reply["parents"] == ["rg-1"] and reply["reads"] == ["print", "rg_a"]
    assert kernel.register("rg-1", "rg_a = 1")["children"] == ["rg-2"]
    res = kernel.execute("rg_a = 4", "rg-1")
    assert statuses(res) == [("rg-2", "ok")]
    assert "rg_b 8" in res.stdout()
    # last registered code is what a cascade runs
    kernel.register("rg-2", "rg_b = rg_a * 100")
    kernel.execute("rg_a = 2", "rg-1")
    assert kernel.value("rg_b") == "200"


def test_register_refusals_carry_their_data(kernel):
    kernel.register("rr-1", "rr_a = 1")
    kernel.register("rr-2", "rr_b = rr_a")
    cyc = kernel.register("rr-1", "rr_a = rr_b")
    assert cyc["status"] == "error" and cyc["ename"] == "CycleError"
    assert cyc["cycle"] == [["rr-1", "rr_a"], ["rr-2", "rr_b"]]
    dup = kernel.register("rr-3", "rr_b = 2")
    assert dup["ename"] == "MultipleDefinitionError" and dup["owner"] == "rr-2"
    syn = kernel.register("rr-4", "rr_c = (")
    assert syn["ename"] == "SyntaxError" and syn["lineno"] == 1
    assert kernel.register("rr-1", "rr_a = 1")["children"] == ["rr-2"]


# -- 6 / 13. bad input ---------------------------------------------------------------------
def test_syntax_error_runs_as_ipython_and_keeps_the_registration(kernel):
    kernel.execute("se_a = 1", "se-1")
    kernel.execute("se_b = se_a + 1", "se-2")
    res = kernel.execute("se_a = (", "se-1")
    assert res.content["status"] == "error" and res.content["ename"] == "SyntaxError"
    assert res.reactive["registered"] is False and res.reactive["status"] == "error"
    again = kernel.execute("se_a = 2", "se-1")
    assert statuses(again) == [("se-2", "ok")]


@pytest.mark.parametrize(
    "content, metadata, why",
    [
        ({"silent": False}, {}, "missing field 'code'"),
        ({"code": 42}, {}, "field 'code' must be str"),
        ({"code": "1", "silent": "no"}, {}, "field 'silent' must be bool"),
        ({"code": "1"}, {"cellId": 7}, "metadata.cellId must be a string"),
        ({"code": "1"}, {"deletedCells": "c1"}, "metadata.deletedCells must be a list"),
    ],
)
def test_malformed_execute_requests_get_an_error_reply(kernel, content, metadata, why):
    res = kernel.wait(kernel.send("execute_request", content, metadata))
    assert res.content["status"] == "error" and res.content["ename"] == "BadRequest"
    assert why in res.content["evalue"]
    assert kernel.execute("1 + 1").content["status"] == "ok"


def test_malformed_register_requests_get_an_error_reply(kernel):
    assert kernel.request("register_cell_request", code="x = 1").content["ename"] == "BadRequest"
    assert kernel.request("register_cell_request", cell_id="bad", code=None).content["ename"] == "BadRequest"
    assert kernel.request("register_cell_request", cell_id="", code="a = 1").content["ename"] == "BadRequest"
    assert kernel.request("unregister_cell_request", cell_id=3).content["ename"] == "BadRequest"


def test_undecodable_content_gets_an_error_reply(kernel):
    session = kernel.kc.session
    msg = session.msg("execute_request", {"code": "1"})
    frames = [
        session.pack(msg["header"]), session.pack({}), session.pack({}), b"\xff\xfe{not json",
    ]
    signature = session.sign(frames)
    kernel.kc.shell_channel.socket.send_multipart([b"<IDS|MSG>", signature, *frames])
    res = kernel.wait(msg)
    assert res.content["status"] == "error" and res.content["ename"] == "BadRequest"
    assert kernel.execute("2 + 2").content["status"] == "ok"


def test_huge_code_is_refused_without_harm(kernel):
    kernel.execute("hg_a = 1", "hg-1")
    res = kernel.execute("hg_a = 2\n" + "#" * (16 * 1024 * 1024 + 1), "hg-1", timeout=120)
    assert res.content["ename"] == "BadRequest" and "limit" in res.content["evalue"]
    assert kernel.value("hg_a") == "1"
    assert kernel.execute("hg_a = 3", "hg-1").content["status"] == "ok"


# -- 14. lazy mode ------------------------------------------------------------------------------
def test_lazy_mode_marks_descendants_stale(fresh_kernel):
    k = fresh_kernel
    k.execute("%config ReactiveKernel.mode = 'lazy'")
    k.execute("lz_a = 1", "lz-1")
    k.execute("lz_b = lz_a + 1", "lz-2")
    res = k.execute("lz_a = 10", "lz-1")
    assert statuses(res) == [("lz-2", "stale")]
    assert k.value("lz_b") == "2"
    notices = [m for m in res.under(k.last_ids["lz-2"]) if m["msg_type"] == "display_data"]
    assert "stale" in notices[0]["content"]["data"]["text/plain"]
