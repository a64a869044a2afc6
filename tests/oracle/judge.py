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
the oracle's.

Cells run after the edit are counted as runs (a cell run twice counts twice):
for ``reactive``, from the edited cell's reply (``metadata.reactive``, see
``reactive_kernel.core.protocol.Report``): the edited cell itself unless the
request was ``replayed`` (it showed the outputs of a cascade run instead of
running) or refused (status ``blocked``: a cycle), plus every cascade entry
whose status is ``ok`` or ``error`` (whatever its ``reason``: ``restore`` and
``rewrite`` runs are runs); a value only put back, a cell skipped, deferred or
marked stale did not run.  1 for ``stock-edited-only``; every code cell for
``stock-rerun-all``.  Every policy also has the kernel note each cell it runs
(``Frontend.watch_runs``): that count, ``runs_seen``, checks the first.

``changed_cells`` lists the cells whose output or value differs between a
fresh run of the original notebook and one of the edited notebook (plus the
edited cell): what any policy must show anew, a lower bound on what it must run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from reactive_kernel.core.protocol import REACTIVE, Report, Status

from .frontend import Frontend, HarnessError, KernelPool
from .scenario import Scenario

__all__ = [
    "ORACLE_KERNEL",
    "POLICIES",
    "FreshRun",
    "Mismatch",
    "NotebookState",
    "PolicyRun",
    "Verdict",
    "changed_cells",
    "compare",
    "judge",
    "reactive_cells_run",
    "run_corpus",
    "run_fresh",
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
_RAN = frozenset({Status.OK, Status.ERROR})


@dataclass
class NotebookState:
    """What a notebook shows: each cell's outputs (in notebook order) and each name's value."""

    outputs: dict[str, list[str]]
    names: dict[str, str]


@dataclass
class FreshRun:
    """A notebook run top to bottom in a fresh stock kernel.

    ``deltas`` (when asked for) holds, per cell, the names whose value the cell
    changed and their new stable repr (``<unbound>`` for a name it deleted).
    """

    state: NotebookState
    deltas: dict[str, dict[str, str]] | None = None


@dataclass
class PolicyRun:
    """What a policy left, the cells it ran after the edit (see the module docstring), and the runs the kernel noted."""

    state: NotebookState
    cells_run: int
    runs_seen: list[str | None]


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
    runs_seen: int | None = None
    changed: list[str] | None = None

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
            "scenario": self.scenario,
            "policy": self.policy,
            "kinds": list(self.kinds),
            "right": self.right,
            "cells_run": self.cells_run,
            "runs_seen": self.runs_seen,
            "changed": self.changed,
            "error": self.error,
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
            out.append(
                Mismatch(
                    f"name {name}", want if want is not None else "<unbound>", have if have is not None else "<unbound>"
                )
            )
    return out


def _state(front: Frontend, cells: Sequence[tuple[str, str]]) -> NotebookState:
    front.quiet()
    return NotebookState(front.shown([cid for cid, _ in cells]), front.names())


def run_fresh(scenario: Scenario, pool: KernelPool, edited: bool = True, deltas: bool = False) -> FreshRun:
    """The edited (or original) notebook, top to bottom, in a fresh stock kernel; ``deltas``: read names after each cell."""
    cells = scenario.edited_cells if edited else scenario.cells
    kernel = pool.take(ORACLE_KERNEL)
    try:
        front = Frontend(kernel, send_order=scenario.sends_order)
        if not deltas:
            front.run_in_turn(cells)
            return FreshRun(_state(front, cells))
        order = [cid for cid, _ in cells]
        changes: dict[str, dict[str, str]] = {}
        before = front.names()
        for cid, src in cells:
            front.run_cell(cid, src, order, stop_on_error=False)
            after = front.names()
            changes[cid] = {
                name: after.get(name, "<unbound>")
                for name in set(before) | set(after)
                if before.get(name) != after.get(name)
            }
            before = after
        return FreshRun(_state(front, cells), changes)
    finally:
        kernel.shutdown()


def run_oracle(scenario: Scenario, pool: KernelPool) -> NotebookState:
    """The edited notebook, top to bottom, in a fresh stock kernel."""
    return run_fresh(scenario, pool).state


def changed_cells(scenario: Scenario, original: FreshRun, edited: FreshRun) -> list[str]:
    """Cells of the edited notebook whose output or changed values differ from the original's fresh run.

    The edited (or inserted) cell is always among them.  Needs both runs made
    with ``deltas``; raises ValueError otherwise.
    """
    if original.deltas is None or edited.deltas is None:
        raise ValueError("changed_cells needs fresh runs made with deltas=True")
    out = []
    for cid, _ in scenario.edited_cells:
        if (
            cid == scenario.edit[0]
            or cid not in original.deltas
            or original.state.outputs.get(cid) != edited.state.outputs.get(cid)
            or original.deltas[cid] != edited.deltas[cid]
        ):
            out.append(cid)
    return out


def run_original(
    scenario: Scenario, pool: KernelPool, kernel_name: str = ORACLE_KERNEL
) -> tuple[NotebookState, list[dict]]:
    """The original notebook with Run All in a fresh kernel: its state and the replies."""
    kernel = pool.take(kernel_name)
    try:
        front = Frontend(kernel, send_order=scenario.sends_order)
        replies = front.run_all(scenario.cells)
        return _state(front, scenario.cells), replies
    finally:
        kernel.shutdown()


def reactive_cells_run(reply: dict) -> int:
    """Cells an execute reply of the reactive kernel says it ran: the cell itself unless replayed or refused, plus its cascade's runs.

    A reply without a report counts the cell alone.  Raises KeyError or
    ValueError for a report that is not one.
    """
    data = (reply.get("metadata") or {}).get(REACTIVE)
    if not data:
        return 1
    report = Report.from_json(data)
    ran = sum(entry.status in _RAN for entry in report.cascade)
    return ran + int(not report.replayed and report.status is not Status.BLOCKED)


def run_policy(scenario: Scenario, policy: str, pool: KernelPool) -> PolicyRun:
    """Run All, the edit under ``policy``; what it left and the cells it ran after the edit.

    Raises KeyError for an unknown policy, HarnessError when the kernel fails.
    """
    kernel = pool.take(POLICIES[policy])
    try:
        front = Frontend(kernel, send_order=scenario.sends_order)
        front.run_all(scenario.cells)
        front.quiet()
        edited = scenario.edited_cells
        order = [cid for cid, _ in edited]
        front.watch_runs()
        if policy == "stock-rerun-all":
            front.run_all(edited)
            ran = len(edited)
        else:
            reply = front.run_cell(*scenario.edit, order)
            ran = reactive_cells_run(reply) if policy == "reactive" else 1
        state = _state(front, edited)
        return PolicyRun(state, ran, front.runs())
    finally:
        kernel.shutdown()


def _verdict(scenario: Scenario, policy: str, oracle: NotebookState, run: PolicyRun | Exception) -> Verdict:
    if isinstance(run, Exception):
        return Verdict(scenario.name, policy, scenario.kinds, False, 0, error=str(run))
    mismatches = compare(oracle, run.state)
    return Verdict(
        scenario.name, policy, scenario.kinds, not mismatches, run.cells_run, mismatches, runs_seen=len(run.runs_seen)
    )


def judge(scenario: Scenario, policy: str, pool: KernelPool, oracle: NotebookState | None = None) -> Verdict:
    """``policy`` on ``scenario`` against the oracle (computed unless given)."""
    if oracle is None:
        oracle = run_oracle(scenario, pool)
    return _verdict(scenario, policy, oracle, _run_guarded(scenario, policy, pool))


def run_corpus(
    scenarios: Iterable[Scenario],
    policies: Sequence[str] = tuple(POLICIES),
    pool: KernelPool | None = None,
    jobs: int = 2,
    progress: Callable[[Verdict], None] | None = None,
    changes: bool = False,
) -> list[Verdict]:
    """Every scenario under every policy, ``jobs`` runs at a time; verdicts in scenario then policy order.

    ``changes`` also runs each original notebook fresh and sets every verdict's
    ``changed`` (see ``changed_cells``).  Raises the oracle's error when a
    scenario's oracle run fails (a corpus bug).
    """
    scenarios = list(scenarios)
    own = pool is None
    pool = pool or KernelPool(ahead=jobs, workers=jobs)
    try:
        with ThreadPoolExecutor(jobs, thread_name_prefix="oracle-run") as executor:
            oracles, originals, runs = {}, {}, {}
            for s in scenarios:
                oracles[s.name] = executor.submit(run_fresh, s, pool, True, changes)
                if changes:
                    originals[s.name] = executor.submit(run_fresh, s, pool, False, True)
                for p in policies:
                    runs[(s.name, p)] = executor.submit(_run_guarded, s, p, pool)
            verdicts = []
            for s in scenarios:
                oracle = oracles[s.name].result()
                changed = changed_cells(s, originals[s.name].result(), oracle) if changes else None
                for p in policies:
                    verdict = _verdict(s, p, oracle.state, runs[(s.name, p)].result())
                    verdict.changed = changed
                    verdicts.append(verdict)
                    if progress is not None:
                        progress(verdict)
            return verdicts
    finally:
        if own:
            pool.close()


def _run_guarded(scenario: Scenario, policy: str, pool: KernelPool) -> PolicyRun | Exception:
    try:
        return run_policy(scenario, policy, pool)
    except (HarnessError, RuntimeError) as err:
        return err
