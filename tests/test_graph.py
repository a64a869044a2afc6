"""The dependency graph: versions read from the nearest writer above, refusals with data, scale."""

import sys

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from reactive_kernel.core.graph import (
    Cell,
    CycleError,
    DependencyGraph,
    GraphCorrupted,
    MultipleDefinitionError,
    UnknownCellError,
    format_cycle,
)


def cell(cid, reads=(), binds=(), changes=()):
    return Cell(cid, frozenset(reads), frozenset(binds), frozenset(changes))


def notebook(*cells, strict=False):
    g = DependencyGraph(strict)
    for position, c in enumerate(cells):
        g.register(c, float(position))
    return g


def chain(n):
    return notebook(cell("c0", binds=["v0"]), *(cell(f"c{i}", [f"v{i - 1}"], [f"v{i}"]) for i in range(1, n)))


def test_a_cell_reads_the_nearest_writer_above():
    g = notebook(cell("a", binds=["x"]), cell("b", ["x"]), cell("c", binds=["x"]), cell("d", ["x"]))
    assert g.source("b", "x") == "a" and g.source("d", "x") == "c"
    assert g.consumers("a", "x") == ["b"] and g.consumers("c", "x") == ["d"]
    assert g.last_writer("x") == "c" and g.next_writer("a", "x") == "c"


def test_a_change_reads_the_version_above_and_writes_the_next():
    g = notebook(cell("a", binds=["l"]), cell("b", changes=["l"]), cell("c", ["l"]))
    assert g.source("b", "l") == "a" and g.source("c", "l") == "b"
    assert g.consumers("a", "l") == ["b"] and g.children("a") == ["b"] and g.parents("c") == ["b"]


def test_a_read_with_no_writer_above_binds_below_except_builtins():
    g = notebook(cell("r", ["x", "len"]), cell("w", binds=["x", "len"]))
    assert g.source("r", "x") == "w" and g.source("r", "len") is None
    assert g.consumers("w", "x") == ["r"]
    assert g.rank("w") < g.rank("r")


def test_cycle_error_carries_the_path_and_changes_nothing():
    g = notebook(cell("a", ["y"], ["x"]), cell("b", ["x"], ["z"]))
    before = g.snapshot()
    with pytest.raises(CycleError) as info:
        g.register(cell("c", ["z"], ["y"]), 2.0)
    assert info.value.cycle == [("c", "y"), ("a", "x"), ("b", "z")]
    assert format_cycle(info.value.cycle) == "c -y-> a -x-> b -z-> c"
    assert info.value.cell_id == "c"
    assert g.snapshot() == before


def test_downward_edges_never_make_a_cycle():
    g = notebook(cell("a", binds=["x"]), cell("b", ["x"], ["y"]))
    assert g.would_create_cycle(cell("a", ["y"], ["x"]), 0.0) is not None  # a now reads y from b below
    assert g.would_create_cycle(cell("c", ["y"], ["x"]), 2.0) is None  # c sits below b: x = f(y) is new


def test_strict_mode_refuses_a_second_binder_and_heals():
    g = notebook(cell("a", binds=["x"]), strict=True)
    before = g.snapshot()
    with pytest.raises(MultipleDefinitionError) as info:
        g.register(cell("b", binds=["x", "z"]), 1.0)
    assert (info.value.name, info.value.owner, info.value.cell_id) == ("x", "a", "b")
    assert g.snapshot() == before
    g.register(cell("c", changes=["x"]), 1.0)  # changes are allowed
    g.register(cell("a", binds=["other"]), 0.0)
    g.register(cell("b", binds=["x", "z"]), 2.0)
    assert g.writers("x") == ["c", "b"]


def test_self_reads_are_not_cycles():
    g = notebook(cell("a", ["x"], ["x"]))
    assert g.parents("a") == [] and g.children("a") == []


def test_add_writes_skips_what_would_close_a_cycle():
    g = notebook(cell("a", ["q"], ["x"]), cell("b", ["x"], ["y"]))
    binds, changes = g.add_writes("b", binds=["q", "w"])
    assert binds == {"w"} and changes == set()  # q would be read by a from b below: a cycle
    assert g.cell("b").writes == {"y", "w"}


def test_moving_cells_changes_sources_and_may_leave_a_cycle():
    g = notebook(cell("a", binds=["x"]), cell("b", ["x"], ["y"]), cell("c", ["y"], ["x"]))
    assert g.source("b", "x") == "a" and g.cyclic() == frozenset()
    g.move({"c": 0.5})
    assert g.source("b", "x") == "c"  # c, now above b, reads y from b below it: a cycle
    assert g.cyclic() == {"b", "c"}
    g.move({"c": 2.0})
    assert g.cyclic() == frozenset()


def test_taking_a_name_away_can_close_a_cycle_elsewhere():
    g = notebook(cell("k0", ["a"], ["y"]), cell("k1", binds=["a"]), cell("k2", ["y"], ["a"]))
    before = g.snapshot()
    with pytest.raises(CycleError) as info:  # k0 would read a from k2 below it, and k2 y from k0 above
        g.register(cell("k1"), 1.0)
    assert info.value.cycle == [("k2", "a"), ("k0", "y")]
    assert g.snapshot() == before


def test_a_change_in_place_never_binds_below():
    g = notebook(cell("k0", changes=["a"]), cell("k1", binds=["a"]), cell("k2", changes=["a"]))
    g.register(cell("k1"), 1.0)  # k0 has no object to change: no source, as a top-to-bottom run
    assert g.source("k0", "a") is None and g.source("k2", "a") == "k0"
    assert g.cyclic() == frozenset()


def test_deletion_can_leave_cells_on_a_cycle():
    g = notebook(cell("w", binds=["x"]), cell("a", ["x"], ["y"]), cell("b", ["y"], ["x"]))
    assert g.cyclic() == frozenset()
    g.unregister("w")
    assert g.cyclic() == {"a", "b"}
    g.verify()


def test_descendants_follow_the_notebook():
    g = notebook(cell("a", binds=["x"]), cell("c", ["x"], ["z"]), cell("b", ["x"], ["y"]), cell("d", ["y", "z"]))
    assert g.descendants(["a"]) == ["a", "c", "b", "d"]


def test_unknown_cells():
    g = DependencyGraph()
    with pytest.raises(UnknownCellError):
        g.cell("nope")
    with pytest.raises(UnknownCellError):
        g.unregister("nope")
    assert g.consumers("nope", "x") == []


def test_verify_raises_a_real_exception_on_a_corrupted_graph():
    g = chain(3)
    g._writers["v1"].clear()
    with pytest.raises(GraphCorrupted):
        g.verify()


def test_ten_thousand_cells_without_recursion_limits():
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        g = chain(10_000)
        assert len(g.descendants(["c0"])) == 10_000
        g.register(cell("c0", binds=["v0"]), 0.0)
        assert g.would_create_cycle(cell("c0", ["v9999"], ["v0"]), -1.0) is not None
        g.verify()
    finally:
        sys.setrecursionlimit(old)


NAMES = st.sampled_from(["a", "b", "c", "d", "e"])
IDS = st.sampled_from([f"k{i}" for i in range(6)])


class GraphMachine(RuleBasedStateMachine):
    """Random registrations, deletions and moves: the indexes agree, sources and consumers agree,
    a refused registration changes nothing, and registrations alone never leave a cycle."""

    def __init__(self):
        super().__init__()
        self.g = DependencyGraph()
        self.only_registered = True

    @rule(
        cid=IDS,
        reads=st.sets(NAMES, max_size=2),
        binds=st.sets(NAMES, max_size=2),
        changes=st.sets(NAMES, max_size=1),
        position=st.floats(0, 10, allow_nan=False),
    )
    def register(self, cid, reads, binds, changes, position):
        new = cell(cid, reads, binds, changes)
        if cid in self.g:
            position = self.g.position(cid)
        before = self.g.snapshot()
        try:
            self.g.register(new, position)
        except CycleError as err:
            assert self.g.snapshot() == before
            cells = [c for c, _ in err.cycle]
            assert cells and (cid not in cells or cells[0] == cid)
        else:
            assert self.g.cell(cid) == new

    @rule(cid=IDS)
    def unregister(self, cid):
        if cid in self.g:
            self.g.unregister(cid)
            self.only_registered = False

    @rule(cid=IDS, position=st.floats(0, 10, allow_nan=False))
    def move(self, cid, position):
        if cid in self.g:
            self.g.move({cid: position})
            self.only_registered = False

    @invariant()
    def consistent(self):
        self.g.verify()
        for cid in self.g:
            for name, source in self.g.sources(cid).items():
                if source is not None:
                    assert cid in self.g.consumers(source, name)
        if self.only_registered:
            assert self.g.cyclic() == frozenset()


GraphMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None, derandomize=True)
TestGraphMachine = GraphMachine.TestCase
