"""Rule 17 on the wire: every request answered exactly once whatever its header or content, the kernel never wedged.

Each test talks to a real kernel through ``RawClient``, which can send what
jupyter_client never would (a list as ``msg_id``, undecodable content, lone
surrogates).  The last tests reproduce two ways stock ipykernel 7.4 wedges for
good and check that the reactive kernel does not (each also checks that the
reproduction still wedges stock ipykernel, so it cannot pass by not reproducing).
"""

from __future__ import annotations

import os
import queue
import time

import pytest
from rawclient import RawClient
from support import KernelDriver


@pytest.fixture(scope="module")
def raw(kernel):
    client = RawClient(kernel.km.get_connection_info())
    yield client
    client.close()


def ask(raw, channel, msg_type, content=None, metadata=None, **header):
    seq = raw.send(channel, raw.header(msg_type, **header), content, metadata)
    return raw.wait_for(seq)


def one_error_reply(answers, reply_type, ename="BadRequest"):
    assert (answers.busy, answers.idle) == (1, 1)
    assert len(answers.replies) == 1, answers.replies
    reply = answers.replies[0]
    assert reply["msg_type"] == reply_type
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == ename, reply["content"]
    return reply["content"]


def still_works(kernel):
    assert kernel.execute("1 + 1").content["status"] == "ok"


# -- malformed content of the inherited request types ----------------------------------------
@pytest.mark.parametrize(
    "channel, msg_type, content, why",
    [
        ("shell", "complete_request", {"code": 5, "cursor_pos": 0}, "field 'code' must be str"),
        ("shell", "complete_request", {"code": "ab"}, "missing field 'cursor_pos'"),
        ("shell", "complete_request", {"code": "ab", "cursor_pos": 9}, "cursor_pos must be between"),
        ("shell", "inspect_request", {"code": "x", "cursor_pos": "1"}, "field 'cursor_pos' must be int"),
        ("shell", "inspect_request", {"code": "x", "cursor_pos": 1, "detail_level": 7}, "detail_level"),
        ("shell", "history_request", {"hist_access_type": 3, "output": False, "raw": True}, "hist_access_type"),
        ("shell", "history_request", {"output": False, "raw": True}, "missing field 'hist_access_type'"),
        ("shell", "is_complete_request", {"code": ["x"]}, "field 'code' must be str"),
        ("shell", "comm_info_request", {"target_name": {"a": 1}}, "field 'target_name'"),
        ("shell", "kernel_info_request", [1, 2], "content must be an object"),
        ("shell", "execute_request", {"code": "1", "store_history": "yes"}, "field 'store_history'"),
        ("control", "shutdown_request", {"restart": "now"}, "field 'restart' must be bool"),
        ("control", "kernel_info_request", "text", "content must be an object"),
        ("control", "delete_subshell_request", {"subshell_id": 5}, "field 'subshell_id'"),
        ("control", "execute_request", {"code": "1"}, "shell channel only"),
    ],
)
def test_malformed_requests_get_one_error_reply_of_their_type(kernel, raw, channel, msg_type, content, why):
    answers = ask(raw, channel, msg_type, content)
    error = one_error_reply(answers, msg_type.replace("_request", "_reply"))
    assert why in error["evalue"]
    still_works(kernel)


def test_unknown_fields_of_a_history_request_are_ignored(raw):
    answers = ask(
        raw,
        "shell",
        "history_request",
        {"hist_access_type": "tail", "output": False, "raw": True, "n": 2, "colour": "red"},
    )
    assert [r["content"]["status"] for r in answers.replies] == ["ok"]


def test_comm_messages_with_bad_content_get_busy_and_idle_only(raw):
    for content in ([1], {"comm_id": ["x"]}, {"data": {}}):
        answers = ask(raw, "shell", "comm_msg", content)
        assert (answers.busy, answers.idle, answers.replies) == (1, 1, [])


def test_undecodable_content_on_the_control_channel(raw):
    seq = raw.send("control", raw.header("kernel_info_request"), raw_content=b"\xff{not json")
    error = one_error_reply(raw.wait_for(seq), "kernel_info_reply")
    assert "could not be decoded" in error["evalue"]


def test_unsigned_messages_get_nothing(raw):
    seq = raw.send("shell", raw.header("kernel_info_request"), {}, signature=b"0" * 64)
    raw.quiet(0.5)
    assert seq not in raw.answers


# -- headers ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["msg_id", "session", "username", "date", "version", "subshell_id"])
@pytest.mark.parametrize("value", [["x", 1], {"a": "b"}])
def test_ill_typed_header_fields_are_refused_with_a_reply(kernel, raw, name, value):
    answers = ask(raw, "shell", "kernel_info_request", {}, **{name: value})
    error = one_error_reply(answers, "kernel_info_reply")
    assert f"header.{name}" in error["evalue"]
    still_works(kernel)


def test_a_list_msg_id_on_an_execute_request_gets_its_reply(kernel, raw):
    answers = ask(raw, "shell", "execute_request", {"code": "hd_x = 1"}, msg_id=["a", 1])
    error = one_error_reply(answers, "execute_reply")
    assert answers.replies[0]["parent_header"]["msg_id"] == ["a", 1]
    assert "header.msg_id" in error["evalue"]
    assert kernel.value("'hd_x' in globals()") == "False"


def test_header_extra_fields_must_be_scalars(raw):
    answers = ask(raw, "control", "kernel_info_request", {}, extra={"deep": [1]})
    assert "header.extra" in one_error_reply(answers, "kernel_info_reply")["evalue"]


# -- cell ids and text -------------------------------------------------------------------------
def test_an_over_long_cell_id_is_refused_and_not_echoed(kernel, raw):
    long_id = "c" * 20_000
    answers = ask(raw, "shell", "execute_request", {"code": "ln_x = 1"}, {"cellId": long_id})
    error = one_error_reply(answers, "execute_reply")
    assert "limit is 1000" in error["evalue"] and long_id not in str(answers.replies[0]["content"])
    assert answers.replies[0]["metadata"].get("reactive") is None
    answers = ask(raw, "shell", "register_cell_request", {"cell_id": long_id, "code": "ln_y = 1"})
    assert one_error_reply(answers, "register_cell_reply")["cell_id"] is None
    assert kernel.value("'ln_x' in globals() or 'ln_y' in globals()") == "False"
    assert kernel.execute("ln_x = 1", "c" * 1000).content["status"] == "ok"


@pytest.mark.parametrize(
    "msg_type, content, metadata",
    [
        ("execute_request", {"code": "ls_x = 1"}, {"cellId": "bad\ud800id"}),
        ("execute_request", {"code": "ls_x = '\ud800'"}, {"cellId": "ls-1"}),
        ("register_cell_request", {"cell_id": "ls-2", "code": "ls_y = '\udc80'"}, {}),
        ("register_cell_request", {"cell_id": "\udfff", "code": "ls_y = 1"}, {}),
        ("complete_request", {"code": "pri\ud800", "cursor_pos": 3}, {}),
    ],
)
def test_lone_surrogates_are_refused_with_a_reply(kernel, raw, msg_type, content, metadata):
    answers = ask(raw, "shell", msg_type, content, metadata)
    assert "not valid Unicode" in one_error_reply(answers, msg_type.replace("_request", "_reply"))["evalue"]
    assert kernel.value("[n for n in ('ls_x', 'ls_y') if n in globals()]") == "[]"


def test_a_lone_surrogate_in_a_header_is_answered(kernel, raw):
    answers = ask(raw, "shell", "kernel_info_request", {}, msg_id="id-\ud800")
    one_error_reply(answers, "kernel_info_reply")
    assert answers.replies[0]["parent_header"]["msg_id"] == "id-\ud800"
    still_works(kernel)


# -- the two wedges ------------------------------------------------------------------------------
def _wedges_after_bad_header(driver: KernelDriver) -> bool:
    """A request whose header.session is a list, whose code writes to fd 2; then 200 KB more to fd 2."""
    raw = RawClient(driver.km.get_connection_info())
    try:
        code = "import os, time\nos.write(2, b'x\\n')\ntime.sleep(0.3)"
        raw.wait_for(raw.send("shell", raw.header("execute_request", session=["a", 1]), {"code": code}))
    finally:
        raw.close()
    for _ in range(40):
        msg = driver.execute_msg("import os\nos.write(2, b'x' * 5000)")
        try:
            driver.wait(msg, timeout=10)
        except (TimeoutError, queue.Empty):
            return True
    return False


@pytest.mark.parametrize("kernel_name", ["reactive-python", "python3"])
def test_a_list_in_the_header_does_not_kill_the_stderr_watcher(kernel_name):
    """Stock ipykernel: the watcher thread that forwards fd 2 dies on the list (its streams hash the header's
    items), and once the 64 KiB pipe behind fd 2 is full the next write to it blocks the kernel for good.

    ipykernel watches fd 2 only outside pytest (it looks for ``PYTEST_CURRENT_TEST``), so the kernel
    starts without that variable, as it would for a user.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    driver = KernelDriver(kernel_name, env=env)
    try:
        wedged = _wedges_after_bad_header(driver)
    finally:
        driver.km.shutdown_kernel(now=True)
        driver.kc.stop_channels()
    if kernel_name == "python3":
        if not wedged:
            pytest.skip("stock ipykernel no longer wedges here")
        return
    assert not wedged


def _flood(driver: KernelDriver, count: int) -> tuple[int, bool]:
    """Send ``count`` kernel_info requests without reading; then read: (replies received, round trip works)."""
    raw = RawClient(driver.km.get_connection_info())
    try:
        seqs = [raw.send("shell", raw.header("kernel_info_request"), {}) for _ in range(count)]
        time.sleep(3)
        end = time.monotonic() + 60
        while time.monotonic() < end and sum(bool(raw.answers[s].replies) for s in seqs) < count:
            if raw.pump(5) == 0:
                break
        got = sum(len(raw.answers[s].replies) for s in seqs)
        last = raw.send("shell", raw.header("kernel_info_request"), {})
        alive = bool(raw.wait_for(last, timeout=10).replies)
        return got, alive
    finally:
        raw.close()


@pytest.mark.parametrize("kernel_name", ["reactive-python", "python3"])
def test_requests_sent_without_reading_replies_do_not_deadlock_the_shell(kernel_name):
    """Stock ipykernel: the shell-channel thread blocks forwarding requests to the main thread while the
    main thread blocks handing replies back (two in-process socket pairs of ~2,000 messages each)."""
    driver = KernelDriver(kernel_name)
    try:
        got, alive = _flood(driver, 5000)
    finally:
        driver.km.shutdown_kernel(now=True)
        driver.kc.stop_channels()
    if kernel_name == "python3":
        if alive:
            pytest.skip("stock ipykernel no longer deadlocks here")
        return
    assert (got, alive) == (5000, True)
