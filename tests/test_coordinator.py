"""The coordinator against real reactive kernel processes."""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import threading

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel
from nbformat.v4 import new_code_cell, new_notebook

from reactive_kernel.client import (
    BlockingCoordinator,
    CellConflictError,
    CellCycleError,
    CellNotRegisteredError,
    CellSyntaxError,
    Coordinator,
    KernelDiedError,
    KernelStartError,
    NotebookRefused,
)
from reactive_kernel.client.order import CellOrder


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


def test_an_error_in_the_root_reaches_its_descendants_as_a_fresh_run_would(co):
    co.register("er-b", "er_y = er_x * 2")
    co.register("er-c", "er_z = er_y + 1")
    cascade = co.execute("er-a", "er_x = 1 / 0")
    assert summary(cascade) == [("er-a", "error"), ("er-b", "error"), ("er-c", "error")]
    assert cascade[0].ename == "ZeroDivisionError" and cascade[0].traceback
    assert [run.ename for run in cascade[1:]] == ["NameError", "NameError"]
    assert summary(co.execute("er-a", "er_x = 2")) == [("er-a", "ok"), ("er-b", "ok"), ("er-c", "ok")]


def test_unregister_reruns_the_dependents(co):
    co.execute("un-a", "un_x = 1")
    co.execute("un-b", "un_y = un_x + 1")
    cascade = co.unregister("un-a")
    assert cascade.deleted == ["un_x"]
    assert summary(cascade) == [("un-b", "error")]
    assert cascade[0].ename == "NameError"
    assert "un-a" not in co.cells
    with pytest.raises(CellNotRegisteredError) as err:
        co.unregister("un-a")
    assert err.value.cell_id == "un-a"


def test_execute_without_code_needs_a_registered_cell(co):
    with pytest.raises(CellNotRegisteredError):
        co.execute("never-registered")
    co.register("reg-only", "print('registered code ran')")
    assert co.execute("reg-only")[0].stdout == "registered code ran\n"


# -- refusals ----------------------------------------------------------------
def test_refusals_are_typed_and_carry_their_data():
    """Strict mode (marimo's one-writer rule) is what refuses a second definition."""
    with BlockingCoordinator() as co:
        assert "strict mode" in co.execute("strict", "%reactive strict")[0].stdout
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


def test_refused_code_keeps_the_cell_as_it_was_and_outputs_follow_its_latest_request(co):
    co.execute("kp-a", "kp_x = 1")
    first = co.execute("kp-b", "kp_y = kp_x + 1\nprint('b', kp_y)")
    co.register("kp-w", "kp_w = kp_y * 0")
    refused = co.execute("kp-b", "kp_y = kp_x + kp_w")
    assert summary(refused) == [("kp-b", "blocked")] and isinstance(refused[0].refusal, CellCycleError)
    assert not refused.registered and co.cells["kp-b"] == "kp_y = kp_x + 1\nprint('b', kp_y)"
    cascade = co.execute("kp-a", "kp_x = 10")
    assert cascade.run("kp-b").stdout == "b 11\n"
    assert first.msg_id != refused.msg_id
    # the refused request's area keeps showing why; the old code's re-run shows under this request
    assert cascade.run("kp-b").msg_id == cascade.msg_id
    assert cascade.run("kp-b").writes == ("kp_y",)


def test_the_code_kept_for_a_cell_is_what_the_kernel_says_it_registered(co):
    co.execute("sx-a", "sx_y = 1")
    unparsable = co.execute("sx-a", "sx_y = (")
    assert summary(unparsable) == [("sx-a", "error")] and unparsable[0].ename == "SyntaxError"
    # the kernel keeps the notebook as it reads: the cell now holds code that does not parse
    assert unparsable.registered and co.cells["sx-a"] == "sx_y = ("


def test_load_notebook_reports_every_refusal(co, tmp_path):
    nb = new_notebook(
        cells=[
            new_code_cell("ln_x = 1", id="ln-a"),
            new_code_cell("ln_w = (", id="ln-b"),
            new_code_cell("ln_y = ln_z", id="ln-c"),
            new_code_cell("ln_z = ln_y", id="ln-d"),
            new_code_cell("print(ln_x)", id="ln-e"),
        ]
    )
    path = tmp_path / "refused.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(NotebookRefused) as err:
        co.load_notebook(path)
    refusals = err.value.refusals
    assert [(number, type(refusal)) for number, refusal in refusals] == [(2, CellSyntaxError), (4, CellCycleError)]
    assert [r.cell_id for r in err.value.registrations] == ["ln-a", "ln-c", "ln-e"]
    assert co.registrations["ln-e"].parents == ("ln-a",)


# -- events ------------------------------------------------------------------
def test_events_arrive_while_the_cascade_runs(tmp_path):
    """Cell c waits for a file the test writes only after it saw b's output as an event."""
    flag = tmp_path / "flag"

    async def scenario():
        async with Coordinator() as co:
            await co.register("ev-b", "ev_y = ev_x + 1\nprint('b', ev_y)")
            await co.register(
                "ev-c",
                (
                    "import os, time\n"
                    f"for _ in range(600):\n    if os.path.exists({str(flag)!r}):\n        break\n    time.sleep(0.05)\n"
                    f"print('flag seen' if os.path.exists({str(flag)!r}) else 'no flag', ev_y)"
                ),
            )
            stream = co.events()
            run = asyncio.create_task(co.execute("ev-a", "ev_x = 1"))
            seen = []
            async for event in stream:
                if event.kind == "cell_stdout" and seen and seen[-1][:2] == ("cell_stdout", event.cell_id):
                    seen[-1] = (*seen[-1][:2], seen[-1][2] + event.data["text"])  # a print can come in pieces
                    continue
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
        ("cell_status", "ev-a", "running"),
        ("cell_status", "ev-a", "ok"),
        ("cell_status", "ev-b", "running"),
        ("cell_stdout", "ev-b", "b 2\n"),
        ("cell_status", "ev-b", "ok"),
        ("cell_status", "ev-c", "running"),
        ("cell_stdout", "ev-c", "flag seen 2\n"),
        ("cell_status", "ev-c", "ok"),
    ]


def test_interrupt_stops_the_running_cell():
    started = threading.Event()

    def on_event(event):
        if event.kind == "cell_stdout" and "started" in event.data["text"]:
            started.set()

    with BlockingCoordinator(on_event=on_event) as co:
        co.register("in-b", "print('b ran', in_x)")
        result = {}
        worker = threading.Thread(
            target=lambda: result.update(
                cascade=co.execute("in-a", "import time\nin_x = 1\nprint('started', flush=True)\ntime.sleep(60)")
            )
        )
        worker.start()
        assert started.wait(60)
        co.interrupt()
        worker.join(60)
        cascade = result["cascade"]
        assert summary(cascade) == [("in-a", "interrupted"), ("in-b", "skipped")]
        assert cascade[0].ename == "KeyboardInterrupt" and cascade.run("in-b").blocked_by == "in-a"
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
        assert cascade.restarted and co.restarts == 1
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
        co.register(
            "cc-c",
            (
                "import os, time\n"
                "if cc_y > 2:\n"
                "    print('c dies', flush=True)\n"
                f"    for _ in range(1200):\n        if os.path.exists({str(flag)!r}):\n            break\n"
                "        time.sleep(0.05)\n"
                "    os._exit(3)\n"
                "cc_z = cc_y"
            ),
        )
        co.register("cc-d", "print('d', cc_z)")
        assert summary(co.execute("cc-a", "cc_x = 1")) == [
            ("cc-a", "ok"),
            ("cc-b", "ok"),
            ("cc-c", "ok"),
            ("cc-d", "ok"),
        ]
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
            assert not co.owns_kernel
            result = {}
            worker = threading.Thread(
                target=lambda: result.update(
                    cascade=co.execute("at-slow", "import time\nprint('started', flush=True)\ntime.sleep(60)")
                )
            )
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
                # the pause lets the kernel's messages for the request leave before the process ends
                co.execute("ad-boom", "import os, time\nprint('bye', flush=True)\ntime.sleep(0.5)\nos._exit(2)")
            assert err.value.restart is None
            assert err.value.cascade[0].ename == "KernelDied"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def kernel_pid(co, cell_id: str) -> int:
    return int(co.execute(cell_id, "import os as _os\nprint(_os.getpid())")[0].stdout)


def test_a_kernel_killed_while_idle_is_replaced_and_the_edit_runs_there():
    events = []
    with BlockingCoordinator(on_event=events.append) as co:
        co.register("id-b", "print('b', id_ca * 10)")
        assert summary(co.execute("id-a", "id_ca = 1")) == [("id-a", "ok"), ("id-b", "ok")]
        first = kernel_pid(co, "id-pid")
        os.kill(first, signal.SIGKILL)
        cascade = co.execute("id-a", "id_ca = 2")
        # the new code ran on the new kernel, with its cascade; nothing is reported as killed
        assert summary(cascade) == [("id-a", "ok"), ("id-b", "ok")]
        assert cascade.run("id-b").stdout == "b 20\n"
        assert all(run.ename != "KernelDied" for run in cascade)
        restart = cascade.restart
        assert restart is not None and restart.before_request and restart.cell_id is None
        assert restart.exit_code == -signal.SIGKILL
        assert restart.registered == ("id-b", "id-a", "id-pid") and restart.refused == ()
        assert co.cells["id-a"] == "id_ca = 2" and co.restarts == 1
        kinds = [(e.kind, e.cell_id, e.data.get("exit_code")) for e in events if e.kind.startswith("kernel_")]
        assert kinds == [("kernel_died", None, -9), ("kernel_restarted", None, -9)]
        # the next request finds no restart to report; the pid cell is registered on the new kernel
        again = co.execute("id-pid")
        assert again.restart is None and int(again[0].stdout) != first


def test_a_kernel_that_cannot_be_replaced_raises_kernel_died_and_recovers_later(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    with BlockingCoordinator(cwd=folder) as co:
        co.register("nr-b", "print('b', nr_x)")
        boom = f"import os, shutil\nnr_x = 1\nshutil.rmtree({str(folder)!r})\nprint('bye', flush=True)\nos._exit(1)"
        with pytest.raises(KernelDiedError) as err:
            co.execute("nr-a", boom)
        assert isinstance(err.value.__cause__, KernelStartError)
        assert err.value.exit_code == 1 and err.value.restart is None
        assert summary(err.value.cascade) == [("nr-a", "error")]
        assert err.value.cascade[0].evalue == "the kernel died (exit code 1) while cell nr-a was running"
        with pytest.raises(KernelDiedError):
            co.execute("nr-a", "nr_x = 3")
        folder.mkdir()
        healed = co.execute("nr-a", "nr_x = 4")
        assert summary(healed) == [("nr-a", "ok"), ("nr-b", "ok")] and healed.run("nr-b").stdout == "b 4\n"
        assert healed.restart.registered == ("nr-b", "nr-a") and healed.restart.before_request


# -- notebook order ------------------------------------------------------------------
PROBE = "print(__import__('json').dumps(get_ipython().kernel.get_parent()['metadata'].get('cellOrder')))"


def test_every_request_carries_the_notebook_order(tmp_path):
    async def scenario():
        async with Coordinator() as co:
            sent = []
            link_send = co._link.send

            def record(channel, msg):
                sent.append((msg["msg_type"], msg["metadata"].get("cellOrder"), co.order))
                link_send(channel, msg)

            co._link.send = record
            nb = new_notebook(
                cells=[
                    new_code_cell("co_x = 1", id="co-1"),
                    nbformat.v4.new_markdown_cell("text"),
                    new_code_cell("co_y = co_x + 1", id="co-2"),
                ]
            )
            await co.load_notebook(nb)
            assert co.order == ["co-1", "co-2"]
            await co.register("co-new", "co_z = co_y")
            probe = await co.execute("co-probe", PROBE, after="co-1")
            await co.unregister("co-new")
            return sent, probe, co.order

    sent, probe, order = asyncio.run(scenario())
    assert order == ["co-1", "co-probe", "co-2", "co-new"]
    assert [kind for kind, _, _ in sent] == ["register_cell_request"] * 3 + [
        "execute_request",
        "unregister_cell_request",
    ]
    assert all(on_wire == current for _, on_wire, current in sent)
    assert sent[2][1] == ["co-1", "co-2", "co-new"]
    assert probe[0].stdout == '["co-1", "co-probe", "co-2", "co-new"]\n'


def test_positions_for_new_cells(co):
    before = co.order
    co.set_order(["po-1", "po-2", "po-3", *before])
    co.register("po-2", "po_2 = 1")
    co.register("po-new", "po_new = po_2")
    co.register("po-end", "po_end = 1", after="po-3")
    expected = ["po-1", "po-2", "po-new", "po-3", "po-end", *before]
    assert co.order == expected
    with pytest.raises(ValueError):
        co.register("po-x", "po_x = 1", after="nowhere")
    with pytest.raises(ValueError, match="registered cells missing from the order: po-2, po-new, po-end"):
        co.set_order(["po-1", "po-3", *before])
    assert "po-x" not in co.cells and co.order == expected


def test_cell_order_places_moves_and_removes():
    order = CellOrder()
    order.place("a")
    order.place("b")
    order.place("c", after="a")
    assert order.ids == ["a", "c", "b"]
    order.place("d")
    assert order.ids == ["a", "c", "d", "b"]
    order.place("a")
    order.place("e")
    assert order.ids == ["a", "e", "c", "d", "b"]
    order.place("b", after="a")
    assert order.ids == ["a", "b", "e", "c", "d"]
    order.remove("b")
    order.place("f")
    assert order.ids == ["a", "f", "e", "c", "d"]
    with pytest.raises(ValueError):
        order.place("g", after="g")
    with pytest.raises(ValueError):
        order.replace(["a", "b", "a"])
    order.replace(["z"])
    order.place("y")
    assert order.ids == ["z", "y"]


# -- the blocking twin -----------------------------------------------------------------
def test_the_blocking_coordinator_is_derived_from_the_async_one():
    public = {
        name
        for name, member in inspect.getmembers(Coordinator)
        if not name.startswith("_")
        and (inspect.iscoroutinefunction(member) or isinstance(member, property) or inspect.isfunction(member))
    }
    assert public - {"events"} <= set(dir(BlockingCoordinator))
    assert BlockingCoordinator.execute.__doc__ == Coordinator.execute.__doc__
    assert (
        inspect.signature(BlockingCoordinator.register).parameters.keys()
        == inspect.signature(Coordinator.register).parameters.keys()
    )


def test_a_blocking_call_from_an_event_callback_raises_instead_of_hanging(co):
    errors = []

    def on_event(event):
        try:
            _ = co.cells
        except RuntimeError as err:
            errors.append(err)

    co.on_event = on_event
    try:
        co.execute("cb-a", "cb_x = 1")
    finally:
        co.on_event = None
    assert errors and "loop's own thread" in str(errors[0])
