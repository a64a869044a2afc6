"""examples/chain.ipynb executed by nbclient against a real reactive kernel."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell
from support import by_id

from reactive_kernel import KERNEL_NAME
from reactive_kernel.testing import execute_notebook, send_cell_ids

CHAIN = Path(__file__).resolve().parent.parent / "examples" / "chain.ipynb"
TIMEOUT = 120


def stdout(cell) -> str:
    return "".join(o["text"] for o in cell.outputs if o["output_type"] == "stream" and o["name"] == "stdout")


def test_chain_notebook_is_nbformat_45_with_cell_ids():
    nb = nbformat.read(CHAIN, as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert all(cell.get("id") for cell in nb.cells)
    assert nb.metadata.kernelspec.name == KERNEL_NAME
    assert any(cell.cell_type == "markdown" for cell in nb.cells)


def test_execute_notebook_sends_each_cells_id():
    seen: dict[str, str | None] = {}
    replies: dict[str, dict] = {}

    def own_hook(cell, **_):
        seen[cell["id"]] = cell["id"]

    def record(cell, execute_reply, **_):
        replies[cell["id"]] = execute_reply["metadata"]["reactive"]

    before = CHAIN.read_text()
    nb = execute_notebook(CHAIN, timeout=TIMEOUT, on_cell_execute=own_hook, on_cell_executed=record)

    assert CHAIN.read_text() == before
    assert stdout(by_id(nb)["report"]) == "10 doubled is 20\n"
    assert list(seen) == ["base", "doubled", "report"]
    assert {cid: r["cell_id"] for cid, r in replies.items()} == {c: c for c in seen}
    assert replies["doubled"]["reads"] == ["base"] and replies["doubled"]["writes"] == ["doubled"]
    assert {"base", "doubled"} <= set(replies["report"]["reads"])
    assert all(r["status"] == "ok" and r["cascade"] == [] for r in replies.values())


def test_rerunning_the_first_cell_through_the_client_reruns_the_chain():
    nb = nbformat.read(CHAIN, as_version=4)
    cells = by_id(nb)
    replies: dict[str, dict] = {}
    client = NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=TIMEOUT)

    def record(cell, execute_reply, **_):
        assert "cellId" not in client.kc.session.metadata
        replies[cell["id"]] = execute_reply

    client.on_cell_executed = record
    send_cell_ids(client)
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        assert stdout(cells["report"]) == "10 doubled is 20\n"
        first = {cid: reply["parent_header"]["msg_id"] for cid, reply in replies.items()}

        cells["base"].source = "base = 21"
        client.execute_cell(cells["base"], nb.cells.index(cells["base"]))
        report = replies["base"]["metadata"]["reactive"]
        assert report["cell_id"] == "base" and report["status"] == "ok"
        assert [(c["cell_id"], c["status"], c["msg_id"]) for c in report["cascade"]] == [
            ("doubled", "ok", first["doubled"]),
            ("report", "ok", first["report"]),
        ]

        probe = new_code_cell('print(doubled, report, sep="; ")')
        nb.cells.append(probe)
        client.execute_cell(probe, len(nb.cells) - 1)
        assert stdout(probe) == "42; 21 doubled is 42\n"
        assert replies[probe["id"]]["metadata"]["reactive"]["cell_id"] == probe["id"]


def test_cells_without_ids_run_as_anonymous_cells():
    nb = nbformat.read(CHAIN, as_version=4)
    for cell in nb.cells:
        del cell["id"]
    nb.nbformat_minor = 4
    cell_ids: list[str] = []

    def record(execute_reply, **_):
        cell_ids.append(execute_reply["metadata"]["reactive"]["cell_id"])

    execute_notebook(nb, timeout=TIMEOUT, on_cell_executed=record)
    assert stdout(nb.cells[-1]) == "10 doubled is 20\n"
    assert len(cell_ids) == 3 and all(c.startswith("anon-") for c in cell_ids)


def test_plain_nbclient_lets_a_later_cell_override_parameters():
    """papermill's case: an injected parameters cell redefines the defaults cell's names."""
    nb = nbformat.v4.new_notebook(
        cells=[
            new_code_cell("alpha = 1\nlabel = 'default'", metadata={"tags": ["parameters"]}),
            new_code_cell("alpha = 2\nlabel = 'injected'", metadata={"tags": ["injected-parameters"]}),
            new_code_cell("print(label, alpha * 10)"),
        ]
    )
    NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=TIMEOUT).execute()
    assert stdout(nb.cells[-1]) == "injected 20\n"


def test_send_cell_ids_refuses_other_objects_and_installs_once():
    with pytest.raises(TypeError, match="NotebookClient"):
        send_cell_ids(object())
    client = NotebookClient(nbformat.v4.new_notebook(), kernel_name=KERNEL_NAME)
    send_cell_ids(client)
    hooks = (client.on_cell_execute, client.on_cell_complete)
    assert send_cell_ids(client) is client
    assert (client.on_cell_execute, client.on_cell_complete) == hooks


ORDER_PROBE = "print(__import__('json').dumps(get_ipython().kernel.get_parent()['metadata'].get('cellOrder')))"


def test_each_cell_is_sent_with_the_notebooks_order_of_code_cells(tmp_path):
    nb = nbformat.v4.new_notebook(
        cells=[
            new_code_cell("first = 1", id="first"),
            nbformat.v4.new_markdown_cell("between", id="words"),
            new_code_cell(ORDER_PROBE, id="probe"),
        ]
    )
    execute_notebook(nb, timeout=TIMEOUT)
    assert stdout(nb.cells[2]) == '["first", "probe"]\n'
    nb.cells.insert(0, new_code_cell("inserted = 1", id="top"))
    client = send_cell_ids(NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=TIMEOUT))
    with client.setup_kernel():
        client.execute_cell(nb.cells[3], 3)
        assert "cellOrder" not in client.kc.session.metadata
    assert stdout(nb.cells[3]) == '["top", "first", "probe"]\n'


def test_execute_notebook_gives_cells_of_an_old_notebook_ids(tmp_path):
    path = tmp_path / "old.ipynb"
    old = nbformat.v4.new_notebook(cells=[new_code_cell("n = 41"), new_code_cell("print(n + 1)")])
    old.nbformat_minor = 4
    for cell in old.cells:
        del cell["id"]
    path.write_text(nbformat.writes(old, version=4))
    replies: list[str] = []
    nb = execute_notebook(
        path,
        timeout=TIMEOUT,
        on_cell_executed=lambda execute_reply, **_: replies.append(execute_reply["metadata"]["reactive"]["cell_id"]),
    )
    assert stdout(nb.cells[1]) == "42\n"
    assert replies == [cell.id for cell in nb.cells]


def test_the_demo_shows_what_it_claims():
    """``make demo``: no kernel warning on the terminal, and each step prints what backs its title."""
    import re
    import subprocess
    import sys

    demo = CHAIN.with_name("demo.py")
    done = subprocess.run([sys.executable, str(demo)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "without encryption" not in done.stdout + done.stderr
    assert done.stderr == "", done.stderr
    steps = {block.splitlines()[0]: block for block in re.split(r"\n== ", done.stdout)[1:]}
    plain, hostile, pasted = (
        next(b for t, b in steps.items() if t.startswith(s))
        for s in ("a plain region name", "the quote-laden one", "the same string pasted")
    )
    assert re.search(r"by-name \| 3\n", plain) and re.search(r"by-name \| 0\n", hostile)
    assert "pasted into the SQL text it matches 6 of 6 orders" in pasted
    redefined = next(b for t, b in steps.items() if t.startswith("a second definition"))
    assert "ran lower (ok)" in redefined and "re-ran 2: by-region (ok), report (ok)" in redefined
    in_place = next(b for t, b in steps.items() if t.startswith("an in-place change"))
    assert "re-ran 6: by-region (ok), report (ok), big-orders (ok), products (ok), share (ok), by-name (ok)" in in_place
    assert re.search(r"products \| tea\s+1\s+40\.0\n", in_place), in_place
    assert "refused, nothing ran: CycleError: cell [" in done.stdout
    assert "refused, nothing ran: MultipleDefinitionError: 'min_amount' is already defined by cell [" in done.stdout
