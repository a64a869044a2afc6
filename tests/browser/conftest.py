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


class _Servers:
    """Servers started on first use and kept for the session, one per (app, plugin on/off)."""

    def __init__(self, tmp_path_factory) -> None:
        self._factory = tmp_path_factory
        self._servers = {}

    def get(self, app: str, plugin: bool):
        key = (app, plugin)
        if key not in self._servers:
            log = f"{'jupyterlab' if app == 'lab' else 'notebook'}-{'plugin' if plugin else 'plain'}-server.log"
            self._servers[key] = start_server(app, self._factory, log, plugin=plugin)
        return self._servers[key]

    def stop_all(self) -> None:
        for server in self._servers.values():
            stop(server.process)


@pytest.fixture(scope="session")
def servers(tmp_path_factory):
    """Jupyter servers for the whole session, started when a test first needs one."""
    pool = _Servers(tmp_path_factory)
    yield pool
    pool.stop_all()


def _serve(servers, app: str, plugin: bool):
    server = servers.get(app, plugin)
    yield server
    server.shutdown_kernels()


@pytest.fixture
def lab(servers):
    """JupyterLab as it ships (the plugin disabled); kernels the test started are shut down after it."""
    yield from _serve(servers, "lab", False)


@pytest.fixture
def notebook7(servers):
    """Notebook 7 as it ships (the plugin disabled); kernels the test started are shut down after it."""
    yield from _serve(servers, "notebook", False)


@pytest.fixture
def lab_plugin(servers):
    """JupyterLab with the companion plugin."""
    yield from _serve(servers, "lab", True)


@pytest.fixture
def notebook7_plugin(servers):
    """Notebook 7 with the companion plugin."""
    yield from _serve(servers, "notebook", True)


@pytest.fixture(params=["lab", "notebook"])
def app(request):
    """Each front end: JupyterLab and Notebook 7."""
    return request.param


@pytest.fixture(params=[True, False], ids=["plugin", "plain"])
def plugin(request):
    """With and without the companion plugin."""
    return request.param


@pytest.fixture
def server(servers, app, plugin):
    """The server for (app, plugin); kernels the test started are shut down after it."""
    yield from _serve(servers, app, plugin)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
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
