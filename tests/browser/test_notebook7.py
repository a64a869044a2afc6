"""The reactive kernel in a real Notebook 7, driven through headless Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from notebook_ui import NotebookUI

pytestmark = pytest.mark.browser


def test_notebook7_updates_the_chain_in_place(page, notebook7, shot):
    notebook7.write_notebook("chain7.ipynb", [
        ("c1", 'x = 2\nprint("x is", x)'),
        ("c2", 'y = x * 10\nprint("y is", y)'),
        ("c3", 'z = y + 1\nprint("z is", z)'),
    ])
    nb = NotebookUI(page, notebook7, "chain7.ipynb", app="notebook").open(3)
    nb.run_all()
    expect(nb.output(2)).to_have_text("z is 21")
    prompts = nb.prompts()
    shot("before")

    nb.edit_and_run(0, 'x = 3\nprint("x is", x)')
    expect(nb.output(0)).to_have_text("x is 3")
    expect(nb.output(1)).to_have_text("y is 30")
    expect(nb.output(2)).to_have_text("z is 31")
    assert nb.prompts()[1:] == prompts[1:], "dependents keep their execution counts"
    shot("after")
