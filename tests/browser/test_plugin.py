"""The companion plugin in a real JupyterLab and Notebook 7, and the same scenarios without it.

Tests that take ``server`` run four times: JupyterLab and Notebook 7, each
with the plugin and with the plugin disabled (``jupyter labextension
disable``).  Correctness is checked against a fresh top-to-bottom run of the
notebook, as saved after the edit, in a stock ``python3`` kernel.
"""

from __future__ import annotations

import json
import re

import pytest
from browser_env import screenshot
from notebook_ui import (
    NotebookUI,
    check_chain_updates_in_place,
    check_matches_fresh_run,
    is_annotation,
    saved_outputs,
)
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_editing_a_root_cell_updates_its_dependents_in_place(page, server, app, plugin, shot):
    check_chain_updates_in_place(page, server, f"chain-{app}-{plugin}.ipynb", app, shot, plugin=plugin)


def test_each_request_carries_the_notebook_order(page, server, app, plugin, shot):
    name = f"order-{app}-{plugin}.ipynb"
    server.write_notebook(
        name,
        [
            ("a1", "a = 1"),
            ("b2", "b = 2"),
            ("c3", 'import json\nprint(json.dumps(get_ipython().kernel.get_parent()["metadata"].get("cellOrder")))'),
        ],
    )
    nb = NotebookUI(page, server, name, app=app).open(3)
    assert nb.plugin_active() is plugin
    nb.run_all()
    expected = ["a1", "b2", "c3"] if plugin else None
    assert json.loads(nb.output_texts(2)[0]) == expected
    nb.insert_below(0, "n = 0")
    nb.run(3)
    new_id = page.evaluate(
        "() => document.querySelectorAll('.jp-Notebook .jp-Cell')[1].getAttribute('data-jp-cell-id')"
    )
    order = json.loads(nb.output_texts(3)[0])
    if plugin:
        assert order[0] == "a1" and order[2:] == ["b2", "c3"] and len(order) == 4
        if new_id:
            assert order[1] == new_id
    else:
        assert order is None
    shot("order")


def test_after_a_reload_an_edit_leaves_every_output_in_its_own_cell(page, server, app, plugin, shot):
    """With the plugin, screen and file equal a fresh run; without it, the executed cell says where each output belongs."""
    name = f"reload-{app}-{plugin}.ipynb"
    path = server.write_notebook(
        name,
        [
            ("c1", 'x = 1\nprint("x is", x)'),
            ("c2", 'y = x + 1\nprint("y is", y)'),
            ("c3", 'print("y plus one", y + 1)'),
            ("c4", 'if y < 5:\n    print("y is small")'),
        ],
    )
    nb = NotebookUI(page, server, name, app=app).open(4)
    nb.run_all()
    expect(nb.output(3)).to_have_text("y is small")
    nb.save()

    nb.reload(4)
    assert nb.plugin_active() is plugin
    nb.edit_and_run(0, 'x = 10\nprint("x is", x)')
    nb.wait_idle()
    nb.save()
    shot("after-reload-edit")
    if plugin:
        expect(nb.output(1)).to_have_text("y is 11")
        expect(nb.output(2)).to_have_text("y plus one 12")
        expect(nb.outputs(3)).to_have_count(0)
        check_matches_fresh_run(nb, path)
        assert nb.badges() == [None, "reran", "reran", "reran"]
        n = nb.count(0)
        expect(nb.outputs(0)).to_have_text(["x is 10", f"re-ran [{n}] [{n}] [{n}]"])
        expect(nb.note(0, "summary")).to_have_count(1)
        return
    # Without the plugin the dependents keep their old outputs, and the executed
    # cell shows the new ones, each after a heading that names its cell.
    expect(nb.output(1)).to_have_text("y is 2")
    expect(nb.output(2)).to_have_text("y plus one 3")
    expect(nb.output(3)).to_have_text("y is small")
    texts = nb.output_texts(0)
    assert texts[0] == "x is 10"
    assert "y is 11" in texts and "y plus one 12" in texts
    assert texts[-1] == "re-ran [2] [3] [4]", texts
    saved = saved_outputs(path)["c1"]
    headed = [
        o["metadata"]["reactive"].get("cell_id")
        for o in saved
        if is_annotation(o) and o["metadata"]["reactive"].get("kind") == "heading"
    ]
    assert headed == ["c2", "c3"], saved
    assert texts.index("y is 11") > 1 and texts.index("y plus one 12") > texts.index("y is 11")


@pytest.mark.parametrize("app", ["lab", "notebook"])
def test_badges_show_reran_error_skipped_blocked_and_stale(page, servers, app, shot):
    server = servers.get(app, True)
    name = f"badges-{app}.ipynb"
    server.write_notebook(
        name,
        [
            # Cells below a failing cell are skipped (by default they run, as in a top-to-bottom run).
            ("s0", 'get_ipython().kernel.after_error = "skip"'),
            ("c1", "a = 1"),
            ("c2", 'b = a * 2\nprint("b is", b)'),
            ("c3", 'print("c is", 10 // (b - 4))'),
            ("m1", "%reactive lazy"),
        ],
    )
    nb = NotebookUI(page, server, name, app=app).open(5)
    try:
        for index in (0, 1, 2, 3):
            nb.run(index)
        expect(nb.output(3)).to_have_text("c is -5")
        assert nb.badges() == [None] * 5

        nb.edit_and_run(1, "a = 3")
        expect(nb.output(3)).to_have_text("c is 5")
        nb.wait_idle()
        assert nb.badges()[1:4] == [None, "reran", "reran"]
        assert "re-ran at" in nb.badge(2)[1]
        shot("reran")

        counts = [nb.count(i) for i in range(4)]
        nb.edit_and_run(1, "a = 1 / 0")
        expect(nb.output(1)).to_contain_text("ZeroDivisionError")
        nb.wait_idle()
        assert nb.badges()[1:3] == ["error", "skipped"]
        assert "ZeroDivisionError" in nb.badge(1)[1]
        assert [nb.count(2), nb.count(3)] == counts[2:], "skipped cells did not run: they keep their prompts"
        expect(nb.outputs(2)).to_contain_text(
            f"cell [{counts[2]}] b = a * 2: ⚠ not run: cell [{nb.count(1)}] a = 1 / 0"
        )
        # the failing cell's name took its new prompt number with the reply, and still leads to it
        expect(nb.outputs(2).locator('a.rk-CellLink[data-reactive-cell="c1"]')).to_have_count(1)
        shot("skipped")

        nb.edit_and_run(1, "a = b + 1")
        expect(nb.output(1)).to_contain_text("CycleError")
        nb.wait_idle()
        state, title = nb.badge(1)
        assert state == "blocked" and "CycleError" in title
        shot("blocked")

        nb.edit_and_run(1, "a = 2")
        expect(nb.output(3)).to_contain_text("ZeroDivisionError")
        nb.wait_idle()
        assert nb.badges()[1:4] == [None, "reran", "error"]
        shot("reran-error")

        nb.run(4)
        counts = [nb.count(i) for i in range(4)]
        nb.edit_and_run(1, "a = 4")
        nb.wait_idle()
        expect(nb.output(2)).to_contain_text("stale")
        assert nb.badges()[1:3] == [None, "stale"]
        assert [nb.count(2), nb.count(3)] == counts[2:], "stale cells did not run: they keep their prompts"
        expect(nb.outputs(2)).to_have_text(
            f"cell [{counts[2]}] b = a * 2: ● stale: an input changed. Run this cell, or run %reactive run-stale."
        )
        shot("stale")
    finally:
        server.shutdown_kernels()


@pytest.mark.parametrize("app", ["lab", "notebook"])
def test_a_cell_inserted_in_a_chain_runs_in_notebook_order(page, servers, app, shot):
    server = servers.get(app, True)
    name = f"insert-{app}.ipynb"
    path = server.write_notebook(
        name,
        [
            ("c1", "x = 1"),
            ("c2", 'print("x is", x)'),
            ("c3", 'print("x plus one", x + 1)'),
        ],
    )
    nb = NotebookUI(page, server, name, app=app).open(3)
    try:
        nb.run_all()
        expect(nb.output(2)).to_have_text("x plus one 2")
        # The last cell this window ran is c3: only the order sent with the
        # request tells the kernel that the new cell sits between c1 and c2.
        nb.insert_below(0, "x = x * 10")
        nb.page.keyboard.press("Control+Enter")
        expect(nb.output(2)).to_have_text("x is 10")
        expect(nb.output(3)).to_have_text("x plus one 11")
        nb.wait_idle()
        nb.save()
        check_matches_fresh_run(nb, path)
        shot("inserted")
    finally:
        server.shutdown_kernels()


@pytest.mark.parametrize("app", ["lab", "notebook"])
def test_clicking_a_cell_name_in_an_error_goes_to_that_cell(page, servers, app, shot):
    server = servers.get(app, True)
    name = f"links-{app}.ipynb"
    server.write_notebook(
        name,
        [
            ("c1", "a = 1"),
            ("c2", "b = a + 1"),
            ("c3", 'print("a plus b", a + b)'),
        ],
    )
    nb = NotebookUI(page, server, name, app=app).open(3)
    try:
        nb.run_all()
        expect(nb.output(2)).to_have_text("a plus b 3")
        nb.edit_and_run(0, "a = b + 1")
        expect(nb.output(0)).to_contain_text("CycleError")
        # The error names both cells of the cycle; c2's name leads to c2.
        link = nb.output(0).locator('a[href="#reactive-cell=c2"]').first
        expect(link).to_contain_text(f"cell [{nb.count(1)}]")
        nb.select(2)
        link.click()
        expect(nb.cell(1)).to_have_class(re.compile(r"\bjp-mod-active\b"))
        shot("went-to-cell")

        # The prompt numbers in the summary line lead to their cells too; hovering names the cell.
        nb.edit_and_run(0, "a = 5")
        expect(nb.output(2)).to_have_text("a plus b 11")
        nb.wait_idle()
        summary = nb.note(0, "summary")
        expect(summary).to_have_text(f"re-ran [{nb.count(1)}] [{nb.count(2)}]")
        link = summary.locator('a[href="#reactive-cell=c3"]')
        link.hover()
        expect(link).to_have_attribute("title", f'go to cell [{nb.count(2)}] print("a plus b", a + b)')
        nb.select(1)
        link.click()
        expect(nb.cell(2)).to_have_class(re.compile(r"\bjp-mod-active\b"))
        shot("summary-link")
    finally:
        server.shutdown_kernels()


def test_other_kernels_run_as_usual_with_the_plugin(page, lab_plugin, shot):
    lab_plugin.write_notebook(
        "stock.ipynb",
        [
            ("s1", "x = 2"),
            ("s2", 'print("x is", x)\nprint("order", get_ipython().kernel.get_parent()["metadata"].get("cellOrder"))'),
        ],
        kernel="python3",
    )
    nb = NotebookUI(page, lab_plugin, "stock.ipynb").open(2, kernel="Python 3 (ipykernel)")
    nb.run_all()
    expect(nb.output(1)).to_have_text("x is 2\norder None")
    assert not nb.plugin_active()
    nb.edit_and_run(0, "x = 3")
    expect(nb.output(1)).to_have_text("x is 2\norder None")
    assert nb.badges() == [None, None]
    shot("stock-kernel")


def test_lab_and_notebook7_side_by_side_each_show_outputs_in_place(page, browser, lab_plugin, shot):
    """One kernel, two windows: each shows a cascade in the re-run cells, whichever window ran what."""
    lab_plugin.write_notebook(
        "twice.ipynb",
        [
            ("c1", 'x = 1\nprint("x is", x)'),
            ("c2", 'y = x * 10\nprint("y is", y)'),
            ("c3", 'print("y plus one", y + 1)'),
        ],
    )
    lab = NotebookUI(page, lab_plugin, "twice.ipynb").open(3)
    lab.run_all()
    expect(lab.output(2)).to_have_text("y plus one 11")

    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    try:
        nb7 = NotebookUI(context.new_page(), lab_plugin, "twice.ipynb", app="notebook").open(3)
        assert nb7.plugin_active()
        # c2 and c3 last ran in the Lab window: Notebook 7 gets their outputs
        # under its own request, and its plugin puts them in place.
        nb7.edit_and_run(0, 'x = 2\nprint("x is", x)')
        nb7.wait_idle()
        expect(nb7.output(1)).to_have_text("y is 20")
        expect(nb7.output(2)).to_have_text("y plus one 21")
        n = nb7.count(0)
        expect(nb7.outputs(0)).to_have_text(["x is 2", f"re-ran [{n}] [{n}]"])
        screenshot(nb7.page, "test_lab_and_notebook7_side_by_side-notebook7-window")
        # The Lab window still has live requests for c2 and c3: they update there too.
        expect(lab.output(1)).to_have_text("y is 20")
        expect(lab.output(2)).to_have_text("y plus one 21")
        assert lab.badges()[1:] == ["reran", "reran"]
        shot("lab-window")
    finally:
        context.close()
