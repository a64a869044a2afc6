"""The reactive kernel in a real Notebook 7, driven through headless Chromium."""

from __future__ import annotations

import pytest
from notebook_ui import NotebookUI, check_chain_updates_in_place
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_notebook7_updates_the_chain_in_place(page, notebook7, shot):
    check_chain_updates_in_place(page, notebook7, "chain7.ipynb", "notebook", shot)


def test_notebook7_draws_the_graph(page, notebook7, shot):
    """Notebook 7 has no Mermaid renderer: it shows the kernel's SVG, drawn by Graphviz."""
    notebook7.write_notebook(
        "graph7.ipynb",
        [
            ("c1", "a = 1"),
            ("c2", "b = a * 2"),
            ("c3", "print(a + b)"),
            ("m1", "%reactive graph"),
        ],
    )
    nb = NotebookUI(page, notebook7, "graph7.ipynb", app="notebook").open(4)
    nb.run_all()
    picture = nb.output(3).locator("img").first
    expect(picture).to_be_visible()
    expect(nb.output(3)).not_to_contain_text("flowchart")
    svg = picture.evaluate("img => decodeURIComponent(img.src)")
    assert svg.startswith("data:image/svg+xml,"), svg[:80]
    for cell_id, code in (("c1", "a = 1"), ("c2", "b = a * 2"), ("c3", "print(a + b)")):
        assert f'id="reactive_cell_{cell_id}"' in svg, f"{cell_id} drawn"
        assert f"cell [{nb.count(['c1', 'c2', 'c3'].index(cell_id))}] {code}" in svg, (
            f"{cell_id} named as people see it"
        )
    width = picture.evaluate("img => img.naturalWidth")
    assert width > 50, "the picture has a size"
    shot("graph")
