"""The reactive kernel in a real Notebook 7, driven through headless Chromium."""

from __future__ import annotations

import pytest
from notebook_ui import check_chain_updates_in_place

pytestmark = pytest.mark.browser


def test_notebook7_updates_the_chain_in_place(page, notebook7, shot):
    check_chain_updates_in_place(page, notebook7, "chain7.ipynb", "notebook", shot)
