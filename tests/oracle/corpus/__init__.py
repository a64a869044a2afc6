"""The scenario corpus: ordinary notebooks of 4 to 10 cells, each with one edit.

Every original notebook runs without errors in stock ipykernel; every scenario
is deterministic (no clocks, unseeded randomness or network).  ``kinds`` tag
what a scenario exercises, and ``edit:...`` tags the kind of edit: a constant
changed, a mutation changed, a line removed, a mutation added, or the cell
turned into one that only looks.
"""

from . import arrays, basics, containers, effects, functions

SCENARIOS = [*basics.SCENARIOS, *containers.SCENARIOS, *functions.SCENARIOS, *arrays.SCENARIOS, *effects.SCENARIOS]
BY_NAME = {s.name: s for s in SCENARIOS}

if len(BY_NAME) != len(SCENARIOS):
    raise ValueError("two scenarios share a name")

__all__ = ["BY_NAME", "SCENARIOS"]
