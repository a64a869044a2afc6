"""The reactive kernel in a real JupyterLab, driven through headless Chromium.

Each scenario writes its own notebook (cells with fixed ids), opens it, and
acts as a user would: typing, Ctrl+Enter, menus, the D,D shortcut, reload.
"""

from __future__ import annotations

import collections
import re

import pytest
from notebook_ui import NotebookUI, check_chain_updates_in_place
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_launcher_shows_the_reactive_kernel(page, lab, shot):
    page.goto(lab.url("/lab", "reset"))
    card = page.locator(".jp-LauncherCard", has_text="Python 3 (reactive)").first
    expect(card).to_be_visible()
    shot("launcher")


def test_editing_the_first_cell_updates_the_chain_in_place(page, lab, shot):
    check_chain_updates_in_place(page, lab, "chain.ipynb", "lab", shot)


def test_a_refused_cell_shows_why_in_its_cell_and_changes_nothing_else(page, lab, shot):
    lab.write_notebook(
        "cycle.ipynb",
        [
            ("c1", 'a = 1\nprint("a is", a)'),
            ("c2", 'b = a + 1\nprint("b is", b)'),
            ("c3", 'print("a plus b", a + b)'),
            ("c4", 'print("a is now", a)'),
            ("m1", "%reactive allow"),
        ],
    )
    nb = NotebookUI(page, lab, "cycle.ipynb").open(5)
    nb.run_all()
    expect(nb.output(3)).to_have_text("a is now 1")
    prompts = nb.prompts()

    nb.edit_and_run(0, "a = b + 1")
    error = nb.outputs(0)
    expect(error).to_have_count(1)
    c1, c2 = nb.count(0), nb.count(1)
    expect(error).to_contain_text(
        f"CycleError: cell [{c1}] a = b + 1 would close a cycle: "
        f"cell [{c1}] a = b + 1 -a-> cell [{c2}] b = a + 1 -b-> cell [{c1}] a = b + 1."
    )
    assert "\n" not in error.inner_text().strip(), "the refusal is one line"
    expect(nb.output(1)).to_have_text("b is 2")
    expect(nb.output(2)).to_have_text("a plus b 3")
    assert nb.prompts()[1:] == prompts[1:]
    shot("cycle")

    # A second definition of a name is allowed: the cells below it read it.
    nb.edit_and_run(2, "a = 7")
    expect(nb.output(3)).to_have_text("a is now 7")
    expect(nb.outputs(2)).to_have_text([f"re-ran [{nb.count(3)}]"])
    expect(nb.output(1)).to_have_text("b is 2")
    shot("redefinition")

    # Strict mode (marimo's rule) refuses it, naming the cell that defines the name.
    prompts = nb.prompts()
    nb.edit_and_run(4, "%reactive strict")
    nb.edit_and_run(2, "a = 8")
    expect(nb.outputs(2)).to_have_count(1)
    expect(nb.outputs(2)).to_contain_text(f"MultipleDefinitionError: 'a' is already defined by cell [{nb.count(0)}] ")
    expect(nb.outputs(2)).to_contain_text("strict mode allows one definition per name")
    expect(nb.output(3)).to_have_text("a is now 7")
    assert nb.prompts()[:2] + nb.prompts()[3:4] == prompts[:2] + prompts[3:4]
    shot("strict")


def test_deleting_a_cell_reports_it_and_shows_name_errors_in_its_dependents(page, lab, shot):
    lab.write_notebook(
        "delete.ipynb",
        [
            ("c1", "base = 5"),
            ("c2", 'print("double", base * 2)'),
            ("c3", 'note = "unrelated"\nprint(note)'),
        ],
    )
    nb = NotebookUI(page, lab, "delete.ipynb").open(3)
    nb.run_all()
    expect(nb.output(1)).to_have_text("double 10")
    counts = [nb.count(i) for i in range(3)]

    nb.delete(0)
    nb.run(1)
    expect(nb.output(0)).to_contain_text("NameError")
    expect(nb.output(0)).to_contain_text("name 'base' is not defined")
    expect(nb.outputs(1)).to_have_text(["unrelated", f"cell [{counts[0]}] base = 5 was deleted: re-ran [{counts[1]}]"])
    shot("deleted")


def test_run_all_runs_each_cell_once(page, lab, shot, tmp_path):
    runs = tmp_path / "runs.txt"
    lab.write_notebook(
        "runall.ipynb",
        [
            (
                "c0",
                "from pathlib import Path\n"
                f"runlog = Path({str(runs)!r})\n"
                "def note(tag):\n"
                "    with runlog.open('a') as f:\n"
                "        f.write(tag + '\\n')\n"
                "note('c0')",
            ),
            ("c1", "a = 1\nnote('c1')"),
            ("c2", "b = a + 1\nnote('c2')"),
            ("c3", "c = b + 1\nnote('c3')\nprint('c is', c)"),
        ],
    )
    nb = NotebookUI(page, lab, "runall.ipynb").open(4)
    # The first Run All registers the cells; in later ones every cell has
    # dependents an earlier cell's cascade could re-run.
    for times in (1, 2, 3):
        nb.run_all()
        expect(nb.output(3)).to_have_text("c is 3")
        counts = collections.Counter(runs.read_text().split())
        assert counts == {"c0": times, "c1": times, "c2": times, "c3": times}, f"Run All #{times}"
    shot("three-times")


def test_cascade_outputs_show_in_the_triggering_cell_after_a_reload(page, lab, shot):
    lab.write_notebook(
        "reload.ipynb",
        [
            ("c1", "x = 1"),
            ("c2", 'y = x + 1\nprint("y is", y)'),
            ("c3", 'print("y plus one", y + 1)'),
        ],
    )
    nb = NotebookUI(page, lab, "reload.ipynb").open(3)
    nb.run_all()
    expect(nb.output(2)).to_have_text("y plus one 3")
    nb.save()

    page.reload()
    nb.wait_loaded(3)
    expect(nb.output(2)).to_have_text("y plus one 3")
    c2, c3 = nb.count(1), nb.count(2)
    nb.edit_and_run(0, "x = 10")
    expect(nb.outputs(0)).to_have_text(
        [
            f"── re-ran cell [{c2}] y = x + 1 ──",
            "y is 11",
            f'── re-ran cell [{c3}] print("y plus one", y + 1) ──',
            "y plus one 12",
            f"re-ran [{c2}] [{c3}]",
        ]
    )
    expect(nb.output(1)).to_have_text("y is 2")
    shot("after-reload")


def test_long_cascade_streams_prints_and_shows_progress(page, lab, shot, tmp_path):
    flags = [tmp_path / f"step{i}.go" for i in (1, 2, 3)]
    # Each step lasts at least 1.5 s, longer than the kernel's progress_after (1 s),
    # and until the test creates its flag file.
    wait = (
        "import time as _time\nfrom pathlib import Path as _Path\n_start = _time.monotonic()\n"
        "while not _Path({!r}).exists() or _time.monotonic() - _start < 1.5:\n    _time.sleep(0.1)\n"
    )
    lab.write_notebook(
        "progress.ipynb",
        [
            ("c1", 'n = 1\nprint("n is", n)'),
            (
                "s1",
                'print("step 1 with", n, flush=True)\n'
                + wait.format(str(flags[0]))
                + 'print("step 1 done")\nm = n + 1',
            ),
            (
                "s2",
                'print("step 2 with", m, flush=True)\n'
                + wait.format(str(flags[1]))
                + 'print("step 2 done")\nk = m + 1',
            ),
            ("s3", 'print("step 3 with", k, flush=True)\n' + wait.format(str(flags[2])) + 'print("step 3 done")'),
        ],
    )
    nb = NotebookUI(page, lab, "progress.ipynb").open(4)
    for flag in flags:
        flag.touch()
    nb.run_all()
    expect(nb.output(3)).to_have_text("step 3 with 3 step 3 done")
    for flag in flags:
        flag.unlink()
    counts = [nb.count(i) for i in range(4)]

    nb.edit_and_run(0, 'n = 5\nprint("n is", n)', wait=False)
    expect(nb.output(1)).to_have_text("step 1 with 5")
    expect(nb.cell(0).locator(".jp-InputPrompt")).to_have_text("[*]:")
    shot("step1-running")

    flags[0].touch()
    expect(nb.output(1)).to_have_text("step 1 with 5 step 1 done")
    expect(nb.output(2)).to_have_text("step 2 with 6")
    progress = nb.outputs(0).nth(1)
    # counted among the cells the cascade runs besides the edited one, as far as it knows them yet
    expect(progress).to_have_text(f'running cell 2 of 2: cell [{counts[2]}] print("step 2 with", m, flush=True)')
    shot("step2-running")

    flags[1].touch()
    expect(nb.output(3)).to_have_text("step 3 with 7")
    expect(progress).to_have_text(f'running cell 3 of 3: cell [{counts[3]}] print("step 3 with", k, flush=True)')
    expect(nb.outputs(0)).to_have_count(2)
    shot("step3-running")

    flags[2].touch()
    expect(nb.output(3)).to_have_text("step 3 with 7 step 3 done")
    expect(nb.cell(0).locator(".jp-InputPrompt")).not_to_have_text("[*]:")
    # the progress line is emptied; the summary names the cells that re-ran
    expect(nb.outputs(0)).to_have_text(["n is 5", "", f"re-ran [{counts[1]}] [{counts[2]}] [{counts[3]}]"])
    shot("done")


def test_widgets_still_work(page, lab, shot):
    lab.write_notebook(
        "widgets.ipynb",
        [
            ("c1", 'import ipywidgets as widgets\nslider = widgets.IntSlider(value=7, description="level")\nslider'),
            ("c2", 'print("twice", slider.value * 2)'),
        ],
    )
    nb = NotebookUI(page, lab, "widgets.ipynb").open(2)
    nb.run_all()
    expect(nb.cell(0).locator(".widget-readout")).to_have_text("7")
    expect(nb.output(1)).to_have_text("twice 14")

    nb.edit_and_run(0, 'import ipywidgets as widgets\nslider = widgets.IntSlider(value=9, description="level")\nslider')
    expect(nb.cell(0).locator(".widget-readout")).to_have_text("9")
    expect(nb.output(1)).to_have_text("twice 18")
    shot("slider")


def test_a_failed_ancestor_reaches_its_dependents_or_skips_them(page, lab, shot):
    lab.write_notebook(
        "skipped.ipynb",
        [
            ("c1", "a = 1"),
            ("c2", 'b = a * 2\nprint("b is", b)'),
            ("c3", 'print("b plus a", b + a)'),
            ("m1", '%config ReactiveKernel.after_error = "run"'),
        ],
    )
    nb = NotebookUI(page, lab, "skipped.ipynb").open(4)
    nb.run_all()
    expect(nb.output(2)).to_have_text("b plus a 3")
    c2, c3 = nb.count(1), nb.count(2)

    # By default the dependents run, as in a top-to-bottom run, and show what that run shows.
    nb.edit_and_run(0, "a = 1 / 0")
    expect(nb.output(1)).to_contain_text("NameError: name 'a' is not defined")
    expect(nb.output(2)).to_contain_text("NameError: name 'b' is not defined")
    expect(nb.outputs(0)).to_have_count(2)
    expect(nb.outputs(0).nth(0)).to_contain_text("ZeroDivisionError")
    expect(nb.outputs(0).nth(1)).to_have_text(f"re-ran [{c2}] [{c3}]")
    shot("ran")

    # With after_error = "skip" they are skipped, each with a notice naming the failing cell.
    nb.edit_and_run(3, '%config ReactiveKernel.after_error = "skip"')
    nb.edit_and_run(0, "a = 2 / 0")
    for index, first_line in ((1, "b = a * 2"), (2, 'print("b plus a", b + a)')):
        notice = nb.outputs(index)
        expect(notice).to_have_count(1)
        expect(notice).to_have_text(
            f"cell [{nb.count(index)}] {first_line}: "
            f"⚠ not run: cell [{nb.count(0)}] a = 2 / 0 (an ancestor) raised an error."
        )
    expect(nb.outputs(0).nth(1)).to_have_text(f"skipped [{c2}] [{c3}] (an ancestor raised)")
    shot("skipped")

    nb.edit_and_run(0, "a = 2")
    expect(nb.output(1)).to_have_text("b is 4")
    expect(nb.output(2)).to_have_text("b plus a 6")


def test_lazy_mode_marks_stale_cells_and_the_magic_runs_them(page, lab, shot):
    lab.write_notebook(
        "lazy.ipynb",
        [
            ("m1", "%reactive lazy"),
            ("c1", "a = 1"),
            ("c2", 'b = a * 2\nprint("b is", b)'),
            ("m2", "%reactive"),
            ("m3", "%reactive graph"),
            ("m4", "%reactive run-stale"),
        ],
    )
    nb = NotebookUI(page, lab, "lazy.ipynb").open(6)
    for index in (0, 1, 2):
        nb.run(index)
    expect(nb.output(0)).to_contain_text("reactive mode: lazy")
    expect(nb.output(2)).to_have_text("b is 2")

    nb.edit_and_run(1, 'a = 5  # "quoted" <b>#1</b>')
    b_cell = f"cell [{nb.count(2)}] b = a * 2"
    notice = nb.outputs(2)
    expect(notice).to_have_count(1)
    expect(notice).to_have_text(f"{b_cell}: ● stale: an input changed. Run this cell, or run %reactive run-stale.")
    expect(nb.outputs(1)).to_have_text([f"stale [{nb.count(2)}]"])

    nb.run(3)
    expect(nb.output(3)).to_contain_text("reactive mode: lazy")
    expect(nb.output(3).locator("tr", has_text=b_cell)).to_contain_text("stale")
    expect(nb.output(3)).to_contain_text(f"stale {b_cell}: an input changed")
    nb.run(4)
    # JupyterLab draws the Mermaid source (it ranks it above the SVG that Notebook 7 shows)
    picture = nb.output(4).locator(".jp-RenderedMermaid figure img")
    expect(picture).to_be_visible()
    expect(nb.output(4).locator(".jp-RenderedMermaid.jp-mod-warning")).to_have_count(0)
    svg = picture.evaluate("img => decodeURIComponent(img.src)")
    assert svg.startswith("data:image/svg+xml,")
    assert re.search(r'class="node default st_stale"[^>]*>.*?<p>' + re.escape(b_cell) + "</p>", svg), (
        "c2 drawn as stale, named as people see it"
    )
    assert 'a = 5  # "quoted" &lt;b&gt;#1&lt;/b&gt;' in svg, "code shown literally"
    shot("stale")

    nb.run(5)
    expect(nb.output(5)).to_contain_text(f"running 1 stale cell after this one: {b_cell}")
    expect(nb.output(2)).to_have_text("b is 10")
    shot("ran-stale")
