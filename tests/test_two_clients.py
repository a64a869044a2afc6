"""Rule 14 with two real client sessions on one kernel: each sees what a cascade did to its cells, in its cells.

Client 1 runs a cell; client 2 (its own ``Session``, its own sockets, as a
second browser tab or a coordinator would be) re-runs the cell above it.  The
kernel cannot reach client 1's output area through client 2's request, so it
shows the re-run under client 2's request after a heading and copies it under
client 1's own request for that cell, which client 1 keeps rendering in place.
"""

from __future__ import annotations

import queue
import time

import pytest
from jupyter_client.session import Session


@pytest.fixture
def two_clients(fresh_kernel):
    first = fresh_kernel
    session = Session(key=first.km.session.key, signature_scheme=first.km.session.signature_scheme)
    second = first.km.client(session=session)
    second.start_channels()
    second.wait_for_ready(timeout=30)
    assert second.session.session != first.kc.session.session
    yield first, second
    second.stop_channels()


def run(client, code, cell_id, timeout=30):
    """Execute with a cell id through a blocking client; (msg_id, reply, its iopub messages until idle)."""
    msg_id = _send(client, code, cell_id)
    messages = []
    end = time.monotonic() + timeout
    while True:
        msg = client.get_iopub_msg(timeout=max(0.1, end - time.monotonic()))
        messages.append(msg)
        if (
            msg["msg_type"] == "status"
            and msg["content"]["execution_state"] == "idle"
            and msg["parent_header"].get("msg_id") == msg_id
        ):
            break
    while True:
        reply = client.get_shell_msg(timeout=max(0.1, end - time.monotonic()))
        if reply["parent_header"].get("msg_id") == msg_id:
            return msg_id, reply, messages


def _send(client, code, cell_id):
    msg = client.session.msg(
        "execute_request",
        {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
        metadata={"cellId": cell_id},
    )
    client.shell_channel.send(msg)
    return msg["header"]["msg_id"]


def drain(client, seconds=1.0):
    out = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            out.append(client.get_iopub_msg(timeout=0.1))
        except queue.Empty:
            pass
    return out


def under(messages, msg_id, *types):
    return [m for m in messages if m["parent_header"].get("msg_id") == msg_id and (not types or m["msg_type"] in types)]


def test_a_cascade_from_another_client_reaches_each_clients_own_cell(two_clients):
    first, second = two_clients
    run(first.kc, "tc_a = 1", "tc-1")
    b_request, _, _ = run(first.kc, "print('tc_b', tc_a + 1)", "tc-2")
    drain(first.kc, 0.3)
    current, reply, seen_by_second = run(second, "tc_a = 2", "tc-1")
    assert reply["content"]["status"] == "ok"
    # client 2: a heading naming the cell, then its output, under client 2's own request
    shown = under(seen_by_second, current, "display_data", "stream")
    heading = shown[0]
    assert heading["msg_type"] == "display_data" and "re-ran" in heading["content"]["data"]["text/plain"]
    assert heading["metadata"]["reactive"] == {"kind": "heading", **heading["metadata"]["reactive"]}
    assert heading["metadata"]["reactive"]["cell_id"] == "tc-2"
    assert shown[1]["msg_type"] == "stream" and shown[1]["content"]["text"] == "tc_b 3\n"
    # client 1: in tc-2's own output area (its request), the old output cleared and the new one shown
    seen_by_first = drain(first.kc, 1.0)
    in_cell = under(seen_by_first, b_request, "clear_output", "stream")
    assert [m["msg_type"] for m in in_cell] == ["clear_output", "stream"]
    assert in_cell[1]["content"]["text"] == "tc_b 3\n"
    assert all(m["metadata"]["reactive"]["cell_id"] == "tc-2" for m in in_cell)
    entry = reply["metadata"]["reactive"]["cascade"][0]
    assert (entry["cell_id"], entry["status"], entry["msg_id"]) == ("tc-2", "ok", current)


def test_a_notice_for_another_clients_cell_reaches_that_client_too(two_clients):
    first, second = two_clients
    run(first.kc, "tn_a = 1", "tn-1")
    b_request, _, _ = run(first.kc, "tn_b = tn_a + 1", "tn-2")
    run(second, "%reactive lazy", "tn-mode")
    drain(first.kc, 0.3)
    current, reply, seen_by_second = run(second, "tn_a = 2", "tn-1")
    assert [(c["cell_id"], c["status"]) for c in reply["metadata"]["reactive"]["cascade"]] == [("tn-2", "stale")]
    notice = under(seen_by_second, current, "display_data")
    assert any("stale" in m["content"]["data"]["text/plain"] for m in notice)
    copy = under(drain(first.kc, 1.0), b_request, "display_data")
    assert len(copy) == 1 and "stale" in copy[0]["content"]["data"]["text/plain"]
    assert copy[0]["content"]["metadata"]["reactive"]["cell_id"] == "tn-2"
