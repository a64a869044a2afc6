"""The iopub collector on message transcripts recorded from a real kernel (tests/record_transcripts.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reactive_kernel.client import CellCycleError
from reactive_kernel.client.collector import Collector

TRANSCRIPTS = Path(__file__).resolve().parent / "transcripts"


class Replay:
    """A transcript replayed through collectors as the coordinator drives them."""

    def __init__(self, name: str) -> None:
        self.data = json.loads((TRANSCRIPTS / f"{name}.json").read_text())
        self.steps = self.data["steps"]
        self.results: list = []
        self.events: list[list] = []
        last_request: dict[str, str] = {}
        for step in self.steps:
            request = step["request"]
            events: list = []
            self.events.append(events)
            if request["msg_type"] == "register_cell_request":
                assert step["reply"]["content"]["status"] == "ok"
                self.results.append(step["reply"])
                continue
            executes = request["msg_type"] == "execute_request"
            earlier = {msg_id: cell for cell, msg_id in last_request.items()}
            collector = Collector(
                request["msg_id"], request["cell_id"], executes=executes, earlier=earlier, emit=events.append
            )
            for msg in step["iopub"]:
                collector.feed(msg)
            if step["reply"] is None:
                self.results.append(collector.crash(step["exit_code"]))
            else:
                self.results.append(collector.finish(step["reply"]))
                if executes:
                    last_request[request["cell_id"]] = request["msg_id"]

    @property
    def last(self):
        return self.results[-1]

    def msg_id(self, index: int) -> str:
        return self.steps[index]["request"]["msg_id"]


def summary(runs) -> list[tuple[str, str]]:
    return [(run.cell_id, run.status) for run in runs]


def plain(events) -> list[tuple]:
    return [(e.kind, e.cell_id, e.data.get("status") or e.data.get("text") or e.data.get("ename")) for e in events]


def test_headed_cascade_outputs_belong_to_their_cells():
    replay = Replay("chain")
    cascade = replay.last
    assert summary(cascade) == [("a", "ok"), ("b", "ok"), ("c", "ok")]
    a, b, c = cascade
    assert (a.stdout, b.stdout, c.stdout) == ("a 1\n", "b 2\n", "")
    assert c.displays == [{"text/plain": "20"}]
    assert all("re-ran" not in str(run.outputs) for run in cascade)
    assert {run.msg_id for run in cascade} == {replay.msg_id(2)}
    assert [(run.index, run.total, run.is_last) for run in cascade] == [(0, 3, False), (1, 3, False), (2, 3, True)]
    assert (a.reads, a.writes, a.execution_count, b.execution_count) == (("print",), ("x",), 1, None)
    assert cascade.registered and not cascade.replayed and cascade.deleted == []
    assert plain(replay.events[2]) == [
        ("cell_status", "a", "running"),
        ("cell_stdout", "a", "a 1\n"),
        ("cell_status", "a", "ok"),
        ("cell_status", "b", "running"),
        ("cell_stdout", "b", "b 2\n"),
        ("cell_status", "b", "ok"),
        ("cell_status", "c", "running"),
        ("cell_output", "c", None),
        ("cell_status", "c", "ok"),
    ]


def test_a_cell_run_before_gets_its_outputs_under_its_own_request():
    replay = Replay("own_requests")
    cascade = replay.last
    assert summary(cascade) == [("a", "ok"), ("b", "ok"), ("c", "ok")]
    assert cascade.run("b").msg_id == replay.msg_id(1)
    assert cascade.run("b").stdout == "b 6\n"
    assert cascade.run("c").msg_id == replay.msg_id(3)
    assert cascade.run("c").stdout == "c 12\n"
    kinds = [(e.kind, e.cell_id) for e in replay.events[3]]
    assert kinds.index(("cell_clear", "b")) < kinds.index(("cell_stdout", "b"))


def test_an_error_skips_the_descendants_with_notices_that_are_not_outputs():
    cascade = Replay("error_skips").last
    assert summary(cascade) == [("a", "error"), ("b", "skipped"), ("c", "skipped")]
    assert cascade[0].ename == "ZeroDivisionError" and cascade[0].traceback
    assert [(r.blocked_by, r.reason) for r in cascade[1:]] == [("a", "an ancestor raised"), ("b", "an ancestor raised")]
    assert cascade[1].outputs == [] and cascade[2].outputs == []


def test_unregister_reports_the_dependents_it_re_ran():
    replay = Replay("unregister")
    cascade = replay.last
    assert summary(cascade) == [("b", "error")]
    assert cascade[0].ename == "NameError"
    assert cascade.deleted == ["x"]
    assert cascade.cell_id == "a"


def test_a_refused_execute_is_blocked_with_its_typed_refusal():
    cascade = Replay("refused").last
    assert summary(cascade) == [("a", "blocked")]
    refusal = cascade[0].refusal
    assert isinstance(refusal, CellCycleError) and refusal.cycle == [("a", "x"), ("b", "y")]
    assert not cascade.registered
    assert [o["output_type"] for o in cascade[0].outputs] == ["error"] and cascade[0].ename == "CycleError"


def test_displays_update_in_place_and_clear_output_wait_clears_before_the_next_output():
    replay = Replay("displays")
    first = replay.results[0]
    assert first[0].displays == [{"text/plain": "'second'"}]
    cascade = replay.last
    assert summary(cascade) == [("a", "ok"), ("b", "ok")]
    b = cascade.run("b")
    assert (b.stdout, b.stderr) == ("new 3\n", "warn\n")
    assert b.displays == [{"text/plain": "63"}]
    assert [o["output_type"] for o in b.outputs] == ["stream", "stream", "execute_result"]
    updates = [e for e in replay.events[2] if e.data.get("output_type") == "update_display_data"]
    assert [(e.cell_id, e.data["data"]) for e in updates] == [("a", {"text/plain": "'second'"})]


def test_progress_lines_are_not_outputs():
    replay = Replay("progress")
    assert any(m["msg_type"] == "update_display_data" for m in replay.steps[-1]["iopub"])
    cascade = replay.last
    assert cascade.cell_ids == ["a", "b", "c", "d", "e", "f"]
    assert all(run.status == "ok" for run in cascade)
    assert cascade.run("a").outputs == []
    assert cascade.run("f").stdout == "f 5\n"
    assert [o["output_type"] for run in cascade for o in run.outputs] == ["stream"]


def test_an_interrupt_marks_the_running_cell_and_skips_its_dependent():
    cascade = Replay("interrupt").last
    assert summary(cascade) == [("a", "interrupted"), ("b", "skipped")]
    assert cascade[0].ename == "KeyboardInterrupt" and cascade[0].stdout == "started\n"
    assert (cascade[1].blocked_by, cascade[1].outputs) == ("a", [])


def test_a_crash_is_reported_on_the_executed_cell_that_was_running():
    replay = Replay("crash")
    runs, running = replay.last
    assert running == "boom"
    assert summary(runs) == [("boom", "error")]
    assert runs[0].stdout == "going\n"
    assert runs[0].ename == "KernelDied"
    assert runs[0].evalue == "the kernel died (exit code 3) while cell boom was running"
    assert ("cell_error", "boom", "KernelDied") in plain(replay.events[-1])


def test_a_crash_in_a_cascade_is_reported_on_the_cell_that_ran_last():
    runs, running = Replay("crash_in_cascade").last
    assert running == "c"
    assert summary(runs) == [("a", "ok"), ("b", "ok"), ("c", "error")]
    assert runs[1].stdout == "b 2\n"
    assert runs[2].stdout == "c dies 2\n" and "exit code 4" in runs[2].evalue


def test_a_kernel_dead_before_the_request_started_names_no_running_cell():
    events: list = []
    collector = Collector("m1", "a", executes=True, emit=events.append)
    runs, running = collector.crash(-9)
    assert running is None and not collector.started
    assert summary(runs) == [("a", "error")]
    assert runs[0].evalue == "the kernel died (exit code -9) before cell a reported starting: it may not have run"
    assert plain(events) == [("cell_error", "a", "KernelDied"), ("cell_status", "a", "error")]


@pytest.mark.parametrize("name", sorted(path.stem for path in TRANSCRIPTS.glob("*.json")))
def test_messages_of_other_requests_are_ignored(name):
    steps = Replay(name).steps
    collector = Collector("another-request", "a", executes=True)
    for step in steps:
        for msg in step["iopub"]:
            collector.feed(msg)
    assert collector.runs == {} and not collector.started
