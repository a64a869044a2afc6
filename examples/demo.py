"""A reactive session on examples/sql_demo.ipynb: change cells and see what re-runs.

Runs on the kernel's embedded, in-memory DuckDB.  ``make demo`` runs it;
``python examples/demo.py`` does too once the kernelspec is installed.
"""

from __future__ import annotations

from pathlib import Path

from reactive_kernel.client import BlockingCoordinator, CascadeResult, RegistrationRefused

NOTEBOOK = Path(__file__).with_name("sql_demo.ipynb")


def show(title: str, cascade: CascadeResult) -> None:
    """Print which cells a change ran, and what they printed."""
    print(f"\n== {title}")
    first, *rest = list(cascade)
    print(f"   ran {first.cell_id} ({first.status})")
    print(f"   re-ran {len(rest)}: " + (", ".join(f"{r.cell_id} ({r.status})" for r in rest) or "nothing"))
    for run in cascade:
        for line in run.stdout.splitlines():
            print(f"   {run.cell_id} | {line}")
        if run.status == "error":
            print(f"   {run.cell_id} | {run.ename}: {run.evalue}")


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
    with BlockingCoordinator() as co:
        registrations = co.load_notebook(NOTEBOOK)
        print(f"Registered {len(registrations)} cells of {NOTEBOOK.name}:")
        for reg in registrations:
            reads = ", ".join(sorted(set(reg.reads) & {w for r in registrations for w in r.writes}))
            print(f"   {reg.cell_id:<12} writes {', '.join(reg.writes) or '-':<28} reads {reads or '-'}")

        show("run the DataFrame cell first: everything downstream runs (the parameters are not set yet)", co.execute("orders"))
        show("run the parameter cell: its two dependents heal", co.execute("min-amount"))
        show("run the hostile-string parameter: it stays a value", co.execute("region-name"))
        show("change min_amount to 25", co.execute("min-amount", "min_amount = 25"))
        show(
            "add a big order from the west",
            co.execute(
                "orders",
                co.cells["orders"].replace(
                    '"amount": [', '"amount": [40.0, '
                ).replace('"region": [', '"region": ["west", ').replace('"product": [', '"product": ["tea", '),
            ),
        )
        refused("make orders depend on by_region (a cycle)", co, "orders", "orders = by_region")
        refused("define min_amount in a second cell", co, "another", "min_amount = 5")
        show("the notebook is unchanged: run min-amount again", co.execute("min-amount"))


if __name__ == "__main__":
    main()
