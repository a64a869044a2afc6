"""Fixtures for browser tests: session-wide Jupyter servers and headless Chromium, a page per test."""

from __future__ import annotations

import re

import pytest

from browser_env import CHROMIUM, CHROMIUM_ARGS, STEP_MS, screenshot, start_server, stop


def pytest_collection_modifyitems(config, items):
    """Run browser tests last (Playwright's loop then outlives no other test); skip them without Chromium."""
    browser_items = [item for item in items if "browser" in item.keywords]
    items[:] = [item for item in items if "browser" not in item.keywords] + browser_items
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in browser_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    """A JupyterLab server for the whole session."""
    server = start_server("lab", tmp_path_factory, "jupyterlab-server.log")
    yield server
    stop(server.process)


@pytest.fixture(scope="session")
def notebook_server(tmp_path_factory):
    """A Notebook 7 server for the whole session."""
    server = start_server("notebook", tmp_path_factory, "notebook-server.log")
    yield server
    stop(server.process)


@pytest.fixture
def lab(lab_server):
    """The JupyterLab server; kernels the test started are shut down after it."""
    yield lab_server
    lab_server.shutdown_kernels()


@pytest.fixture
def notebook7(notebook_server):
    """The Notebook 7 server; kernels the test started are shut down after it."""
    yield notebook_server
    notebook_server.shutdown_kernels()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A page in a fresh browser context; it is closed after the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(STEP_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def shot(page, request):
    """``shot(step)`` keeps a screenshot as ``tests/artifacts/browser/<test>-<step>.png``."""
    prefix = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
    return lambda step: screenshot(page, f"{prefix}-{step}")
