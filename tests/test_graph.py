"""The dependency graph: refusals with data, unchanged state after a refusal, scale."""

import sys

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from reactive_kernel.core.graph import (
    CycleError,
    DependencyGraph,
    MultipleDefinitionError,
    RegistrationError,
    UnknownCellError,
    format_cycle,
)


def chain(n):
    g = DependencyGraph()
    g.register("c0", [], ["v0"])
    for i in range(1, n):
        g.register(f"c{i}", [f"v{i-1}"], [f"v{i}"])
    return g


def test_cycle_error_carries_the_path():
    g = DependencyGraph()
    g.register("a", [], ["x"])
    g.register("b", ["x"], ["y"])
    before = g.snapshot()
    with pytest.raises(CycleError) as info:
        g.register("a", ["y"], ["x"])
    assert info.value.cycle == [("a", "x"), ("b", "y")]
    assert format_cycle(info.value.cycle) == "a -x-> b -y-> a"
    assert info.value.cell_id == "a"
    assert g.snapshot() == before


def test_would_create_cycle_mutates_nothing():
    g = chain(4)
    before = g.snapshot()
    assert g.would_create_cycle("c0", ["v3"], ["v0"]) == [("c0", "v0"), ("c1", "v1"), ("c2", "v2"), ("c3", "v3")]
    assert g.would_create_cycle("c9", ["v3"], ["w"]) is None
    assert g.snapshot() == before


def test_multiple_definition_names_the_owner_and_heals():
    g = DependencyGraph()
    g.register("a", [], ["x"])
    before = g.snapshot()
    with pytest.raises(MultipleDefinitionError) as info:
        g.register("b", [], ["x", "z"])
    assert (info.value.name, info.value.owner, info.value.cell_id) == ("x", "a", "b")
    assert g.snapshot() == before
    g.register("a", [], ["other"])
    g.register("b", [], ["x", "z"])
    assert g.writer("x") == "b"


def test_self_reads_are_not_cycles():
    g = DependencyGraph()
    g.register("a", ["x"], ["x"])
    assert g.parents("a") == [] and g.children("a") == []


def test_retire_replaces_cells_only_when_the_check_passes():
    g = DependencyGraph()
    g.register("a1", [], ["x"])
    g.register("a2", ["x"], ["y"])
    with pytest.raises(CycleError):
        g.register("a3", ["y"], ["x"], retire=["a1"])
    assert "a1" in g
    g.register("a3", [], ["x"], retire=["a1"])
    assert "a1" not in g and g.children("a3") == ["a2"]


def test_descendants_topological_with_registration_ties():
    g = DependencyGraph()
    g.register("root", [], ["a"])
    g.register("late", ["a"], ["c"])
    g.register("early", ["a"], ["b"])
    g.register("join", ["b", "c"], ["d"])
    assert g.descendants(["root"]) == ["root", "late", "early", "join"]
    assert g.descendants([], ["b"]) == ["join"]


def test_add_writes_skips_conflicts_and_cycles():
    g = DependencyGraph()
    g.register("a", [], ["x"])
    g.register("b", ["x"], ["y"])
    g.register("c", ["q"], [])
    accepted = g.add_writes("b", ["x", "q", "fresh"])
    assert accepted == {"q", "fresh"}
    assert g.writer("x") == "a" and g.children("b") == ["c"]
    with pytest.raises(UnknownCellError):
        g.add_writes("nope", ["z"])
    g.verify()


def test_ten_thousand_cells_without_recursion_limits():
    n = 10_000
    assert sys.getrecursionlimit() < n
    g = chain(n)
    order = g.descendants(["c0"])
    assert order[0] == "c0" and order[-1] == f"c{n-1}" and len(order) == n
    with pytest.raises(CycleError) as info:
        g.register("c0", [f"v{n-1}"], ["v0"])
    assert len(info.value.cycle) == n
    g.verify()


# -- the state machine ----------------------------------------------------------
NAMES = st.sampled_from(["a", "b", "c", "d", "e", "f"])
CELLS = st.sampled_from(["c1", "c2", "c3", "c4", "c5"])


class GraphMachine(RuleBasedStateMachine):
    """Random register / unregister / refused-change sequences keep the graph sound."""

    def __init__(self):
        super().__init__()
        self.graph = DependencyGraph()

    @rule(cell=CELLS, reads=st.frozensets(NAMES, max_size=3), writes=st.frozensets(NAMES, max_size=2))
    def register(self, cell, reads, writes):
        before = self.graph.snapshot()
        try:
            self.graph.check(cell, reads, writes)
        except RegistrationError:
            with pytest.raises(RegistrationError):
                self.graph.register(cell, reads, writes)
            assert self.graph.snapshot() == before
            return
        self.graph.register(cell, reads, writes)
        assert self.graph.cell(cell).reads == reads and self.graph.cell(cell).writes == writes

    @rule(cell=CELLS)
    def unregister(self, cell):
        if cell in self.graph:
            self.graph.unregister(cell)
            assert cell not in self.graph
        else:
            before = self.graph.snapshot()
            with pytest.raises(UnknownCellError):
                self.graph.unregister(cell)
            assert self.graph.snapshot() == before

    @rule(cell=CELLS, names=st.frozensets(NAMES, max_size=3))
    def add_writes(self, cell, names):
        if cell in self.graph:
            self.graph.add_writes(cell, names)

    @invariant()
    def sound(self):
        self.graph.verify()
        for cell in self.graph:
            order = self.graph.descendants([cell])
            assert order[0] == cell
            position = {c: i for i, c in enumerate(order)}
            for c in order:
                for child in self.graph.children(c):
                    assert position[child] > position[c]


TestGraphMachine = GraphMachine.TestCase
TestGraphMachine.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
