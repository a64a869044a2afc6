"""A real ``jupyter console --kernel reactive-python`` session on a pseudo-terminal.

jupyter console sends no cell ids, so every input is an anonymous cell at the
bottom (docs/semantics.md, rule 11): an input that only looks is not kept, and a
new definition of a name retires the earlier ones, so the inputs that read it re-run.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect
import pytest

from reactive_kernel import KERNEL_NAME

JUPYTER = str(Path(sys.executable).with_name("jupyter"))
PROMPT = re.compile(r"\nIn \[(\d+)\]: ")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Console:
    """A jupyter console process; ``run`` types one line and returns what it printed."""

    def __init__(self) -> None:
        # The kernel shares the terminal's stderr; debugpy's warning about frozen
        # modules would otherwise land there at an arbitrary point of the session.
        env = dict(os.environ, TERM="dumb", PYTHONUNBUFFERED="1", PYDEVD_DISABLE_FILE_VALIDATION="1")
        self.child = pexpect.spawn(
            JUPYTER,
            [
                "console",
                "--kernel",
                KERNEL_NAME,
                "--no-confirm-exit",
                "--ZMQTerminalInteractiveShell.simple_prompt=True",
            ],
            env=env,
            encoding="utf-8",
            timeout=60,
            dimensions=(50, 250),
        )
        self.child.expect(PROMPT, timeout=120)
        self.banner = self.child.before
        self.count = int(self.child.match.group(1))

    def run(self, line: str) -> str:
        """Send ``line``, wait for the next prompt; returns the output without the echo."""
        self.child.sendline(line)
        self.child.expect(PROMPT)
        self.count = int(self.child.match.group(1))
        text = ANSI.sub("", self.child.before).replace("\r\n", "\n")
        echo, _, output = text.partition("\n")
        assert echo.strip() == line, f"expected the echo of {line!r}, got {echo!r}"
        return output.strip()

    def close(self) -> None:
        if self.child.isalive():
            self.child.sendline("exit")
            self.child.expect(pexpect.EOF)
        self.child.close()


@pytest.fixture(scope="module")
def console():
    session = Console()
    yield session
    session.close()


def test_banner_names_the_reactive_kernel(console):
    assert "Reactive Python kernel" in console.banner


def test_redefining_a_name_reruns_its_dependents(console):
    assert console.run("x = 1") == ""
    assert console.run("y = x + 1") == ""
    # y's input re-ran; it prints nothing, and a line says what re-ran
    assert re.fullmatch(r"re-ran \[\d+\]", console.run("x = 5"))
    assert console.run("y") == f"Out[{console.count - 1}]: 6"


def test_output_of_a_rerun_cell_comes_after_a_heading(console):
    assert console.run("p = 1") == ""
    assert console.run("q = p * 2; print('q is', q)") == "q is 2"
    rerun = console.run("p = 7")
    assert re.fullmatch(
        r"── re-ran cell \[\d+\] q = p \* 2; print\('q is', q\) ──\s+q is 14\s+re-ran \[\d+\]", rerun
    ), rerun


def test_inputs_that_only_look_do_not_run_again(console):
    assert console.run("df = [1, 2]") == ""
    assert console.run("df.append(3)") == ""
    assert console.run("print(len(df))") == "3"
    assert console.run("df = [9]") == ""  # the print is not kept; the append is retired
    assert console.run("df") == f"Out[{console.count - 1}]: [9]"


def test_a_cycle_is_refused_with_a_readable_message(console):
    assert console.run("a = 1") == ""
    assert console.run("b = a + 1") == ""
    refused = console.run("a = b + 1")
    assert refused.startswith("CycleError: cell ["), refused
    assert "cycle" in refused and "-a->" in refused and "-b->" in refused, refused
    assert "Traceback" not in refused
    assert console.run("print(a, b)") == "1 2"
    assert re.fullmatch(r"re-ran \[\d+\]", console.run("a = 3"))
    assert console.run("b") == f"Out[{console.count - 1}]: 4"


def test_the_graph_and_the_stats_print_as_text(console):
    assert console.run("g_one = 1") == ""
    assert console.run("g_two = g_one + 1") == ""
    graph = console.run("%reactive graph")
    assert re.search(r"cell \[\d+\] g_one = 1 \[ok\]\n\s*└─g_one→ cell \[\d+\] g_two = g_one \+ 1", graph), graph
    assert "<svg" not in graph and "flowchart" not in graph, graph
    stats = console.run("%reactive stats")
    assert "reactive kernel stats" in stats and re.search(r"cascades\s+\d+", stats), stats
