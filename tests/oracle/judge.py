"""The oracle, the three policies, and the verdict that compares them.

The oracle is the edited notebook run top to bottom in a fresh stock
``python3`` kernel, one cell at a time; a raising cell records
``ename: evalue`` and the next cell still runs.

Each policy starts a fresh kernel, runs the original notebook with Run All,
then reacts to the edit:

- ``reactive``: the reactive-python kernel runs the edited cell (its cascade
  does the rest);
- ``stock-edited-only``: stock ipykernel runs only the edited cell;
- ``stock-rerun-all``: stock ipykernel, then Run All of the edited notebook.

A policy is right when every cell's output area and every name's value equal
the oracle's.  Cells run after the edit: for ``reactive``, the edited cell,
the cascade entries of its reply (``metadata.reactive.cascade``) whose status
is ``ok`` or ``error``, and any other cell whose output area changed after the
edit; 1 for ``stock-edited-only``; every code cell for ``stock-rerun-all``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from .frontend import Frontend, HarnessError, KernelPool
from .scenario import Scenario

__all__ = [
    "ORACLE_KERNEL",
    "POLICIES",
    "Mismatch",
    "NotebookState",
    "Verdict",
    "compare",
    "judge",
    "run_corpus",
    "run_oracle",
    "run_original",
    "run_policy",
]

ORACLE_KERNEL = "python3"
REACTIVE_KERNEL = "reactive-python"
#: Policy name -> kernelspec it runs on.
POLICIES = {
    "reactive": REACTIVE_KERNEL,
    "stock-edited-only": ORACLE_KERNEL,
    "stock-rerun-all": ORACLE_KERNEL,
}
_RAN = frozenset({"ok", "error"})


@dataclass
class NotebookState:
    """What a notebook shows: each cell's outputs (in notebook order) and each name's value."""

    outputs: dict[str, list[str]]
    names: dict[str, str]


@dataclass
class Mismatch:
    """One difference from the oracle: ``where`` is ``cell ID`` or ``name NAME``."""

    where: str
    expected: object
    got: object

    def __str__(self) -> str:
        return f"{self.where}: expected {self.expected!r}, got {self.got!r}"


@dataclass
class Verdict:
    """One policy on one scenario.  ``error`` is set when the run itself failed (then ``right`` is False)."""

    scenario: str
    policy: str
    kinds: tuple[str, ...]
    right: bool
    cells_run: int
    mismatches: list[Mismatch] = field(default_factory=list)
    error: str | None = None

    def describe(self, scenario: Scenario | None = None) -> str:
        """A readable account, with the notebook when ``scenario`` is given."""
        head = f"{self.policy} on {self.scenario}: {'right' if self.right else 'WRONG'}, {self.cells_run} cells run"
        lines = [head]
        if self.error:
            lines.append(f"  run failed: {self.error}")
        lines += [f"  {m}" for m in self.mismatches]
        if scenario is not None:
            lines += ["", "notebook:", scenario.source(), "", f"edit of {scenario.edit[0]}:", scenario.edit[1]]
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {
            "scenario": self.scenario, "policy": self.policy, "kinds": list(self.kinds), "right": self.right,
            "cells_run": self.cells_run, "error": self.error,
            "mismatches": [{"where": m.where, "expected": m.expected, "got": m.got} for m in self.mismatches],
        }


def compare(expected: NotebookState, got: NotebookState) -> list[Mismatch]:
    """Every difference between two states, cells first (in ``expected``'s order), then names (sorted)."""
    out = [
        Mismatch(f"cell {cid}", shown, got.outputs.get(cid, []))
        for cid, shown in expected.outputs.items()
        if got.outputs.get(cid, []) != shown
    ]
    for name in sorted(set(expected.names) | set(got.names)):
        want, have = expected.names.get(name), got.names.get(name)
        if want != have:
            out.append(Mismatch(f"name {name}", want if want is not None else "<unbound>",
                                have if have is not None else "<unbound>"))
    return out


def _state(front: Frontend, cells: Sequence[tuple[str, str]]) -> NotebookState:
    front.quiet()
    return NotebookState(front.shown([cid for cid, _ in cells]), front.names())


def run_oracle(scenario: Scenario, pool: KernelPool) -> NotebookState:
    """The edited notebook, top to bottom, in a fresh stock kernel."""
    kernel = pool.take(ORACLE_KERNEL)
    try:
        front = Frontend(kernel, send_order=scenario.sends_order)
        front.run_in_turn(scenario.edited_cells)
        return _state(front, scenario.edited_cells)
    finally:
        kernel.shutdown()


def run_original(scenario: Scenario, pool: KernelPool, kernel_name: str = ORACLE_KERNEL) -> tuple[NotebookState, list[dict]]:
    """The original notebook with Run All in a fresh kernel: its state and the replies."""
    kernel = pool.take(kernel_name)
    try:
        front = Frontend(kernel, send_order=scenario.sends_order)
        replies = front.run_all(scenario.cells)
        return _state(front, scenario.cells), replies
    finally:
        kernel.shutdown()


def run_policy(scenario: Scenario, policy: str, pool: KernelPool) -> tuple[NotebookState, int]:
    """Run All, the edit under ``policy``; returns the state and the number of cells run after the edit.

    Raises KeyError for an unknown policy, HarnessError when the kernel fails.
    """
    kernel = pool.take(POLICIES[policy])
    try:
        front = Frontend(kernel, send_order=scenario.sends_order)
        front.run_all(scenario.cells)
        front.quiet()
        edited = scenario.edited_cells
        order = [cid for cid, _ in edited]
        front.areas.touched.clear()
        if policy == "stock-rerun-all":
            front.run_all(edited)
            ran = len(edited)
        else:
            reply = front.run_cell(*scenario.edit, order)
            ran = 1
            if policy == "reactive":
                front.quiet()
                cascade = ((reply.get("metadata") or {}).get("reactive") or {}).get("cascade") or ()
                cells = {scenario.edit[0]} | set(front.areas.touched)
                cells |= {e.get("cell_id") for e in cascade if isinstance(e, dict) and e.get("status") in _RAN}
                ran = len(cells)
        return _state(front, edited), ran
    finally:
        kernel.shutdown()


def judge(scenario: Scenario, policy: str, pool: KernelPool, oracle: NotebookState | None = None) -> Verdict:
    """``policy`` on ``scenario`` against the oracle (computed unless given)."""
    if oracle is None:
        oracle = run_oracle(scenario, pool)
    try:
        state, ran = run_policy(scenario, policy, pool)
    except (HarnessError, RuntimeError) as err:
        return Verdict(scenario.name, policy, scenario.kinds, False, 0, error=str(err))
    mismatches = compare(oracle, state)
    return Verdict(scenario.name, policy, scenario.kinds, not mismatches, ran, mismatches)


def run_corpus(
    scenarios: Iterable[Scenario],
    policies: Sequence[str] = tuple(POLICIES),
    pool: KernelPool | None = None,
    jobs: int = 2,
    progress: Callable[[Verdict], None] | None = None,
) -> list[Verdict]:
    """Every scenario under every policy, ``jobs`` runs at a time; verdicts in scenario then policy order.

    Raises the oracle's error when a scenario's oracle run fails (a corpus bug).
    """
    scenarios = list(scenarios)
    own = pool is None
    pool = pool or KernelPool(ahead=jobs, workers=jobs)
    try:
        with ThreadPoolExecutor(jobs, thread_name_prefix="oracle-run") as executor:
            oracles, runs = {}, {}
            for s in scenarios:
                oracles[s.name] = executor.submit(run_oracle, s, pool)
                for p in policies:
                    runs[(s.name, p)] = executor.submit(_run_guarded, s, p, pool)
            verdicts = []
            for s in scenarios:
                oracle = oracles[s.name].result()
                for p in policies:
                    result = runs[(s.name, p)].result()
                    if isinstance(result, Exception):
                        verdict = Verdict(s.name, p, s.kinds, False, 0, error=str(result))
                    else:
                        state, ran = result
                        mismatches = compare(oracle, state)
                        verdict = Verdict(s.name, p, s.kinds, not mismatches, ran, mismatches)
                    verdicts.append(verdict)
                    if progress is not None:
                        progress(verdict)
            return verdicts
    finally:
        if own:
            pool.close()


def _run_guarded(scenario: Scenario, policy: str, pool: KernelPool):
    try:
        return run_policy(scenario, policy, pool)
    except (HarnessError, RuntimeError) as err:
        return err
