"""A reactive session on examples/sql_demo.ipynb: change cells and see what re-runs.

Runs on the kernel's embedded, in-memory DuckDB.  ``make demo`` runs it;
``python examples/demo.py`` does too once the kernelspec is installed.  Each
step prints the cells it ran, in run order, and what they printed or returned.
"""

from __future__ import annotations

from pathlib import Path

from reactive_kernel.client import BlockingCoordinator, CascadeResult, CellRun, RegistrationRefused

NOTEBOOK = Path(__file__).with_name("sql_demo.ipynb")


def shown(run: CellRun) -> list[str]:
    """What a cell printed and returned, line by line (an error as ``Name: message``)."""
    lines = run.stdout.splitlines()
    for output in run.outputs:
        if output.get("output_type") in ("execute_result", "display_data"):
            text = output.get("data", {}).get("text/plain", "")
            lines.extend(("".join(text) if isinstance(text, list) else text).splitlines())
    if run.status == "error":
        lines.append(f"{run.ename}: {run.evalue}")
    return lines


def show(title: str, cascade: CascadeResult) -> CascadeResult:
    """Print which cells a change ran, and what they showed."""
    print(f"\n== {title}")
    first, *rest = list(cascade)
    print(f"   ran {first.cell_id} ({first.status})")
    print(f"   re-ran {len(rest)}: " + (", ".join(f"{r.cell_id} ({r.status})" for r in rest) or "nothing"))
    for run in cascade:
        for line in shown(run):
            print(f"   {run.cell_id:>12} | {line}")
    return cascade


def refused(title: str, co: BlockingCoordinator, cell_id: str, code: str) -> None:
    """Try a change the graph refuses, and print why."""
    print(f"\n== {title}")
    try:
        co.register(cell_id, code)
    except RegistrationRefused as err:
        print(f"   refused, nothing ran: {err.ename}: {err.evalue}")
    else:
        raise SystemExit(f"the kernel accepted {code!r}; it should have refused it")


def main() -> None:
    # IPC: the kernel runs on this machine, so it needs no TCP port.
    with BlockingCoordinator(transport="ipc") as co:
        registrations = co.load_notebook(NOTEBOOK)
        print(f"Registered {len(registrations)} cells of {NOTEBOOK.name}:")
        for reg in registrations:
            reads = ", ".join(sorted(set(reg.reads) & {w for r in registrations for w in r.writes}))
            print(f"   {reg.cell_id:<12} writes {', '.join(reg.writes) or '-':<28} reads {reads or '-'}")

        show("run the DataFrame cell: what reads it runs too, and the parameters it needs first", co.execute("orders"))
        hostile = co.cells["region-name"]
        show("a plain region name as the by-name query's parameter", co.execute("region-name", 'region_name = "north"'))
        show(
            "the quote-laden one: the query gets it as a value, so it matches no region",
            co.execute("region-name", hostile),
        )
        show(
            "the same string pasted into the SQL text instead would match every order (a scratch cell, deleted after)",
            co.execute(
                "pasted",
                "import duckdb\n"
                "pasted = duckdb.sql(f\"SELECT count(*) FROM orders WHERE region = '{region_name}'\").fetchall()[0][0]\n"
                "print('pasted into the SQL text it matches', pasted, 'of', len(orders), 'orders')",
                after="by-name",
            ),
        )
        co.unregister("pasted")

        show(
            "change min_amount to 25: the SQL cell and what reads its result re-run",
            co.execute("min-amount", "min_amount = 25"),
        )
        show(
            "a second definition of min_amount below the first (allowed: cells read the nearest one above)",
            co.execute("lower", "min_amount = min_amount - 20", after="min-amount"),
        )
        show(
            "an in-place change: a new order appended to the DataFrame in another cell",
            co.execute("new-order", 'orders.loc[len(orders)] = ["west", "tea", 40.0]', after="orders"),
        )
        refused("make orders read by_region (a cycle)", co, "orders", "orders = by_region")
        co.execute("strict", "%reactive strict", after="region-name")
        refused("in strict mode (marimo's rule) a second definition is refused", co, "another", "min_amount = 5")
        co.execute("strict", "%reactive allow")
        show(
            "the refusals changed nothing: run min-amount again, and nothing else needs to run",
            co.execute("min-amount"),
        )


if __name__ == "__main__":
    main()
