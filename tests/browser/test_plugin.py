"""The companion plugin in a real JupyterLab and Notebook 7, and the same scenarios without it.

Tests that take ``server`` run four times: JupyterLab and Notebook 7, each
with the plugin and with the plugin disabled (``jupyter labextension
disable``).  Correctness is checked against a fresh top-to-bottom run of the
notebook, as saved after the edit, in a stock ``python3`` kernel.
"""

from __future__ import annotations

import json

import nbformat
import pytest
from notebook_ui import NotebookUI, check_chain_updates_in_place
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_editing_a_root_cell_updates_its_dependents_in_place(page, server, app, plugin, shot):
    check_chain_updates_in_place(page, server, f"chain-{app}-{plugin}.ipynb", app, shot, plugin=plugin)


def test_each_request_carries_the_notebook_order(page, server, app, plugin, shot):
    name = f"order-{app}-{plugin}.ipynb"
    server.write_notebook(name, [
        ("a1", "a = 1"),
        ("b2", "b = 2"),
        ("c3", 'import json\nprint(json.dumps(get_ipython().kernel.get_parent()["metadata"].get("cellOrder")))'),
    ])
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
