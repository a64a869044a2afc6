"""The coordinator against real reactive kernel processes."""

from __future__ import annotations

import asyncio
import threading

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel
from nbformat.v4 import new_code_cell, new_notebook

from reactive_kernel.client.coordinator import (
    BlockingCoordinator,
    CellConflictError,
    CellCycleError,
    CellSyntaxError,
    Coordinator,
    KernelDiedError,
    NotebookRefused,
    UnknownCellError,
)


@pytest.fixture(scope="module")
def co():
    """One coordinator and kernel for the tests that can share them (distinct cell ids)."""
    coordinator = BlockingCoordinator().start()
    yield coordinator
    coordinator.shutdown()


def summary(cascade):
    return [(run.cell_id, run.status) for run in cascade]


# -- cascades ----------------------------------------------------------------
def test_cascade_of_three_in_order(co):
    co.register("t3-b", "t3_y = t3_x + 1\nprint('b', t3_y)")
    co.register("t3-c", "t3_z = t3_y * 10\nt3_z")
    cascade = co.execute("t3-a", "t3_x = 1\nprint('a', t3_x)")
    assert summary(cascade) == [("t3-a", "ok"), ("t3-b", "ok"), ("t3-c", "ok")]
    a, b, c = cascade
    assert (a.stdout, b.stdout, c.stdout) == ("a 1\n", "b 2\n", "")
    assert c.displays == [{"text/plain": "20"}]
    assert [(r.index, r.total, r.is_last) for r in cascade] == [(0, 3, False), (1, 3, False), (2, 3, True)]
    assert a.writes == ("t3_x",) and "t3_x" in b.reads and b.writes == ("t3_y",)
    assert a.execution_count is not None and b.execution_count is None
    # b and c were only registered: their outputs came under this request, after headings
    assert {r.msg_id for r in cascade} == {cascade.msg_id}


def test_outputs_of_a_cell_run_before_come_under_its_own_request(co):
    co.execute("own-a", "own_x = 1")
    first_b = co.execute("own-b", "own_y = own_x + 1\nprint('b', own_y)")
    co.register("own-c", "print('c', own_y * 2)")
    cascade = co.execute("own-a", "own_x = 5")
    assert summary(cascade) == [("own-a", "ok"), ("own-b", "ok"), ("own-c", "ok")]
    assert cascade.run("own-b").msg_id == first_b.msg_id
    assert cascade.run("own-b").stdout == "b 6\n"
    assert cascade.run("own-c").msg_id == cascade.msg_id
    assert cascade.run("own-c").stdout == "c 12\n"


def test_cascade_of_two_hundred_cells(co):
    n = 200
    for i in reversed(range(1, n)):
        co.register(f"ch-{i}", f"ch_{i} = ch_{i - 1} + 1\nprint({i}, ch_{i})")
    cascade = co.execute("ch-0", "ch_0 = 0\nprint(0, ch_0)")
    assert cascade.cell_ids == [f"ch-{i}" for i in range(n)]
    assert all(run.status == "ok" for run in cascade)
    assert [run.stdout for run in cascade] == [f"{i} {i}\n" for i in range(n)]
    assert [run.index for run in cascade] == list(range(n))
    assert all(run.total == n for run in cascade) and cascade[-1].is_last


def test_error_skips_the_descendants(co):
    co.register("er-b", "er_y = er_x * 2")
    co.register("er-c", "er_z = er_y + 1")
    cascade = co.execute("er-a", "er_x = 1 / 0")
    assert summary(cascade) == [("er-a", "error"), ("er-b", "skipped"), ("er-c", "skipped")]
    assert cascade[0].ename == "ZeroDivisionError" and cascade[0].traceback
    assert cascade[1].blocked_by == "er-a" and cascade[1].reason == "an ancestor raised"
    assert summary(co.execute("er-a", "er_x = 2")) == [("er-a", "ok"), ("er-b", "ok"), ("er-c", "ok")]


def test_unregister_reruns_the_dependents(co):
    co.execute("un-a", "un_x = 1")
    co.execute("un-b", "un_y = un_x + 1")
    cascade = co.unregister("un-a")
    assert cascade.deleted == ["un_x"]
    assert summary(cascade) == [("un-b", "error")]
    assert cascade[0].ename == "NameError"
    assert "un-a" not in co.cells
    with pytest.raises(UnknownCellError) as err:
        co.unregister("un-a")
    assert err.value.cell_id == "un-a"


def test_execute_without_code_needs_a_registered_cell(co):
    with pytest.raises(UnknownCellError):
        co.execute("never-registered")
    co.register("reg-only", "print('registered code ran')")
    assert co.execute("reg-only")[0].stdout == "registered code ran\n"


# -- refusals ----------------------------------------------------------------
def test_refusals_are_typed_and_carry_their_data(co):
    co.register("rf-a", "rf_x = 1")
    co.register("rf-b", "rf_y = rf_x + 1")
    with pytest.raises(CellCycleError) as cycle:
        co.register("rf-a", "rf_x = rf_y")
    assert cycle.value.cell_id == "rf-a"
    assert cycle.value.cycle == [("rf-a", "rf_x"), ("rf-b", "rf_y")]
    with pytest.raises(CellConflictError) as conflict:
        co.register("rf-d", "rf_y = 3")
    assert (conflict.value.name, conflict.value.owner) == ("rf_y", "rf-b")
    with pytest.raises(CellSyntaxError) as syntax:
        co.register("rf-e", "x = 1\nrf_q = (")
    assert syntax.value.lineno is not None
    assert co.cells["rf-a"] == "rf_x = 1" and "rf-d" not in co.cells

    blocked = co.execute("rf-d", "rf_y = 4")
    assert summary(blocked) == [("rf-d", "blocked")]
    assert isinstance(blocked[0].refusal, CellConflictError)
    assert blocked[0].refusal.owner == "rf-b" and blocked[0].ename == "MultipleDefinitionError"
    # the refused cells changed nothing: the graph still cascades a -> b
    assert summary(co.execute("rf-a", "rf_x = 10")) == [("rf-a", "ok"), ("rf-b", "ok")]


def test_refused_or_unparsable_code_keeps_the_cell_as_it_was(co):
    co.execute("kp-a", "kp_x = 1")
    co.execute("kp-w", "kp_w = 0")
    first = co.execute("kp-b", "kp_y = kp_x + 1\nprint('b', kp_y)")
    assert summary(co.execute("kp-b", "kp_y = kp_x\nkp_w = 3")) == [("kp-b", "blocked")]
    unparsable = co.execute("kp-b", "kp_y = (")
    assert summary(unparsable) == [("kp-b", "error")] and unparsable[0].ename == "SyntaxError"
    assert co.cells["kp-b"] == "kp_y = kp_x + 1\nprint('b', kp_y)"
    cascade = co.execute("kp-a", "kp_x = 10")
    assert cascade.run("kp-b").stdout == "b 11\n"
    assert first.msg_id != unparsable.msg_id
    # outputs go under the cell's latest request: the one a notebook frontend still shows
    assert cascade.run("kp-b").msg_id == unparsable.msg_id
    assert cascade.run("kp-b").writes == ("kp_y",)


def test_load_notebook_reports_every_refusal(co, tmp_path):
    nb = new_notebook(cells=[
        new_code_cell("ln_x = 1", id="ln-a"),
        new_code_cell("ln_x = 2", id="ln-b"),
        new_code_cell("ln_y = ln_z", id="ln-c"),
        new_code_cell("ln_z = ln_y", id="ln-d"),
        new_code_cell("print(ln_x)", id="ln-e"),
    ])
    path = tmp_path / "refused.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(NotebookRefused) as err:
        co.load_notebook(path)
    refusals = err.value.refusals
    assert [(index, type(refusal)) for index, refusal in refusals] == [(1, CellConflictError), (3, CellCycleError)]
    assert [r.cell_id for r in err.value.registrations] == ["ln-a", "ln-c", "ln-e"]
    assert co.registrations["ln-e"].parents == ("ln-a",)


# -- events ------------------------------------------------------------------
def test_events_arrive_while_the_cascade_runs(tmp_path):
    """Cell c waits for a file the test writes only after it saw b's output as an event."""
    flag = tmp_path / "flag"

    async def scenario():
        async with Coordinator() as co:
            await co.register("ev-b", "ev_y = ev_x + 1\nprint('b', ev_y)")
            await co.register("ev-c", (
                "import os, time\n"
                f"for _ in range(600):\n    if os.path.exists({str(flag)!r}):\n        break\n    time.sleep(0.05)\n"
                f"print('flag seen' if os.path.exists({str(flag)!r}) else 'no flag', ev_y)"
            ))
            stream = co.events()
            run = asyncio.create_task(co.execute("ev-a", "ev_x = 1"))
            seen = []
            async for event in stream:
                seen.append((event.kind, event.cell_id, event.data.get("status") or event.data.get("text")))
                if event.kind == "cell_stdout" and event.cell_id == "ev-b":
                    assert not run.done()
                    flag.write_text("go")
                if event.kind == "cell_status" and event.cell_id == "ev-c" and event.data["status"] != "running":
                    break
            stream.close()
            return await run, seen

    cascade, seen = asyncio.run(scenario())
    assert cascade.run("ev-c").stdout == "flag seen 2\n"
    assert seen == [
        ("cell_status", "ev-a", "running"), ("cell_status", "ev-a", "ok"),
        ("cell_status", "ev-b", "running"), ("cell_stdout", "ev-b", "b 2\n"), ("cell_status", "ev-b", "ok"),
        ("cell_status", "ev-c", "running"), ("cell_stdout", "ev-c", "flag seen 2\n"), ("cell_status", "ev-c", "ok"),
    ]


def test_interrupt_stops_the_running_cell():
    started = threading.Event()

    def on_event(event):
        if event.kind == "cell_stdout" and "started" in event.data["text"]:
            started.set()

    with BlockingCoordinator(on_event=on_event) as co:
        co.register("in-b", "print('b ran', in_x)")
        result = {}
        worker = threading.Thread(target=lambda: result.update(cascade=co.execute(
            "in-a", "import time\nin_x = 1\nprint('started', flush=True)\ntime.sleep(60)"
        )))
        worker.start()
        assert started.wait(60)
        co.interrupt()
        worker.join(60)
        cascade = result["cascade"]
        assert cascade[0].status == "interrupted" and cascade[0].ename == "KeyboardInterrupt"
        assert "in-b" not in cascade.cell_ids or cascade.run("in-b").status == "skipped"
        assert co.execute("in-a", "in_x = 2").run("in-b").stdout == "b ran 2\n"


# -- crashes -----------------------------------------------------------------
def test_a_crash_restarts_the_kernel_and_keeps_every_cell():
    with BlockingCoordinator() as co:
        co.execute("cr-a", "cr_x = 1")
        co.register("cr-b", "cr_y = cr_x + 1\nprint('b', cr_y)")
        co.register("cr-c", "print('c', cr_y * 10)")
        before = co.cells
        boom = "import os\nprint('going', flush=True)\nos._exit(1)"
        cascade = co.execute("cr-boom", boom)
        assert cascade.restarted and co.coordinator.restarts == 1
        assert summary(cascade) == [("cr-boom", "error")]
        assert cascade[0].ename == "KernelDied" and "exit code 1" in cascade[0].evalue
        assert co.cells == {**before, "cr-boom": boom}
        again = co.execute("cr-a", "cr_x = 4")
        assert summary(again) == [("cr-a", "ok"), ("cr-b", "ok"), ("cr-c", "ok")]
        assert (again[1].stdout, again[2].stdout) == ("b 5\n", "c 50\n")


def test_a_crash_inside_a_cascade_is_reported_on_the_cell_that_ran(tmp_path):
    """cc-c dies only once the test has seen it start, so its start surely reached the coordinator."""
    flag = tmp_path / "seen"

    def on_event(event):
        if event.kind == "cell_stdout" and event.cell_id == "cc-c":
            flag.write_text("seen")

    with BlockingCoordinator(on_event=on_event) as co:
        co.register("cc-b", "cc_y = cc_x + 1\nprint('b', cc_y)")
        co.register("cc-c", (
            "import os, time\n"
            "if cc_y > 2:\n"
            "    print('c dies', flush=True)\n"
            f"    for _ in range(1200):\n        if os.path.exists({str(flag)!r}):\n            break\n"
            "        time.sleep(0.05)\n"
            "    os._exit(3)\n"
            "cc_z = cc_y"
        ))
        co.register("cc-d", "print('d', cc_z)")
        assert summary(co.execute("cc-a", "cc_x = 1")) == [("cc-a", "ok"), ("cc-b", "ok"), ("cc-c", "ok"), ("cc-d", "ok")]
        crashed = co.execute("cc-a", "cc_x = 5")
        assert crashed.restarted
        assert summary(crashed) == [("cc-a", "ok"), ("cc-b", "ok"), ("cc-c", "error")]
        assert crashed.run("cc-b").stdout == "b 6\n"
        assert crashed.run("cc-c").ename == "KernelDied" and "exit code 3" in crashed.run("cc-c").evalue
        assert co.cells["cc-a"] == "cc_x = 5"
        assert list(co.cells) == ["cc-b", "cc-c", "cc-d", "cc-a"]
        healed = co.execute("cc-a", "cc_x = 0")
        assert summary(healed) == [("cc-a", "ok"), ("cc-b", "ok"), ("cc-c", "ok"), ("cc-d", "ok")]
        assert healed.run("cc-d").stdout == "d 1\n"


# -- attaching -----------------------------------------------------------------
def test_attach_to_a_running_kernel():
    started = threading.Event()

    def on_event(event):
        if event.kind == "cell_stdout" and "started" in event.data["text"]:
            started.set()

    km, kc = start_new_kernel(kernel_name="reactive-python", startup_timeout=60)
    try:
        with BlockingCoordinator(connection_file=km.connection_file, on_event=on_event) as co:
            co.register("at-b", "print('b', at_x * 2)")
            cascade = co.execute("at-a", "at_x = 21")
            assert summary(cascade) == [("at-a", "ok"), ("at-b", "ok")]
            assert cascade[1].stdout == "b 42\n"
            assert not co.coordinator.owns_kernel
            result = {}
            worker = threading.Thread(target=lambda: result.update(cascade=co.execute(
                "at-slow", "import time\nprint('started', flush=True)\ntime.sleep(60)"
            )))
            worker.start()
            assert started.wait(60)
            co.interrupt()
            worker.join(60)
            assert result["cascade"][0].status == "interrupted"
        assert km.is_alive()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_an_attached_kernel_that_dies_raises():
    km, kc = start_new_kernel(kernel_name="reactive-python", startup_timeout=60)
    try:
        with BlockingCoordinator(connection_file=km.connection_file) as co:
            with pytest.raises(KernelDiedError) as err:
                co.execute("ad-boom", "import os\nos._exit(2)")
            assert not err.value.restarted
            assert err.value.cascade[0].ename == "KernelDied"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
