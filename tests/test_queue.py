"""The waiting requests and bursts: which requests one client sent without waiting for replies."""

from datetime import datetime, timedelta, timezone

from reactive_kernel.kernel.queue import BATCH_GAP, RequestQueue

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def header(msg_id, at, session="s1"):
    return {"msg_id": msg_id, "session": session, "date": T0 + timedelta(seconds=at)}


def test_requests_sent_together_make_a_burst_even_when_each_arrives_after_the_last_reply():
    queue = RequestQueue()
    assert queue.join_burst(header("m1", 0.0), "a") == ["a"]
    queue.finished(header("m1", 0.0), took=0.004)
    assert queue.join_burst(header("m2", 0.0005), "b") == ["a", "b"]
    queue.finished(header("m2", 0.0005), took=0.004)
    assert queue.join_burst(header("m3", 0.001), "c") == ["a", "b", "c"]


def test_a_client_that_waits_for_each_reply_makes_no_burst():
    queue = RequestQueue()
    queue.join_burst(header("m1", 0.0), "a")
    queue.finished(header("m1", 0.0), took=0.002)
    # sent after the reply could have come back: 3 ms after a request that took 2 ms
    assert queue.join_burst(header("m2", 0.003), "b") == ["b"]


def test_a_slow_cell_does_not_stretch_a_burst_past_the_gap():
    queue = RequestQueue()
    queue.join_burst(header("m1", 0.0), "a")
    queue.finished(header("m1", 0.0), took=10.0)
    assert queue.join_burst(header("m2", BATCH_GAP * 2), "b") == ["b"]


def test_bursts_are_per_client_and_a_running_request_has_no_burst_to_join():
    queue = RequestQueue()
    queue.join_burst(header("m1", 0.0), "a")
    assert queue.join_burst(header("m2", 0.0001, session="s2"), "b") == ["b"]
    # m1 has not been answered: a request of its session cannot be known to follow it yet
    assert queue.join_burst(header("m3", 0.0002), "c") == ["c"]


def test_waiting_requests_after_this_one_are_its_batch_in_order():
    queue = RequestQueue()
    for n, cell in enumerate("bcd", start=1):
        queue.arrived(header(f"m{n}", n * 0.001), {"cellId": cell})
    queue.arrived(header("x", 0.0015, session="other"), {"cellId": "z"})
    assert queue.batch_after(header("m0", 0.0)) == ["b", "c", "d"]
    queue.started("m1")
    assert not queue.waiting("b") and queue.waiting("c")
