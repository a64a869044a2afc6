"""Rule 8: interrupts during the kernel's own updates are held and delivered after, never lost."""

from __future__ import annotations

import time

SLOW = "import time\nclass _Slow:\n    def __del__(self):\n        time.sleep(1.5)\n"
RAISING = "class _Raising:\n    def __del__(self):\n        raise ValueError('from __del__')\n"


def test_an_interrupt_while_names_are_deleted_is_delivered_after(fresh_kernel):
    k = fresh_kernel
    k.execute(SLOW, "in-0")
    k.execute("in_a = _Slow()", "in-1")
    k.execute("print(in_a is not None)", "in-2")
    # deleting in-1 deletes in_a, whose __del__ sleeps: the interrupt comes during the deletion
    msg = k.execute_msg("in_c = 2", "in-3", deleted=["in-1"])
    time.sleep(0.8)
    k.km.interrupt_kernel()
    res = k.wait(msg)
    assert res.content["status"] == "error" and res.content["ename"] == "KeyboardInterrupt"
    assert k.value("'in_a' in globals()") == "False"
    # delivered before the next cell's code: in-2 (which read in_a) comes before in-3
    assert [(c["cell_id"], c["status"]) for c in res.reactive["cascade"]] == [
        ("in-2", "interrupted"),
        ("in-3", "skipped"),
    ]
    assert k.value("'in_c' in globals()") == "False"
    # the graph agrees with the namespace: in-2 reads a name no cell writes any more
    assert k.execute("in_c = 2", "in-3").content["status"] == "ok"
    assert k.execute("print(in_a is not None)", "in-2").content["ename"] == "NameError"


def test_an_interrupt_held_before_a_cell_stops_the_cascade_there(fresh_kernel):
    k = fresh_kernel
    k.execute(SLOW, "ih-0")
    k.execute("ih_a = 1", "ih-1")
    k.execute("ih_b = _Slow() if ih_a else None", "ih-2")
    k.execute("ih_c = ih_a + 1", "ih-3")
    # re-running ih-2 replaces ih_b: the kernel deletes the old value first (its __del__ sleeps)
    msg = k.execute_msg("ih_a = 2", "ih-1")
    time.sleep(0.8)
    k.km.interrupt_kernel()
    res = k.wait(msg)
    assert res.content["ename"] == "KeyboardInterrupt"
    statuses = {c["cell_id"]: c["status"] for c in res.reactive["cascade"]}
    assert statuses["ih-2"] == "interrupted" and statuses["ih-3"] == "skipped"
    assert k.value("ih_c") == "2"  # not re-run: still the value from ih_a = 1
    res = k.execute("ih_c = ih_a + 1", "ih-3")
    assert res.content["status"] == "ok" and k.value("ih_c") == "3"


def test_a_del_that_raises_during_a_deletion_leaves_the_kernel_consistent(fresh_kernel):
    k = fresh_kernel
    k.execute(RAISING, "dr-0")
    k.execute("dr_a = _Raising()", "dr-1")
    res = k.execute("dr_b = 1", "dr-2", deleted=["dr-1"])
    assert res.content["status"] == "ok"
    assert k.value("'dr_a' in globals()") == "False"
    assert k.execute("dr_a = 5", "dr-1").content["status"] == "ok" and k.value("dr_a") == "5"
