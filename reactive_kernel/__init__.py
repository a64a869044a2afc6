"""A reactive Python kernel for Jupyter.

Cells form a cycle-checked dependency graph keyed by cell id; running a cell
re-runs every cell that depends on it.  Heavy modules load lazily: importing
this package imports neither ipykernel nor DuckDB.
"""

__version__ = "0.1.0"

KERNEL_NAME = "reactive-python"
DISPLAY_NAME = "Python 3 (reactive)"

#: The companion JupyterLab / Notebook 7 plugin, as ``jupyter labextension`` names it.
LABEXTENSION_NAME = "reactive-kernel-jupyterlab"


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where ``jupyter labextension develop`` finds the built plugin (``reactive_kernel/labextension``)."""
    return [{"src": "labextension", "dest": LABEXTENSION_NAME}]
