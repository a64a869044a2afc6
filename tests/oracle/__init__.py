"""An independent judge of the reactive kernel: scenarios, a JupyterLab-like client, the oracle, three policies.

A scenario is a notebook and one edit.  The oracle runs the edited notebook top
to bottom in a fresh stock ipykernel; each policy runs the original notebook
with Run All, then reacts to the edit; a policy is right when every cell's
output area and every name's value equal the oracle's.  See ``outputs`` for how
output areas are kept and which kernel annotations are left out, ``names`` for
how values are read, ``judge`` for the policies.
"""

from .frontend import Frontend, HarnessError, Kernel, KernelPool, start_kernel
from .judge import (
    ORACLE_KERNEL,
    POLICIES,
    FreshRun,
    Mismatch,
    NotebookState,
    PolicyRun,
    Verdict,
    changed_cells,
    compare,
    judge,
    reactive_cells_run,
    run_corpus,
    run_fresh,
    run_oracle,
    run_original,
    run_policy,
)
from .outputs import Area, OutputAreas, is_annotation, normalise
from .scenario import Scenario, insertion, notebook

__all__ = [
    "ORACLE_KERNEL",
    "POLICIES",
    "Area",
    "FreshRun",
    "Frontend",
    "HarnessError",
    "Kernel",
    "KernelPool",
    "Mismatch",
    "NotebookState",
    "OutputAreas",
    "PolicyRun",
    "Scenario",
    "Verdict",
    "changed_cells",
    "compare",
    "insertion",
    "is_annotation",
    "judge",
    "normalise",
    "notebook",
    "reactive_cells_run",
    "run_corpus",
    "run_fresh",
    "run_oracle",
    "run_original",
    "run_policy",
    "start_kernel",
]
