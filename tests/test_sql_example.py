"""examples/sql_demo.ipynb executed by nbclient against a real reactive kernel."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell
from support import by_id

from reactive_kernel import KERNEL_NAME
from reactive_kernel.testing import execute_notebook, send_cell_ids

SQL_DEMO = Path(__file__).resolve().parent.parent / "examples" / "sql_demo.ipynb"
TIMEOUT = 120


def stdout(cell) -> str:
    return "".join(o["text"] for o in cell.outputs if o["output_type"] == "stream" and o["name"] == "stdout")


def result(cell) -> dict:
    found = [o["data"] for o in cell.outputs if o["output_type"] == "execute_result"]
    assert len(found) == 1, cell.outputs
    return found[0]


def test_sql_demo_is_nbformat_45_with_cell_ids():
    nb = nbformat.read(SQL_DEMO, as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert all(cell.get("id") for cell in nb.cells)
    assert nb.metadata.kernelspec.name == KERNEL_NAME
    assert all(not cell.outputs for cell in nb.cells if cell.cell_type == "code")


def test_sql_demo_runs_and_its_sql_cells_join_the_graph():
    reports: dict[str, dict] = {}

    def record(cell, execute_reply, **_):
        reports[cell["id"]] = execute_reply["metadata"]["reactive"]

    nb = execute_notebook(SQL_DEMO, timeout=TIMEOUT, on_cell_executed=record)
    cells = by_id(nb)

    assert stdout(cells["report"]) == "north leads with 60.50 from 3 orders\n"
    products = result(cells["products"])
    assert "<td>coffee</td><td>2</td><td>52.0</td>" in products["text/html"]
    assert products["text/plain"].splitlines()[-1] == "1 row"
    assert stdout(cells["share"]) == "{'coffee': 0.5, 'tea': 0.5}\n"
    matching = result(cells["by-name"])
    assert matching["text/plain"].splitlines() == ["matching", "--------", "0", "1 row"]

    assert all(r["status"] == "ok" and r["cascade"] == [] for r in reports.values())
    assert (reports["by-region"]["reads"], reports["by-region"]["writes"]) == (["min_amount", "orders"], ["by_region"])
    assert (reports["big-orders"]["reads"], reports["big-orders"]["writes"]) == (["orders"], ["big_orders"])
    assert (reports["products"]["reads"], reports["products"]["writes"]) == (["big_orders"], [])
    assert "orders" in reports["share"]["reads"] and reports["share"]["writes"] == ["counts", "share", "total"]
    assert reports["by-name"]["reads"] == ["orders", "region_name"]


def test_editing_upstream_cells_reruns_sql_and_python_below():
    nb = nbformat.read(SQL_DEMO, as_version=4)
    cells = by_id(nb)
    replies: dict[str, dict] = {}
    client = NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=TIMEOUT)

    def record(cell, execute_reply, **_):
        replies[cell["id"]] = execute_reply["metadata"]["reactive"]

    client.on_cell_executed = record
    send_cell_ids(client)

    def run(cell):
        client.execute_cell(cell, nb.cells.index(cell))
        return [(c["cell_id"], c["status"]) for c in replies[cell["id"]]["cascade"]]

    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)

        cells["min-amount"].source = "min_amount = 15"
        assert run(cells["min-amount"]) == [("by-region", "ok"), ("report", "ok")]

        cells["orders"].source = cells["orders"].source.replace("5.5", "55.5")
        assert run(cells["orders"]) == [
            ("by-region", "ok"),
            ("report", "ok"),
            ("big-orders", "ok"),
            ("products", "ok"),
            ("share", "ok"),
            ("by-name", "ok"),
        ]

        probe = new_code_cell(
            "print(by_region[['region', 'orders', 'revenue']].values.tolist())\n"
            "print(get_ipython().run_line_magic('sql', 'SELECT count(*) AS n FROM big_orders')['n'][0])"
        )
        nb.cells.append(probe)
        client.execute_cell(probe, len(nb.cells) - 1)
        assert stdout(probe) == "[['east', 1, 55.5], ['north', 2, 48.0], ['south', 1, 22.0]]\n3\n"
