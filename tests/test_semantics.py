"""One test (or more) per rule of docs/semantics.md, against a real kernel process."""

from __future__ import annotations

import time

import pytest
from jupyter_client.session import Session


def statuses(result):
    return [(c["cell_id"], c["status"]) for c in result.reactive["cascade"]]


def ran(result):
    return [c["cell_id"] for c in result.reactive["cascade"] if c["status"] in ("ok", "error")]


# -- 1. cells and their order ----------------------------------------------------
def test_a_new_cell_goes_after_the_cell_the_client_ran_last(kernel):
    kernel.execute("po_x = 1", "po-1")
    kernel.execute("po_x = 2", "po-3")
    # po-2 is new: it goes after po-3, the cell this client ran last, so it reads po_x = 2
    kernel.execute("po_y = po_x * 10", "po-2")
    assert kernel.value("po_y") == "20"


def test_cell_order_in_the_metadata_is_the_truth(kernel):
    order = ["co-1", "co-2", "co-3"]
    kernel.execute("co_x = 1", "co-1", cell_order=order)
    kernel.execute("co_x = 2", "co-3", cell_order=order)
    res = kernel.execute("co_y = co_x * 10", "co-2", cell_order=order)
    assert kernel.value("co_y") == "10"  # co-2 sits between co-1 and co-3
    assert kernel.value("co_x") == "2"
    assert res.content["status"] == "ok"
    # moving co-3 above co-2: co-2 now reads co-3's co_x, and is brought up to date
    res = kernel.execute("co_x = 2", "co-3", cell_order=["co-1", "co-3", "co-2"])
    assert "co-2" in ran(res)
    assert kernel.value("co_y") == "20"


def test_a_run_all_batch_orders_the_cells(kernel):
    kernel.execute("rb_x = 1", "rb-1")
    kernel.execute("rb_y = rb_x + 1", "rb-3")
    kernel.execute("rb_x = 5", "rb-2")  # guessed below rb-3
    assert kernel.value("rb_y") == "2"
    msgs = [
        kernel.execute_msg(code, cid, deleted=[])
        for cid, code in [("rb-1", "rb_x = 1"), ("rb-2", "rb_x = 5"), ("rb-3", "rb_y = rb_x + 1")]
    ]
    for msg in msgs:
        kernel.wait(msg)
    assert kernel.value("rb_y") == "6"  # the batch put rb-2 above rb-3
    res = kernel.execute("rb_x = 7", "rb-2")
    assert ran(res) == ["rb-3"] and kernel.value("rb_y") == "8"


# -- 2. what a cell reads, binds and changes -------------------------------------
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


def test_an_in_place_change_is_a_write(kernel):
    kernel.execute("ip_l = [1, 2, 3]", "ip-1")
    kernel.execute("ip_l.append(4)", "ip-2")
    kernel.execute("ip_n = len(ip_l)", "ip-3")
    res = kernel.execute("ip_l.append(5)", "ip-2")
    assert ran(res) == ["ip-3"]  # the small list's first version was kept: put back, then appended to once
    assert kernel.value("ip_l") == "[1, 2, 3, 5]"
    assert kernel.value("ip_n") == "4"


def test_an_alias_changes_with_its_object(kernel):
    kernel.execute("al_a = [1]", "al-1")
    kernel.execute("al_b = al_a", "al-2")
    kernel.execute("al_b.append(0)", "al-3")
    kernel.execute("al_n = len(al_a)", "al-4")
    assert kernel.value("al_n") == "2"
    res = kernel.execute("al_b.append(0)\nal_b.append(0)", "al-3")
    assert "al-4" in ran(res)
    assert kernel.value("al_n") == "3" and kernel.value("al_a") == "[1, 0, 0]"


def test_a_function_that_changes_its_argument(kernel):
    kernel.execute("def fa_add(items, value):\n    items.append(value)", "fa-1")
    kernel.execute("fa_l = [object()]", "fa-2")
    kernel.execute("fa_add(fa_l, 1)", "fa-3")
    kernel.execute("fa_s = sum(fa_l[1:])", "fa-4")
    res = kernel.execute("fa_add(fa_l, 5)", "fa-3")
    assert ran(res) == ["fa-2", "fa-4"]  # the list holds an object: it is made again, not copied
    assert kernel.value("fa_s") == "5"


def test_looking_is_not_writing(kernel):
    kernel.execute("lk_l = [3, 1, 2]", "lk-1")
    kernel.execute("print(lk_l)\nlen(lk_l)", "lk-2")
    kernel.execute("lk_m = max(lk_l)", "lk-3")
    res = kernel.execute("print(lk_l, 'again')\nlen(lk_l)", "lk-2")
    assert ran(res) == []


def test_files_are_names(kernel, tmp_path):
    path = str(tmp_path / "fi.txt")
    kernel.execute(f"fi_p = {path!r}", "fi-0")
    kernel.execute("with open(fi_p, 'w') as fh:\n    fh.write('one')", "fi-1")
    kernel.execute("fi_text = open(fi_p).read()", "fi-2")
    res = kernel.execute("with open(fi_p, 'w') as fh:\n    fh.write('two')", "fi-1")
    assert ran(res) == ["fi-2"]
    assert kernel.value("fi_text") == "'two'"


# -- 3. which version a cell reads -----------------------------------------------
def test_redefinitions_read_the_nearest_writer_above(kernel):
    kernel.execute("rd_df = [3, None, 1]", "rd-1")
    kernel.execute("rd_df = [v for v in rd_df if v is not None]", "rd-2")
    kernel.execute("rd_s = sorted(rd_df)", "rd-3")
    res = kernel.execute("rd_df = [5, None, 2]", "rd-1")
    assert res.content["status"] == "ok"
    assert ran(res) == ["rd-2", "rd-3"]
    assert kernel.value("rd_s") == "[2, 5]"


def test_x_plus_equals_in_a_later_cell(kernel):
    kernel.execute("pe_x = 1", "pe-1")
    kernel.execute("pe_x += 1", "pe-2")
    kernel.execute("pe_y = pe_x * 10", "pe-3")
    res = kernel.execute("pe_x = 5", "pe-1")
    assert ran(res) == ["pe-2", "pe-3"]
    assert kernel.value("pe_y") == "60"


def test_cycle_is_refused_with_its_path_and_nothing_changes(kernel):
    kernel.execute("cy_b = 1", "cy-0")
    kernel.execute("cy_a = cy_b + 1", "cy-1", cell_order=["cy-1", "cy-2"])
    # cy-1 reads cy_b from cy-0 above; deleting cy-0 would make it read cy-2's below
    kernel.execute("cy_b = cy_a + 1", "cy-2", cell_order=["cy-1", "cy-2"])
    res = kernel.execute("cy_c = 1", "cy-3", deleted=["cy-0"], cell_order=["cy-1", "cy-2", "cy-3"])
    assert {c["cell_id"]: c["status"] for c in res.reactive["cascade"]}.get("cy-1") == "blocked"
    fresh = kernel.execute("cy_q = cy_p", "cy-4", cell_order=["cy-4", "cy-5"])
    assert fresh.content["ename"] == "NameError"
    refused = kernel.execute("cy_p = cy_q", "cy-5", cell_order=["cy-4", "cy-5"])
    c = refused.content
    assert c["status"] == "error" and c["ename"] == "CycleError"
    assert c["cycle"] == [["cy-5", "cy_p"], ["cy-4", "cy_q"]]
    assert "cy_p = cy_q -cy_p-> " in c["evalue"] and "cy_q = cy_p -cy_q->" in c["evalue"]
    assert refused.reactive["status"] == "blocked"
    errors = [m for m in refused.messages if m["msg_type"] == "error"]
    assert len(errors) == 1 and errors[0]["content"]["ename"] == "CycleError"
    assert kernel.value("cy_p") == "<NameError>"


# -- 4. execute ----------------------------------------------------------------------
def test_inputs_are_restored_first_and_names_end_with_their_bottom_most_version(kernel):
    kernel.execute("rs_x = list(range(1000))", "rs-1")
    kernel.execute("print('x is', len(rs_x))", "rs-2")
    kernel.execute("rs_x = list(range(500))", "rs-3")
    res = kernel.execute("print('now x is', len(rs_x))", "rs-2")
    assert res.stdout(res.reply["parent_header"]["msg_id"]) == "now x is 1000\n"
    assert ran(res) == ["rs-1", "rs-3"]
    assert [c["reason"] for c in res.reactive["cascade"]] == ["restore", "rewrite"]
    assert kernel.value("len(rs_x)") == "500"


def test_a_kept_small_value_is_put_back_without_running_its_cell(kernel):
    kernel.execute("pb_x = 1", "pb-1")
    kernel.execute("print('x is', pb_x)", "pb-2")
    kernel.execute("pb_x = 10", "pb-3")
    res = kernel.execute("print('now x is', pb_x)", "pb-2")
    assert res.stdout(res.reply["parent_header"]["msg_id"]) == "now x is 1\n"
    assert ran(res) == []
    assert kernel.value("pb_x") == "10"


def test_an_in_place_change_is_never_applied_twice(kernel):
    kernel.execute("tw_l = [1, 2, 3, 4]", "tw-1")
    kernel.execute("tw_l.pop(1)", "tw-2")
    kernel.execute("tw_s = str(tw_l)", "tw-3")
    res = kernel.execute("tw_l.pop(2)", "tw-2")
    assert res.content["status"] == "ok"
    assert kernel.value("tw_l") == "[1, 2, 4]"
    assert kernel.value("tw_s") == "'[1, 2, 4]'"


def test_an_equal_value_does_not_rerun_readers(kernel):
    kernel.execute("ev_x = 2", "ev-1")
    kernel.execute("ev_y = ev_x * 3", "ev-2")
    res = kernel.execute("ev_x = 1 + 1  # same value", "ev-1")
    assert ran(res) == []
    res = kernel.execute("ev_x = 3", "ev-1")
    assert ran(res) == ["ev-2"] and kernel.value("ev_y") == "9"


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


def test_rich_outputs_of_cascade_cells(kernel):
    kernel.execute("ro_a = 1", "ro-1")
    first = kernel.execute(
        "from IPython.display import HTML, display\ndisplay(HTML(f'<b>{ro_a}</b>'))\nro_a * 2", "ro-2"
    )
    assert first.content["status"] == "ok"
    res = kernel.execute("ro_a = 21", "ro-1")
    own = kernel.last_ids["ro-2"]
    msgs = res.under(own)
    assert [m["msg_type"] for m in msgs] == ["clear_output", "display_data", "execute_result"]
    assert msgs[1]["content"]["data"]["text/html"] == "<b>21</b>"
    assert msgs[2]["content"]["data"]["text/plain"] == "42"
    assert all(m["metadata"]["reactive"]["cell_id"] == "ro-2" for m in msgs)
    assert [m["metadata"]["reactive"]["kind"] for m in msgs] == ["clear", "output", "output"]


# -- 5. a cell the cascade already ran --------------------------------------------------
def test_a_cell_the_cascade_ran_shows_that_run_when_executed(kernel):
    kernel.execute("_rp_runs = []", None)
    kernel.execute("rp_a = [1]", "rp-1")
    kernel.execute("_rp_runs.append(1)\nrp_b = rp_a + [2]\nprint('b is', rp_b)\nrp_b", "rp-2")
    kernel.execute("rp_a = [5]", "rp-1")  # the cascade runs rp-2
    assert kernel.value("len(_rp_runs)") == "2"
    res = kernel.execute("_rp_runs.append(1)\nrp_b = rp_a + [2]\nprint('b is', rp_b)\nrp_b", "rp-2")
    assert res.reactive.get("replayed") is True
    assert kernel.value("len(_rp_runs)") == "2"
    current = res.reply["parent_header"]["msg_id"]
    assert res.stdout(current) == "b is [5, 2]\n"
    results = [m for m in res.under(current) if m["msg_type"] == "execute_result"]
    assert results[0]["content"]["execution_count"] == res.content["execution_count"]
    again = kernel.execute("_rp_runs.append(1)\nrp_b = rp_a + [2]\nprint('b is', rp_b)\nrp_b", "rp-2")
    assert again.reactive.get("replayed") is None and kernel.value("len(_rp_runs)") == "3"


@pytest.mark.parametrize("spacing", [0.0, 0.03])
def test_run_all_runs_each_cell_once(fresh_kernel, spacing):
    k = fresh_kernel
    k.execute("_runs = {}")
    n = 40
    codes = ["ra_0 = [0]"] + [f"ra_{i} = ra_{i - 1} + [{i}]" for i in range(1, n)]
    codes = [f"_runs[{i}] = _runs.get({i}, 0) + 1\n{code}" for i, code in enumerate(codes)]
    for i, code in enumerate(codes):
        k.execute(code, f"ra-{i}", deleted=[])
    k.execute("_runs.clear()")
    msgs = []
    for i, code in enumerate(codes):
        msgs.append(k.execute_msg(code, f"ra-{i}", deleted=[]))
        time.sleep(spacing)
    results = [k.wait(m) for m in msgs]
    assert all(r.content["status"] == "ok" for r in results)
    assert k.value(f"sorted(_runs.items()) == [(i, 1) for i in range({n})]") == "True"
    assert k.value(f"len(ra_{n - 1})") == str(n)


# -- 6. requests that are waiting --------------------------------------------------------
def test_a_waiting_request_runs_its_own_cell(kernel):
    kernel.execute("_wq_runs = []")
    kernel.execute("wq_a = 1", "wq-1")
    kernel.execute("_wq_runs.append(1)\nwq_b = wq_a + 1", "wq-2")
    first = kernel.execute_msg("wq_a = 2", "wq-1")
    second = kernel.execute_msg("_wq_runs.append(1)\nwq_b = wq_a + 1", "wq-2")
    res1, res2 = kernel.wait(first), kernel.wait(second)
    assert kernel.value("wq_b") == "3"
    assert kernel.value("len(_wq_runs)") == "2"  # once registering, once for the edit
    # left to its own request (seen waiting), or shown by it after the cascade ran it
    assert ran(res1) == [] or res2.reactive.get("replayed") is True


def test_a_cell_left_to_an_aborted_request_is_caught_up(fresh_kernel):
    k = fresh_kernel
    k.execute("ab_a = 1", "ab-1")
    k.execute("ab_b = ab_a + 1", "ab-2")
    k.execute("ab_c = ab_b + 1", "ab-3")
    msgs = [k.execute_msg("ab_a = 5", "ab-1"), k.execute_msg("1 / 0", "ab-x"), k.execute_msg("ab_b = ab_a + 1", "ab-2")]
    _first, failed, aborted = (k.wait(m) for m in msgs)
    assert failed.content["ename"] == "ZeroDivisionError"
    assert aborted.content["status"] == "aborted"
    report = aborted.reply["metadata"]["reactive"]
    if report["status"] == "stale":  # left to its request, which never ran it
        notices = [m for m in aborted.under(k.last_ids["ab-2"]) if m["msg_type"] == "display_data"]
        assert notices and "stale" in notices[0]["content"]["data"]["text/plain"]
        res = k.execute("ab_other = 0", "ab-4")
        assert ran(res) == ["ab-2", "ab-3"]
    else:  # the cascade ran it before its request arrived: the request shows that run
        assert report["replayed"] is True
    assert k.value("ab_c") == "7"


# -- 7. errors -------------------------------------------------------------------------
def test_cells_after_a_failing_cell_still_run(kernel):
    kernel.execute("fd_a = 1", "fd-1")
    kernel.execute("fd_b = 10 // fd_a", "fd-2")
    kernel.execute("fd_c = fd_b + 1", "fd-3")
    kernel.execute("fd_d = fd_a + 1", "fd-4")
    res = kernel.execute("fd_a = 0", "fd-1")
    assert res.content["status"] == "ok"
    cascade = {c["cell_id"]: c for c in res.reactive["cascade"]}
    assert cascade["fd-2"]["status"] == "error"
    assert cascade["fd-3"]["status"] == "error"  # NameError, as in a top-to-bottom run
    assert cascade["fd-4"]["status"] == "ok"
    assert kernel.value("fd_b") == "<NameError>" and kernel.value("fd_c") == "<NameError>"
    errors = [m for m in res.under(kernel.last_ids["fd-3"]) if m["msg_type"] == "error"]
    assert errors and errors[0]["content"]["ename"] == "NameError"


def test_after_error_skip_skips_the_readers(fresh_kernel):
    k = fresh_kernel
    k.execute("%config ReactiveKernel.after_error = 'skip'")
    k.execute("fs_a = 1", "fs-1")
    k.execute("fs_b = fs_a + 1", "fs-2")
    res = k.execute("fs_a = 1 / 0", "fs-1")
    assert res.content["ename"] == "ZeroDivisionError" and res.reactive["status"] == "error"
    assert res.reactive["cascade"][0]["status"] == "skipped"
    assert res.reactive["cascade"][0]["blocked_by"] == "fs-1"
    notices = [m for m in res.under(k.last_ids["fs-2"]) if m["msg_type"] == "display_data"]
    assert notices and notices[0]["content"]["metadata"]["reactive"]["status"] == "skipped"


def test_a_cell_that_does_not_parse_binds_nothing(kernel):
    kernel.execute("se_a = 1", "se-1")
    kernel.execute("se_b = se_a + 1", "se-2")
    res = kernel.execute("se_a = (", "se-1")
    assert res.content["status"] == "error" and res.content["ename"] == "SyntaxError"
    assert statuses(res) == [("se-2", "error")]
    assert kernel.value("se_a") == "<NameError>"
    again = kernel.execute("se_a = 2", "se-1")
    assert statuses(again) == [("se-2", "ok")] and kernel.value("se_b") == "3"


# -- 8. interrupts -------------------------------------------------------------------------
def test_interrupt_stops_the_cascade_and_kernel_stays_usable(fresh_kernel):
    k = fresh_kernel
    k.execute("it_a = 1", "it-1")
    k.execute(
        "import time\nprint('it-2 runs with', it_a, flush=True)\ntime.sleep(60 if it_a == 2 else 0)\nit_b = it_a",
        "it-2",
    )
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


# -- 9. refused cells ----------------------------------------------------------------------
def test_a_refused_cell_heals_once_the_conflict_is_gone(kernel):
    kernel.execute("rh_a = 1", "rh-1", cell_order=["rh-1", "rh-2"])
    kernel.execute("rh_b = rh_a + 1", "rh-2", cell_order=["rh-1", "rh-2"])
    refused = kernel.execute("rh_a = rh_b + 1", "rh-1", cell_order=["rh-1", "rh-2"])
    assert refused.content["ename"] == "CycleError"
    assert kernel.value("rh_a") == "1"
    again = kernel.execute("rh_a = 7", "rh-1", cell_order=["rh-1", "rh-2"])
    assert statuses(again) == [("rh-2", "ok")] and kernel.value("rh_b") == "8"


# -- 10. deleted cells -----------------------------------------------------------------------
def test_deleted_cells_are_unregistered_and_readers_rerun(kernel):
    kernel.execute("dc_m = 3", "dc-1")
    kernel.execute("dc_n = dc_m + 1", "dc-2")
    res = kernel.execute("dc_other = 1", "dc-3", deleted=["dc-1", "no-such-cell"])
    assert res.content["status"] == "ok"
    assert res.reactive["deleted"] == ["dc-1"]
    assert statuses(res) == [("dc-2", "error")]
    errs = [m for m in res.under(kernel.last_ids["dc-2"]) if m["msg_type"] == "error"]
    assert errs[0]["content"]["ename"] == "NameError"
    assert kernel.value("dc_m") == "<NameError>"


def test_deleting_a_redefinition_brings_back_the_one_above(kernel):
    kernel.execute("db_x = 1", "db-1")
    kernel.execute("db_x = 2", "db-2")
    kernel.execute("db_y = db_x * 10", "db-3")
    res = kernel.execute("db_z = 0", "db-4", deleted=["db-2"])
    assert "db-3" in ran(res)
    assert kernel.value("db_y") == "10" and kernel.value("db_x") == "1"


def test_unregister_request_deletes_names_and_reruns_readers(kernel):
    kernel.execute("ur_a = 1", "ur-1")
    kernel.execute("ur_b = ur_a + 1", "ur-2")
    res = kernel.unregister("ur-1")
    assert res.content["status"] == "ok" and res.content["deleted"] == ["ur_a"]
    assert [(c["cell_id"], c["status"]) for c in res.content["cascade"]] == [("ur-2", "error")]
    assert kernel.value("ur_a") == "<NameError>"
    unknown = kernel.unregister("ur-1")
    assert unknown.content["status"] == "error" and unknown.content["ename"] == "UnknownCell"


# -- 11. the console --------------------------------------------------------------------------
def test_console_latest_definition_wins(fresh_kernel):
    k = fresh_kernel
    k.execute("an_x = 1")
    k.execute("an_y = an_x + 1")
    res = k.execute("an_x = 5")
    assert res.content["status"] == "ok"
    assert k.value("an_y") == "6"
    assert [c["status"] for c in res.reactive["cascade"]] == ["ok"]
    assert res.reactive["cell_id"].startswith("anon-")


def test_console_inputs_that_only_look_are_not_kept(fresh_kernel):
    k = fresh_kernel
    k.execute("cl_df = [1, 2]")
    k.execute("cl_df.append(3)")
    printed = k.execute("len(cl_df)")
    res = k.execute("cl_df = [9]")
    assert k.value("cl_df") == "[9]"
    assert ran(res) == []
    assert printed.reactive["cell_id"] not in [c["cell_id"] for c in res.reactive["cascade"]]


def test_silent_requests_register_nothing(kernel):
    kernel.execute("sl_a = 1", "sl-1")
    kernel.execute("sl_b = sl_a + 1", "sl-2")
    res = kernel.execute("sl_a = 100", silent=True, store_history=False)
    assert "reactive" not in res.reply["metadata"]
    assert kernel.value("sl_b") == "2"
    kernel.execute("sl_a = 3", "sl-1")
    assert kernel.value("sl_b") == "4"


# -- 12. strict mode ---------------------------------------------------------------------------
def test_strict_mode_refuses_a_second_definition_and_heals(fresh_kernel):
    k = fresh_kernel
    k.execute("%reactive strict")
    k.execute("md_k = 1", "md-1")
    res = k.execute("md_k = 2", "md-2")
    assert res.content["ename"] == "MultipleDefinitionError"
    assert res.content["name"] == "md_k" and res.content["owner"] == "md-1"
    assert "md_k = 1" in res.content["evalue"]
    assert k.value("md_k") == "1"
    k.execute("md_other = 1", "md-1")
    assert k.execute("md_k = 2", "md-2").content["status"] == "ok"
    k.execute("md_l = []", "md-3")
    assert k.execute("md_l.append(1)", "md-4").content["status"] == "ok"  # changes are allowed
    k.execute("%reactive allow")
    assert k.execute("md_k = 3", "md-5").content["status"] == "ok"


# -- 13. lazy mode ------------------------------------------------------------------------------
def test_lazy_mode_marks_readers_stale(fresh_kernel):
    k = fresh_kernel
    k.execute("%config ReactiveKernel.mode = 'lazy'")
    k.execute("lz_a = 1", "lz-1")
    k.execute("lz_b = lz_a + 1", "lz-2")
    res = k.execute("lz_a = 10", "lz-1")
    assert statuses(res) == [("lz-2", "stale")]
    assert k.value("lz_b") == "2"
    notices = [m for m in res.under(k.last_ids["lz-2"]) if m["msg_type"] == "display_data"]
    assert "stale" in notices[0]["content"]["data"]["text/plain"]
    run = k.execute("%reactive run-stale", "lz-run")
    assert k.value("lz_b") == "11"
    assert ("lz-2", "ok") in statuses(run)


# -- 14. where outputs go --------------------------------------------------------------------------
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


def test_outputs_from_another_session_go_under_the_current_request_and_a_copy_to_the_other(kernel):
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
    tag = heading["content"]["metadata"]["reactive"]
    assert tag["kind"] == "heading" and tag["cell_id"] == "os-2" and "print('os_b'" in tag["label"]
    assert heading["metadata"]["reactive"] == tag
    assert "print('os_b'" in heading["content"]["data"]["text/plain"]
    assert res.stdout(current) == "os_b 3\n"
    assert res.reactive["cascade"][0]["msg_id"] == current
    own = kernel.last_ids["os-2"]
    assert res.types(own) == ["clear_output", "stream"] and res.stdout(own) == "os_b 3\n"


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
        "status",
        "execute_input",
        "stream",
        "display_data",
        "update_display_data",
        "execute_result",
        "error",
        "clear_output",
    }
    assert {m["msg_type"] for m in res.messages} <= standard
    assert sum(m["msg_type"] == "execute_input" for m in res.messages) == 1


# -- 15. cascade metadata ----------------------------------------------------------------------------
def test_the_report_names_cells_as_people_see_them(kernel):
    kernel.execute("rl_a = 1", "rl-1")
    kernel.execute("rl_b = rl_a + 1", "rl-2")
    res = kernel.execute("rl_a = 2", "rl-1")
    report = res.reactive
    assert report["label"] == f"cell [{res.content['execution_count']}] rl_a = 2"
    entry = report["cascade"][0]
    assert entry["cell_id"] == "rl-2" and entry["label"].endswith("] rl_b = rl_a + 1")
    assert report["reads"] == [] and report["writes"] == ["rl_a"]


# -- 16. register without executing ---------------------------------------------------------
def test_registered_cells_take_part_in_cascades(kernel):
    reply = kernel.register("rg-1", "rg_a = 1")
    assert reply["status"] == "ok" and reply["writes"] == ["rg_a"]
    reply = kernel.register("rg-2", "rg_b = rg_a * 2\nprint('rg_b', rg_b)")
    assert reply["parents"] == ["rg-1"] and reply["reads"] == ["print", "rg_a"]
    assert kernel.register("rg-1", "rg_a = 1")["children"] == ["rg-2"]
    res = kernel.execute("rg_a = 4", "rg-1")
    assert statuses(res) == [("rg-2", "ok")]
    assert "rg_b 8" in res.stdout()
    kernel.register("rg-2", "rg_b = rg_a * 100")
    kernel.execute("rg_a = 2", "rg-1")
    assert kernel.value("rg_b") == "200"


def test_register_refusals_carry_their_data(kernel):
    kernel.register("rr-2", "rr_b = rr_a")
    cyc = kernel.register("rr-1", "rr_a = rr_b")
    assert cyc["status"] == "error" and cyc["ename"] == "CycleError"
    assert cyc["cycle"] == [["rr-1", "rr_a"], ["rr-2", "rr_b"]]
    syn = kernel.register("rr-4", "rr_c = (")
    assert syn["ename"] == "SyntaxError" and syn["lineno"] == 1


# -- 17. bad input -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content, metadata, why",
    [
        ({"silent": False}, {}, "missing field 'code'"),
        ({"code": 42}, {}, "field 'code' must be str"),
        ({"code": "1", "silent": "no"}, {}, "field 'silent' must be bool"),
        ({"code": "1"}, {"cellId": 7}, "metadata.cellId must be a string"),
        ({"code": "1"}, {"deletedCells": "c1"}, "metadata.deletedCells must be a list"),
        ({"code": "1"}, {"cellOrder": "c1"}, "metadata.cellOrder must be a list"),
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
        session.pack(msg["header"]),
        session.pack({}),
        session.pack({}),
        b"\xff\xfe{not json",
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
