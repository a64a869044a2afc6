"""Rule 6: a cell left to its own waiting request is never both skipped and reported ``ok``.

Cells ``a -> b -> c``; ``a`` is executed with a slow edit, and ``b``'s own request
is sent right behind it, so that ``a``'s cascade finds it waiting and leaves
``b`` (and ``c``, which reads it) to it.  Then ``b``'s request does not run ``b``:
ipykernel aborts it after an error, it is silent, it is malformed, or its new
code is refused.  Each time the kernel says what became of ``b``, where its
client sees it, and the next execute brings the notebook up to date.
"""

from __future__ import annotations

SLOW = "import time\ntime.sleep(0.3)\n"


def chain(k, p):
    k.execute(f"{p}a = 1", f"{p}-a")
    k.execute(f"{p}b = {p}a + 1\nprint('b is', {p}b)", f"{p}-b")
    k.execute(f"{p}c = {p}b + 1", f"{p}-c")


def notices(result, msg_id):
    return [
        m["content"]["data"]["text/plain"]
        for m in result.under(msg_id)
        if m["msg_type"] == "display_data" and m["content"]["metadata"].get("reactive", {}).get("kind") == "notice"
    ]


def caught_up(k, p):
    res = k.execute(f"{p}z = 0", f"{p}-z")
    assert [c["cell_id"] for c in res.reactive["cascade"] if c["status"] == "ok"] == [f"{p}-b", f"{p}-c"]
    assert (k.value(f"{p}b"), k.value(f"{p}c")) == ("6", "7")


def test_aborted_after_an_error(fresh_kernel):
    k = fresh_kernel
    chain(k, "ab")
    first = k.execute_msg(SLOW + "aba = 5", "ab-a")
    failing = k.execute_msg("1 / 0", "ab-x")
    own = k.execute_msg("abb = aba + 1\nprint('b is', abb)", "ab-b")
    res_first, _res_failing, res_own = k.wait(first), k.wait(failing), k.wait(own)
    assert res_first.reactive["cascade"] == []  # left to b's own request
    assert res_own.content["status"] == "aborted"
    assert res_own.reactive["status"] == "stale"
    assert any("aborted" in text for text in notices(res_own, own["header"]["msg_id"]))
    assert (k.value("abb"), k.value("abc")) == ("2", "3")
    caught_up(k, "ab")


def test_silent(fresh_kernel):
    k = fresh_kernel
    chain(k, "si")
    area = k.last_ids["si-b"]  # the cell's output area: its last own request
    first = k.execute_msg(SLOW + "sia = 5", "si-a")
    silent = k.execute_msg("sib = sia + 1\nprint('b is', sib)", "si-b", silent=True, store_history=False)
    k.last_ids["si-b"] = area
    res_first, res_silent = k.wait(first), k.wait(silent)
    assert res_first.reactive["cascade"] == []
    assert res_silent.content["status"] == "ok"
    assert res_silent.reactive["status"] == "stale"
    assert any("silent" in text for text in notices(res_silent, area))
    assert k.value("sic") == "3"  # c has not run: it is out of date, and the kernel knows it
    caught_up(k, "si")


def test_malformed(fresh_kernel):
    k = fresh_kernel
    chain(k, "ma")
    first = k.execute_msg(SLOW + "maa = 5", "ma-a")
    bad = k.send("execute_request", {"code": 5, "silent": False}, {"cellId": "ma-b"})
    res_first, res_bad = k.wait(first), k.wait(bad)
    assert res_first.reactive["cascade"] == []
    assert res_bad.content["ename"] == "BadRequest"
    assert res_bad.reactive["status"] == "stale"
    assert any("malformed" in text for text in notices(res_bad, bad["header"]["msg_id"]))
    assert (k.value("mab"), k.value("mac")) == ("2", "3")
    caught_up(k, "ma")


def test_refused(fresh_kernel):
    k = fresh_kernel
    chain(k, "re")
    first = k.execute_msg(SLOW + "rea = 5", "re-a")
    refused = k.execute_msg("reb = rec + 1", "re-b")  # closes a cycle: b <- c <- b
    res_first, res_refused = k.wait(first), k.wait(refused)
    assert res_first.reactive["cascade"] == []
    assert res_refused.content["ename"] == "CycleError"
    assert res_refused.reactive["status"] == "blocked"
    # the code registered before the refused edit runs after all, and the report says so
    ran = [(c["cell_id"], c["status"]) for c in res_refused.reactive["cascade"]]
    assert ran == [("re-b", "ok"), ("re-c", "ok")]
    assert (k.value("reb"), k.value("rec")) == ("6", "7")
    # in the cell's area the refusal stays in view, the re-run's output after a heading below it
    area = refused["header"]["msg_id"]
    kinds = [m["msg_type"] for m in res_refused.under(area) if m["msg_type"] != "status"]
    assert "clear_output" not in kinds
    assert kinds.index("error") < kinds.index("stream")
    assert res_refused.stdout(area) == "b is 6\n"
