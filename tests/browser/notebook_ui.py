"""Driving a notebook in JupyterLab or Notebook 7 the way a user does: keys, clicks and menus."""

from __future__ import annotations

import json
import time

import nbformat
from browser_env import STEP_MS, Server
from playwright.sync_api import Locator, Page, expect

expect.set_options(timeout=STEP_MS)

#: The text of every cell's input prompt ("[3]:", "[*]:", "[ ]:"), in notebook order.
_PROMPTS_JS = """() => Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell'))
    .map(c => (c.querySelector('.jp-InputPrompt')?.textContent || '').trim())"""

#: True once the cells at the given indexes show a new execution count.
_RAN_JS = """([indexes, before]) => {
    const prompts = Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell'))
        .map(c => (c.querySelector('.jp-InputPrompt')?.textContent || '').trim());
    return indexes.every((i, k) => /^\\[\\d+\\]:$/.test(prompts[i]) && prompts[i] !== before[k]);
}"""


#: A cell's badge: the state attribute and the hover text of its input prompt.
_BADGE_JS = """i => {
    const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[i];
    const prompt = cell && cell.querySelector('.jp-InputPrompt');
    return [prompt?.dataset.reactiveState ?? null, prompt?.title ?? ''];
}"""


#: The computed font size (px) and colour of each output of a cell, as drawn.
_OUTPUT_STYLE_JS = """i => {
    const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[i];
    return Array.from(cell.querySelectorAll('.jp-OutputArea-output')).map(o => {
        const style = getComputedStyle(o.querySelector('pre') || o);
        return [parseFloat(style.fontSize), style.color];
    });
}"""


class NotebookUI:
    """One notebook open in a page; cells are addressed by their position."""

    def __init__(self, page: Page, server: Server, name: str, app: str = "lab") -> None:
        self.page = page
        self.server = server
        self.name = name
        self.app = app

    def open(self, cells: int, kernel: str = "Python 3 (reactive)") -> NotebookUI:
        """Load the notebook and wait until its ``cells`` cells show and its kernel is idle."""
        if self.app == "lab":
            url = self.server.url(f"/lab/tree/{self.name}", "reset")
        else:
            url = self.server.url(f"/notebooks/{self.name}")
        self.page.goto(url)
        self.wait_loaded(cells, kernel)
        return self

    def wait_loaded(self, cells: int, kernel: str = "Python 3 (reactive)") -> None:
        """Wait for ``cells`` cells and a started, idle kernel (the reactive one unless told)."""
        self.page.wait_for_function("n => document.querySelectorAll('.jp-Notebook .jp-Cell').length === n", arg=cells)
        expect(self.page.locator(".jp-KernelName").first).to_have_text(kernel)
        expect(self.page.locator(".jp-Notebook-ExecutionIndicator").first).to_have_attribute("data-status", "idle")

    # -- locators -----------------------------------------------------------
    def cell(self, index: int) -> Locator:
        """The cell at ``index``."""
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index)

    def output(self, index: int) -> Locator:
        """The output area of the cell at ``index``."""
        return self.cell(index).locator(".jp-OutputArea").first

    def outputs(self, index: int) -> Locator:
        """Each output of the cell at ``index``."""
        return self.cell(index).locator(".jp-OutputArea-output")

    def prompt(self, index: int) -> str:
        """The cell's input prompt text, such as ``[3]:``."""
        return self.page.evaluate(_PROMPTS_JS)[index]

    def prompts(self) -> list[str]:
        """Every cell's input prompt text."""
        return self.page.evaluate(_PROMPTS_JS)

    def count(self, index: int) -> int | None:
        """The cell's prompt number (``[3]:`` gives 3), None when it shows none."""
        digits = self.prompt(index).strip("[]: *")
        return int(digits) if digits.isdigit() else None

    def badge(self, index: int) -> tuple[str | None, str]:
        """The plugin's badge on a cell: its state (``reran``, ``stale``, ...) and hover text."""
        return self.page.evaluate(_BADGE_JS, index)

    def badges(self) -> list[str | None]:
        """Every cell's badge state."""
        return [self.badge(i)[0] for i in range(len(self.prompts()))]

    def plugin_active(self) -> bool:
        """Whether the companion plugin follows this notebook (it marks reactive notebooks)."""
        return self.page.evaluate("() => !!document.querySelector('.jp-Notebook.rk-mod-reactive')")

    def note(self, index: int, kind: str) -> Locator:
        """The kernel's lines of a kind (``summary``, ``heading``, ...) in a cell, as the plugin marks them."""
        return self.cell(index).locator(f'.jp-OutputArea-child.rk-Note[data-reactive-kind="{kind}"]')

    def output_styles(self, index: int) -> list[tuple[float, str]]:
        """Each output's font size and colour, as drawn."""
        return [tuple(style) for style in self.page.evaluate(_OUTPUT_STYLE_JS, index)]

    def output_texts(self, index: int) -> list[str]:
        """The text of each output of a cell, stripped."""
        return [t.strip() for t in self.outputs(index).all_inner_texts()]

    def wait_idle(self) -> None:
        """Wait until the kernel is idle again."""
        expect(self.page.locator(".jp-Notebook-ExecutionIndicator").first).to_have_attribute("data-status", "idle")

    # -- actions ------------------------------------------------------------
    def select(self, index: int) -> None:
        """Select a cell in command mode."""
        self.cell(index).locator(".jp-InputPrompt").click()
        self.page.keyboard.press("Escape")

    def edit(self, index: int, code: str) -> None:
        """Replace the cell's code, typed into its editor."""
        self.cell(index).locator(".cm-content").click()
        self.page.keyboard.press("Control+a")
        self.page.keyboard.press("Delete")
        self.page.keyboard.insert_text(code)

    def run(self, index: int, wait: bool = True) -> None:
        """Run one cell with Ctrl+Enter; with ``wait``, until its reply came (new count)."""
        before = [self.prompt(index)]
        self.select(index)
        self.page.keyboard.press("Control+Enter")
        if wait:
            self.wait_ran([index], before)

    def edit_and_run(self, index: int, code: str, wait: bool = True) -> None:
        """Type new code into a cell and run it."""
        before = [self.prompt(index)]
        self.edit(index, code)
        self.page.keyboard.press("Control+Enter")
        if wait:
            self.wait_ran([index], before)

    def run_all(self) -> None:
        """Run > Run All Cells from the menu bar, then wait until every cell got a new count."""
        before = self.prompts()
        self.page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        self.page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        self.wait_ran(list(range(len(before))), before)

    def wait_ran(self, indexes: list[int], before: list[str]) -> None:
        """Wait until the cells at ``indexes`` show counts other than ``before``."""
        self.page.wait_for_function(_RAN_JS, arg=[indexes, before], timeout=STEP_MS)

    def insert_below(self, index: int, code: str) -> None:
        """Insert a code cell below the cell at ``index`` (command-mode B) and type ``code`` into it."""
        count = len(self.prompts())
        self.select(index)
        self.page.keyboard.press("b")
        self.page.wait_for_function(
            "n => document.querySelectorAll('.jp-Notebook .jp-Cell').length === n", arg=count + 1
        )
        self.edit(index + 1, code)

    def reload(self, cells: int) -> None:
        """Reload the page (a new client session) and wait until the notebook is back."""
        self.page.reload()
        self.wait_loaded(cells)

    def delete(self, index: int) -> None:
        """Delete a cell with the command-mode shortcut D, D."""
        count = len(self.prompts())
        self.select(index)
        self.page.keyboard.press("d")
        self.page.keyboard.press("d")
        self.page.wait_for_function(
            "n => document.querySelectorAll('.jp-Notebook .jp-Cell').length === n", arg=count - 1
        )

    def save(self) -> None:
        """Save with Ctrl+S; wait until the document is no longer marked dirty and the new file is on disk."""
        path = self.server.root / self.name
        before = path.stat().st_mtime_ns if path.exists() else None
        self.select(0)
        self.page.keyboard.press("Control+s")
        expect(self.page.locator(".jp-mod-dirty")).to_have_count(0)
        deadline = time.monotonic() + STEP_MS / 1000
        while time.monotonic() < deadline:
            if path.exists() and path.stat().st_mtime_ns != before:
                try:
                    json.loads(path.read_text())
                    return
                except ValueError:
                    pass
            time.sleep(0.1)
        raise AssertionError(f"{path} was not saved")


def check_chain_updates_in_place(page, server, name: str, app: str, shot, plugin: bool = False) -> None:
    """The 3-cell chain scenario: editing and running the first cell updates the other two in place.

    Without the plugin the dependents keep their prompt numbers; with it they
    show fresh ones and a "re-ran" badge.  The cell that ran ends with one line
    naming the cells that re-ran by the prompt numbers they show; the plugin
    draws it as a quiet note, in smaller and fainter type than the cell's output.
    """
    server.write_notebook(
        name,
        [
            ("c1", 'x = 2\nprint("x is", x)'),
            ("c2", 'y = x * 10\nprint("y is", y)'),
            ("c3", 'z = y + 1\nprint("z is", z)'),
        ],
    )
    nb = NotebookUI(page, server, name, app=app).open(3)
    assert nb.plugin_active() is plugin
    nb.run_all()
    expect(nb.output(2)).to_have_text("z is 21")
    before = [nb.count(i) for i in range(3)]
    shot("before")

    nb.edit_and_run(0, 'x = 3\nprint("x is", x)')
    expect(nb.output(1)).to_have_text("y is 30")
    expect(nb.output(2)).to_have_text("z is 31")
    nb.wait_idle()
    after = [nb.count(i) for i in range(3)]
    summary = f"re-ran [{after[1]}] [{after[2]}]"
    expect(nb.outputs(0)).to_have_text(["x is 3", summary])
    if plugin:
        assert all(a > b for a, b in zip(after[1:], before[1:])), f"fresh prompt numbers: {before} -> {after}"
        assert nb.badges() == [None, "reran", "reran"]
        expect(nb.note(0, "summary")).to_have_text(summary)
        (size, colour), (note_size, note_colour) = nb.output_styles(0)
        assert note_size < size and note_colour != colour, "the summary is drawn as a quiet note"
    else:
        assert after[1:] == before[1:], "dependents keep their execution counts"
        assert nb.badges() == [None, None, None]
        expect(nb.note(0, "summary")).to_have_count(0)
    shot("after")


def _text(output: dict) -> str:
    """What a person reads of one nbformat output."""
    kind = output["output_type"]
    if kind == "stream":
        return output["text"].strip()
    if kind == "error":
        return f"{output['ename']}: {output['evalue']}"
    data = output.get("data", {})
    text = data.get("text/plain", "")
    return ("".join(text) if isinstance(text, list) else text).strip()


def is_annotation(output: dict) -> bool:
    """A line the kernel adds (heading, notice, summary, progress): it carries ``metadata.reactive``."""
    return "reactive" in (output.get("metadata") or {})


def saved_outputs(path) -> dict[str, list[dict]]:
    """Each code cell's outputs in the saved notebook, by cell id."""
    nb = nbformat.read(path, as_version=4)
    return {cell.id: list(cell.outputs) for cell in nb.cells if cell.cell_type == "code"}


def fresh_run(path) -> dict[str, list[str]]:
    """The oracle: the notebook at ``path`` run top to bottom in a fresh stock ``python3`` kernel.

    Returns each code cell's output texts (streams of one name merged), by cell id.
    """
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    NotebookClient(nb, kernel_name="python3", timeout=120, allow_errors=True).execute()
    return {cell.id: merged_texts(cell.outputs) for cell in nb.cells if cell.cell_type == "code"}


def merged_texts(outputs: list[dict], annotations: bool = False) -> list[str]:
    """Output texts with consecutive streams of one name merged, as a front end shows them."""
    texts: list[str] = []
    last_stream = None
    for output in outputs:
        if is_annotation(output) and not annotations:
            continue
        if output["output_type"] == "stream" and last_stream == output["name"]:
            texts[-1] = (texts[-1] + "\n" + output["text"].strip()).strip()
            continue
        last_stream = output["name"] if output["output_type"] == "stream" else None
        texts.append(_text(output))
    return texts


def check_matches_fresh_run(nb: NotebookUI, path) -> None:
    """The saved notebook, the kernel's own annotation lines aside, equals a fresh run, and so does the screen.

    The screen shows exactly the saved outputs, in order (an error by its traceback).
    """
    saved = saved_outputs(path)
    oracle = fresh_run(path)
    for index, (cell_id, outputs) in enumerate(saved.items()):
        assert merged_texts(outputs) == oracle[cell_id], f"saved cell {cell_id} vs a fresh run"
        shown = nb.output_texts(index)
        assert len(shown) == len(outputs), f"cell {cell_id}: screen {shown} vs saved {outputs}"
        for text, output in zip(shown, outputs):
            if output["output_type"] == "error":
                assert output["ename"] in text, f"cell {cell_id}: screen {text!r} vs saved {output}"
            else:
                assert text == _text(output), f"cell {cell_id}: screen {text!r} vs saved {output}"
