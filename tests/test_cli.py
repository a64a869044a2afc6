"""The ``reactive-kernel`` command: run and check, on real notebooks and real kernels."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "out_of_order.ipynb"
SCRIPT = Path(sys.executable).parent / "reactive-kernel"


def cli(*args: str, cwd: Path | None = None, module: bool = False) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "reactive_kernel"] if module else [str(SCRIPT)]
    return subprocess.run([*command, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=240)


def write(path: Path, *cells) -> Path:
    nbformat.write(new_notebook(cells=list(cells)), path)
    return path


def outputs(path: Path) -> dict[str, tuple[int | None, list[dict]]]:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return {c.id: (c.execution_count, c.outputs) for c in nb.cells if c.cell_type == "code"}


def text(cell_outputs: list[dict]) -> str:
    return "".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in cell_outputs)


# -- run -----------------------------------------------------------------------
def test_run_executes_an_out_of_order_notebook_in_dependency_order(tmp_path):
    source = tmp_path / "out_of_order.ipynb"
    shutil.copy(EXAMPLE, source)
    out = tmp_path / "ran.ipynb"
    done = cli("run", source, "-o", out)
    assert done.returncode == 0, done.stderr
    assert "[1/4] cell 4 (id values)" in done.stderr and "[4/4] cell 1 (id report)" in done.stderr
    ran = outputs(out)
    assert [ran[c][0] for c in ("values", "summary", "squares", "report")] == [1, 2, 3, 4]
    assert text(ran["report"][1]) == "8 values, total 31, mean 3.88\nlargest square: 81\n"
    assert ran["squares"][1][0]["output_type"] == "execute_result"
    assert text(ran["squares"][1]) == "[9, 1, 16, 1, 25, 81, 4, 36]"
    assert ran["values"][1] == [] and ran["summary"][1] == []
    assert all(c[0] is None and c[1] == [] for c in outputs(source).values())


def test_run_runs_every_cell_exactly_once(tmp_path):
    """d has two root ancestors; a cascade from either would run it early and twice.

    Each cell appends to a log of its own (one shared log would link every cell to every other).
    """
    log = "open('{0}.log', 'a').write(str(__import__('time').perf_counter_ns()) + '\\n')\n"
    nb = write(
        tmp_path / "diamond.ipynb",
        new_code_cell(log.format("d") + "d = a + b + c", id="d"),
        new_code_cell(log.format("c") + "c = a * 10", id="c"),
        new_code_cell(log.format("b") + "b = 2", id="b"),
        new_code_cell(log.format("a") + "a = 1", id="a"),
        new_code_cell("", id="empty"),
        new_code_cell(log.format("e") + "print(d)", id="e"),
    )
    done = cli("run", nb, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    runs = {cell: (tmp_path / f"{cell}.log").read_text().split() for cell in "abcde"}
    assert all(len(times) == 1 for times in runs.values()), runs
    ran = sorted(runs, key=lambda cell: int(runs[cell][0]))
    assert ran.index("a") < ran.index("c") < ran.index("d") < ran.index("e") and ran.index("b") < ran.index("d")
    result = outputs(nb)
    assert text(result["e"][1]) == "13\n"
    assert result["empty"] == (None, [])


def test_run_one_cell_runs_its_cascade_only(tmp_path):
    nb = write(
        tmp_path / "partial.ipynb",
        new_code_cell("x = 2\nprint('x', x)", id="x"),
        new_code_cell("y = x * 3\nprint('y', y)", id="y"),
        new_code_cell("print('z', y + 1)", id="z"),
        new_code_cell("print('other')", id="other"),
    )
    assert cli("run", nb).returncode == 0
    done = cli("run", nb, "--cell", "x", "-o", tmp_path / "x.ipynb")
    assert done.returncode == 0, done.stderr
    result = outputs(tmp_path / "x.ipynb")
    assert [text(result[c][1]) for c in ("x", "y", "z")] == ["x 2\n", "y 6\n", "z 7\n"]
    assert result["x"][0] == 1 and result["y"][0] is None
    assert result["other"] == outputs(nb)["other"]
    assert "[3/3]" in done.stderr
    missing = cli("run", nb, "--cell", "nope")
    assert missing.returncode == 2 and "nope" in missing.stderr


def test_run_skips_the_descendants_of_a_failing_cell(tmp_path):
    nb = write(
        tmp_path / "failing.ipynb",
        new_code_cell("x = 1 / 0", id="bad"),
        new_code_cell("y = x + 1", id="child"),
        new_code_cell("print('independent')", id="free"),
    )
    done = cli("run", nb)
    assert done.returncode == 1
    assert "skipped" in done.stderr
    result = outputs(nb)
    assert result["bad"][1][0]["ename"] == "ZeroDivisionError"
    assert result["child"] == (None, [])
    assert text(result["free"][1]) == "independent\n"
    assert cli("run", nb, "--allow-errors").returncode == 0


def test_run_reports_a_kernel_death_on_the_cell_and_stops(tmp_path):
    nb = write(
        tmp_path / "dies.ipynb",
        new_code_cell("x = 1\nprint('first')", id="first"),
        new_code_cell("import os\nos._exit(7)", id="dies"),
        new_code_cell("print(x)", id="after"),
    )
    done = cli("run", nb)
    assert done.returncode == 1
    assert "KernelDied" in done.stderr and "the kernel died during the run" in done.stderr
    result = outputs(nb)
    assert text(result["first"][1]) == "first\n"
    assert result["dies"][1][-1]["ename"] == "KernelDied" and "exit code 7" in result["dies"][1][-1]["evalue"]
    assert result["after"] == (None, [])


def test_run_refuses_a_cycle_before_running_anything(tmp_path):
    nb = write(
        tmp_path / "cycle.ipynb",
        new_code_cell("open('ran.txt', 'w').write('ran')\na = b + 1", id="first"),
        new_code_cell("b = a + 1", id="second"),
    )
    out = tmp_path / "never.ipynb"
    done = cli("run", nb, "-o", out, cwd=tmp_path)
    assert done.returncode == 1
    assert "cell 2 (id second): CycleError" in done.stderr
    assert not out.exists() and not (tmp_path / "ran.txt").exists()


# -- check ---------------------------------------------------------------------
def test_check_finds_a_planted_cycle(tmp_path):
    nb = write(
        tmp_path / "cycle.ipynb",
        new_markdown_cell("# a cycle"),
        new_code_cell("p = q + 1", id="p-cell"),
        new_code_cell("r = p * 2", id="r-cell"),
        new_code_cell("q = r - 1", id="q-cell"),
    )
    done = cli("check", nb)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"{nb}: cell 3 (id q-cell): CycleError: closes a cycle: "
        "cell 3 (id q-cell) -q-> cell 1 (id p-cell) -p-> cell 2 (id r-cell) -r-> cell 3 (id q-cell)"
    ]


def test_check_lists_redefinitions_and_finds_a_syntax_error(tmp_path):
    nb = write(
        tmp_path / "conflict.ipynb",
        new_code_cell("total = 1", id="one"),
        new_code_cell("import os\ntotal = 2", id="two"),
        new_code_cell("x = 1\ny = (", id="broken"),
    )
    done = cli("check", nb)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0] == (
        f"{nb}: cell 2 (id two): Redefinition: 'total' is defined again (first by cell 1 (id one)); "
        "the cells below it read this one"
    )
    assert lines[1].startswith(f"{nb}: cell 3 (id broken), line 2: SyntaxError:")
    assert len(lines) == 2


def test_check_strict_makes_a_redefinition_an_error(tmp_path):
    nb = write(tmp_path / "strict.ipynb", new_code_cell("total = 1", id="one"), new_code_cell("total = 2", id="two"))
    lenient = cli("check", nb)
    assert lenient.returncode == 0 and "Redefinition" in lenient.stdout
    strict = cli("check", "--strict", nb)
    assert strict.returncode == 1
    assert strict.stdout.splitlines() == [
        f"{nb}: cell 2 (id two): MultipleDefinitionError: 'total' is already defined by cell 1 (id one) (strict mode)"
    ]


def test_check_analyses_sql_magics_as_the_kernel_does(tmp_path):
    nb = write(
        tmp_path / "sql.ipynb",
        new_code_cell("%%sql\nCREATE TABLE sales AS SELECT 1 AS amount", id="make"),
        new_code_cell("%%sql\nCREATE OR REPLACE TABLE sales AS SELECT 2 AS amount", id="again"),
    )
    done = cli("check", "--strict", nb)
    assert done.returncode == 1
    assert "cell 2 (id again): MultipleDefinitionError: 'sales' is already defined by cell 1 (id make)" in done.stdout


def test_check_passes_clean_notebooks(tmp_path):
    clean = write(tmp_path / "clean.ipynb", new_code_cell("a = 1", id="a"), new_code_cell("print(a)", id="b"))
    done = cli("check", clean, EXAMPLE, module=True)
    assert done.returncode == 0, done.stdout
    assert done.stdout == ""
    assert "2 notebook(s) OK" in done.stderr


def test_check_reports_unreadable_files(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    done = cli("check", bad)
    assert done.returncode == 1
    assert done.stdout.startswith(f"{bad}: InvalidNotebook:")


# -- the command itself ----------------------------------------------------------
def test_usage_and_unknown_commands():
    usage = cli()
    assert usage.returncode == 2 and "run NOTEBOOK" in usage.stdout and "check NOTEBOOK" in usage.stdout
    unknown = cli("frobnicate")
    assert unknown.returncode == 2 and "unknown command" in unknown.stderr
    assert "--sys-prefix" in cli("install", "--help").stdout


def test_python_m_reactive_kernel_forwards_the_commands():
    assert "--cell ID" in cli("run", "--help", module=True).stdout
    assert "NOTEBOOK" in cli("check", "--help", module=True).stdout
    assert "--sys-prefix" in cli("install", "--help", module=True).stdout


def test_run_gives_cells_of_an_old_notebook_ids(tmp_path):
    old = {
        "nbformat": 4,
        "nbformat_minor": 4,
        "metadata": {},
        "cells": [
            {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": "print(n + 1)"},
            {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": "n = 41"},
        ],
    }
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(old))
    done = cli("run", path)
    assert done.returncode == 0, done.stderr
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat_minor >= 5 and all(cell.id for cell in nb.cells)
    assert nb.cells[0].outputs[0]["text"] == "42\n" and nb.cells[0].execution_count == 2


def test_run_sends_the_notebooks_order_with_every_cell(tmp_path):
    probe = "print(__import__('json').dumps(get_ipython().kernel.get_parent()['metadata'].get('cellOrder')))"
    nb = write(
        tmp_path / "order.ipynb",
        new_code_cell(probe, id="probe"),
        new_markdown_cell("text"),
        new_code_cell("x = 1", id="later"),
    )
    done = cli("run", nb)
    assert done.returncode == 0, done.stderr
    assert "[1/2] cell 1 (id probe)" in done.stderr and "cell 2 (id later)" in done.stderr
    assert text(outputs(nb)["probe"][1]) == '["probe", "later"]\n'


def test_check_numbers_code_cells_from_one(tmp_path):
    nb = write(
        tmp_path / "numbers.ipynb",
        new_markdown_cell("# title"),
        new_code_cell("a = 1", id="one"),
        new_markdown_cell("more words"),
        new_code_cell("b = (", id="two"),
    )
    done = cli("check", nb)
    assert done.stdout.startswith(f"{nb}: cell 2 (id two), line 1: SyntaxError:")
    old = json.loads(nb.read_text())
    old["nbformat_minor"] = 4
    for cell in old["cells"]:
        cell.pop("id", None)
    nb.write_text(json.dumps(old))
    assert cli("check", nb).stdout.startswith(f"{nb}: cell 2, line 1: SyntaxError:")
