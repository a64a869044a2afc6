"""The scenario corpus: notebooks, each with one edit.

Small scenarios (4 to 10 cells, in ``basics`` to ``effects``) each exercise one
kind of change; realistic ones (10 to 25 cells, in ``realistic_*``, kind
``realistic``) are notebooks written the way data scientists write them, with
independent sections, and one edit where people edit (``where:...``).

Every original notebook runs without errors in stock ipykernel; every scenario
is deterministic (no clocks, unseeded randomness or network).  ``kinds`` tag
what a scenario exercises, and ``edit:...`` tags the kind of edit: a constant
changed, a mutation changed, a line removed, a mutation added, or the cell
turned into one that only looks.
"""

from . import (
    arrays,
    basics,
    containers,
    effects,
    functions,
    realistic_files,
    realistic_numpy,
    realistic_pandas,
    realistic_python,
)

SMALL = [*basics.SCENARIOS, *containers.SCENARIOS, *functions.SCENARIOS, *arrays.SCENARIOS, *effects.SCENARIOS]
REALISTIC = [
    *realistic_python.SCENARIOS,
    *realistic_pandas.SCENARIOS,
    *realistic_numpy.SCENARIOS,
    *realistic_files.SCENARIOS,
]
SCENARIOS = [*SMALL, *REALISTIC]
BY_NAME = {s.name: s for s in SCENARIOS}

if len(BY_NAME) != len(SCENARIOS):
    raise ValueError("two scenarios share a name")

#: Scenarios where the kernel differs from a fresh run by design (docs/semantics.md), and why.
KNOWN_DIFFERENCES = {
    "docs-index-edited-doc": "a cell above lists a folder in which a cell below created a file; "
    "the kernel never deletes files (docs/semantics.md, Files)",
}
if not KNOWN_DIFFERENCES.keys() <= BY_NAME.keys():
    raise ValueError("a known difference names no scenario")


def group(kinds) -> str:
    """``realistic`` or ``small``: the group a scenario with these kinds is reported in."""
    return "realistic" if "realistic" in kinds else "small"


__all__ = ["BY_NAME", "KNOWN_DIFFERENCES", "REALISTIC", "SCENARIOS", "SMALL", "group"]
