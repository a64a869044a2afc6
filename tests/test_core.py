"""The core's rules without Jupyter: the runner driven through a host that runs cells in this process.

The rule is the same as the kernel's (docs/semantics.md): after an execute, every
cell's output and every value equal a fresh top-to-bottom run.  The kernel's own
tests run real kernel processes; these check the runner's decisions quickly and
under Hypothesis.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from inprocess import InProcessNotebook, fresh_run, raises_before_rebinding, reads_from_below
from test_oracle_random import scenarios as random_scenarios

from reactive_kernel.core.analysis import makes_edges
from reactive_kernel.core.order import NotebookOrder
from reactive_kernel.core.protocol import Status
from reactive_kernel.core.values import AliasIndex, keep


def values(namespace):
    return {
        k: re.sub(r"0x[0-9a-f]+", "0x?", repr(v))
        for k, v in namespace.items()
        if makes_edges(k) and not k.startswith("__") and not callable(v) and type(v).__name__ != "module"
    }


def edited(cells, cell_id, code):
    return [(c, code if c == cell_id else old) for c, old in cells]


def assert_like_a_fresh_run(nb, cells, cwd=None):
    expected, namespace = fresh_run(cells, cwd)
    assert {c: nb.outputs.get(c) for c, _ in cells} == expected
    assert values(nb.namespace) == values(namespace)


def after_edit(cells, cell_id, code, **options):
    nb = InProcessNotebook(**options)
    nb.run_all(cells)
    ran = nb.execute(cell_id, code)
    assert nb.last.overrun is None
    assert_like_a_fresh_run(nb, edited(cells, cell_id, code), options.get("cwd"))
    return nb, ran


# -- the runner's decisions -----------------------------------------------------------
def test_restore_before_and_rewrite_after():
    cells = [("a", "x = [object()]"), ("b", "print(len(x))"), ("c", "x = [object(), 1]"), ("d", "print(len(x))")]
    nb, ran = after_edit(cells, "b", "print('x', len(x))")
    assert ran == ["a", "b", "c", "d"]  # c's new list is a new object for d
    assert [(e.cell_id, e.reason) for e in nb.last.entries] == [("a", "restore"), ("c", "rewrite"), ("d", None)]


def test_kept_small_values_are_put_back_without_running_their_cells():
    cells = [("a", "x = 1"), ("b", "print(x)"), ("c", "x = 10"), ("d", "print(x)")]
    _, ran = after_edit(cells, "b", "print('x', x)")
    assert ran == ["b"]


def test_an_in_place_change_is_applied_once():
    cells = [("a", "ll = [1, 2, 3, 4]"), ("b", "ll.pop(1)"), ("c", "print(ll)")]
    _, ran = after_edit(cells, "b", "ll.pop(2)")
    assert ran == ["b", "c"]  # the small list [1, 2, 3, 4] was kept: put back as a copy
    cells = [("a", "ll = [object(), 2, 3, 4]"), ("b", "ll.pop(1)"), ("c", "print(ll[1:])")]
    _, ran = after_edit(cells, "b", "ll.pop(2)")
    assert ran == ["a", "b", "c"]


def test_only_cells_whose_inputs_changed_run():
    cells = [("a", "x = 1"), ("b", "y = 2"), ("c", "print(x)"), ("d", "print(y)")]
    _, ran = after_edit(cells, "a", "x = 3")
    assert ran == ["a", "c"]


def test_an_equal_value_stops_the_cascade():
    cells = [("a", "x = 2"), ("b", "print(x * 10)")]
    _, ran = after_edit(cells, "a", "x = 1 + 1")
    assert ran == ["a"]


def test_aliases_found_at_run_time():
    cells = [("a", "a = [1]"), ("b", "b = a"), ("c", "b.append(0)"), ("d", "print(a)")]
    nb, ran = after_edit(cells, "c", "b.append(7)")
    assert "d" in ran
    assert "a" in nb.model.graph.cell("c").changes


def test_a_shallow_copy_shares_its_rows():
    cells = [("a", "rows = [[1], [2]]"), ("b", "copy = list(rows)"), ("c", "rows[0].append(9)"), ("d", "print(copy)")]
    after_edit(cells, "c", "rows[0].append(7)")


def test_a_numpy_view_changes_its_base():
    cells = [("a", "import numpy as np\na = np.arange(6)"), ("b", "v = a[2:4]"), ("c", "v[:] = 0"), ("d", "print(a)")]
    after_edit(cells, "c", "v[:] = 7")


def test_functions_and_methods_defined_in_the_notebook():
    cells = [("a", "def add(l, v):\n    l.append(v)"), ("b", "lst = []"), ("c", "add(lst, 1)"), ("d", "print(lst)")]
    after_edit(cells, "c", "add(lst, 2)")
    cells = [
        ("a", "class K:\n    def set_a(self, v):\n        self.a = v"),
        ("b", "k = K()\nk.set_a(1)"),
        ("c", "k.set_a(2)"),
        ("d", "print(k.a)"),
    ]
    after_edit(cells, "c", "k.set_a(3)")


def test_a_generator_is_consumed_by_looking():
    cells = [("a", "g = (i * i for i in range(5))"), ("b", "print(next(g))"), ("c", "print(list(g))")]
    after_edit(cells, "c", "print(tuple(g))")
    after_edit(cells, "b", "print(next(g), next(g))")


def test_files_written_and_read(tmp_path):
    cells = [
        ("a", "with open('f.txt', 'w') as fh:\n    fh.write('hello')"),
        ("b", "print(open('f.txt').read())"),
        ("c", "with open('f.txt', 'a') as fh:\n    fh.write(' world')"),
        ("d", "print(open('f.txt').read())"),
    ]
    _, ran = after_edit(cells, "a", "with open('f.txt', 'w') as fh:\n    fh.write('bye')", cwd=str(tmp_path))
    assert ran == ["a", "b", "c", "d"]


def test_a_waiting_request_gets_its_cell_and_the_cells_below_it():
    nb = InProcessNotebook()
    nb.run_all([("a", "x = 1"), ("b", "y = x + 1"), ("c", "z = y + 1")])
    nb.queued = {"b"}
    assert nb.execute("a", "x = 5") == ["a"]
    assert {e.cell_id for e in nb.last.entries} == set()
    assert nb.model.versions.dirty == {"b"}  # c reads b, which has not changed yet
    nb.queued = set()
    assert nb.execute("b", "y = x + 1") == ["b", "c"]
    assert nb.namespace["z"] == 7


def test_an_interrupt_leaves_the_rest_dirty():
    nb = InProcessNotebook()
    nb.run_all([("a", "x = [1]"), ("b", "y = x + [2]"), ("c", "z = y + [3]")])
    nb.interrupt_at = "b"
    nb.execute("a", "x = [5]")
    assert nb.last.interrupted == "b"
    assert [(e.cell_id, e.status) for e in nb.last.entries] == [("b", Status.INTERRUPTED), ("c", Status.SKIPPED)]
    assert nb.model.versions.dirty == set()  # an interrupted cascade is not resumed by another cell
    nb.interrupt_at = None
    assert nb.execute("d", "w = 0") == ["d"]
    assert nb.execute("b", "y = x + [2]") == ["b", "c"]
    assert nb.namespace["z"] == [5, 2, 3]


def test_lazy_mode_marks_stale_and_skip_after_error_skips():
    nb = InProcessNotebook()
    nb.run_all([("a", "x = 1"), ("b", "y = x + 1"), ("c", "z = y + 1")])
    assert nb.execute("a", "x = 2", lazy=True, seed_dirty=False) == ["a"]
    assert nb.notices == {"b": Status.STALE, "c": Status.STALE} and nb.namespace["y"] == 2
    nb.execute("a", "x = 1 / 0", skip_after_error=True)
    assert nb.notices == {"b": Status.SKIPPED, "c": Status.SKIPPED}
    assert [e.blocked_by for e in nb.last.entries] == ["a", "b"]
    assert nb.notice_texts["b"].endswith("(an ancestor) raised an error.")
    assert nb.notice_texts["c"].endswith("(an ancestor) was not run either.")


def test_a_name_changed_in_place_then_rebound_changed_its_aliases():
    """``p.append(0)`` then ``p = 0`` changed the list ``q`` still holds: removing the append restores it."""
    cells = [("a", "p = [0]"), ("b", "q = p"), ("c", "p.append(1)\np = 0"), ("d", "print(q)")]
    nb, _ = after_edit(cells, "c", "p = 0")
    assert nb.namespace["q"] == [0] and nb.outputs["d"] == ("[0]\n", None)


def test_deleting_a_redefinition_brings_back_the_one_above():
    nb = InProcessNotebook()
    nb.run_all([("a", "x = 1"), ("b", "x = 2"), ("c", "print(x)")])
    assert nb.delete("b") == ["c"]  # x = 1 was kept: put back, not run again
    assert nb.outputs["c"] == ("1\n", None) and nb.namespace["x"] == 1


def test_console_rule():
    nb = InProcessNotebook()
    for code in ["x = 1", "y = x + 1", "x = 5"]:
        nb.execute(None, code)
    assert nb.namespace["y"] == 6
    nb = InProcessNotebook()
    for code in ["df = [1, 2]", "df.append(3)", "len(df)", "df = [9]"]:
        nb.execute(None, code)
    assert nb.namespace["df"] == [9] and len(nb.model.cells) == 1


# -- values and order -----------------------------------------------------------------
def test_alias_index_finds_shared_objects():
    index = AliasIndex()
    a = [1]
    index.update("a", a)
    index.update("b", a)
    index.update("d", {"k": a})
    index.update("c", [2])
    assert index.sharing("a") == {"b", "d"} and index.sharing("c") == set()
    index.discard("b")
    assert index.sharing("a") == {"d"} and index.owners([id(a)]) == {"a", "d"}


def test_small_values_are_kept():
    assert keep(3).same(3) and not keep(3).same(3.0)
    assert keep((1, "a")).same((1, "a"))
    items = [1, 2]
    kept = keep(items)
    items.append(3)
    assert kept.copied and kept.same([1, 2]) and kept.fresh_value() == [1, 2] and kept.fresh_value() is not kept.value
    assert keep(float("nan")) is None
    assert keep([object()]) is None and keep(list(range(1000))) is None


def test_order_places_new_cells_and_learns_a_whole_order():
    order = NotebookOrder()
    order.place("a")
    order.place("c", after="a")
    order.place("b", after="a")
    assert list(order) == ["a", "b", "c"]
    order.apply(["c", "a", "x", "b"])
    assert list(order) == ["c", "a", "b"]
    order.place("x")
    assert list(order) == ["c", "a", "x", "b"]
    for i in range(80):  # gaps run out; a renumbering keeps the order
        order.place(f"n{i}", after="c")
    assert list(order)[:2] == ["c", "n79"] and list(order)[-3:] == ["a", "x", "b"]


# -- the rule, under Hypothesis -----------------------------------------------------------
NAMES = ["p", "q", "r"]
STATEMENTS = st.one_of(
    st.builds(lambda n, v: f"{n} = {v}", st.sampled_from(NAMES), st.integers(0, 3)),
    st.builds(lambda n, v: f"{n} = [{v}]", st.sampled_from(NAMES), st.integers(0, 3)),
    st.builds(lambda n, m: f"{n} = {m}", st.sampled_from(NAMES), st.sampled_from(NAMES)),
    st.builds(lambda n: f"{n} += [1] if isinstance({n}, list) else 1", st.sampled_from(NAMES)),
    st.builds(
        lambda n, v: f"{n}.append({v}) if isinstance({n}, list) else None", st.sampled_from(NAMES), st.integers(0, 3)
    ),
    st.builds(lambda n: f"print({n})", st.sampled_from(NAMES)),
    st.builds(lambda n, m: f"{n} = [{m}]", st.sampled_from(NAMES), st.sampled_from(NAMES)),
)
CELLS = st.lists(st.lists(STATEMENTS, min_size=1, max_size=2).map("\n".join), min_size=2, max_size=6)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(CELLS, st.data())
def test_one_edit_gives_a_fresh_run(sources, data):
    cells = [
        (f"c{i}", f"{'; '.join(f'{n} = 0' for n in NAMES)}" if i == 0 else code)
        for i, code in enumerate(["", *sources])
    ]
    index = data.draw(st.integers(1, len(cells) - 1))
    code = data.draw(st.lists(STATEMENTS, min_size=1, max_size=2).map("\n".join))
    notebook = edited(cells, cells[index][0], code)
    assume(not reads_from_below(notebook) and not raises_before_rebinding(notebook))
    after_edit(cells, cells[index][0], code)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(random_scenarios())
def test_random_notebooks_of_the_oracle_kinds(scenario):
    """The oracle's random notebooks (tests/test_oracle_random.py), here in-process and many more of them."""
    notebook = edited(scenario.cells, *scenario.edit)
    assume(not reads_from_below(notebook) and not raises_before_rebinding(notebook))
    after_edit(list(scenario.cells), *scenario.edit)


def test_a_cascade_past_its_step_bound_stops_and_marks_the_rest_stale(monkeypatch):
    import reactive_kernel.core.schedule as schedule

    nb = InProcessNotebook()
    nb.run_all([(f"c{i}", "x0 = 1" if i == 0 else f"x{i} = x{i - 1} + 1") for i in range(6)])
    monkeypatch.setattr(schedule, "STEP_LIMIT", 3 - 20 * 6)  # three steps for six cells
    nb.execute("c0", "x0 = 2")
    assert nb.last.overrun is not None and nb.last.overrun.pending
    stale = {e.cell_id for e in nb.last.entries if e.status is Status.STALE}
    assert stale == set(nb.last.overrun.pending) and nb.notices == dict.fromkeys(stale, Status.STALE)
    assert stale <= nb.model.versions.dirty
    monkeypatch.setattr(schedule, "STEP_LIMIT", 1000)
    nb.execute("c5", "x5 = x4 + 1")  # the next request brings the rest up to date
    assert nb.namespace["x5"] == 7


def test_a_name_bound_to_a_shared_object_follows_it_when_its_definition_runs_again():
    """``e = d`` added above a cell that changes ``d``: ``d`` is rebuilt above, ``e`` is made again with it."""
    cells = [("a", "xs = [0, 1, 2]\nd = {'a': 0}"), ("b", "grid = [xs, xs]"), ("c", "xs.append(0)\nd.update(b=0)")]
    nb, _ = after_edit(cells, "b", "e = d")
    assert nb.namespace["e"] is nb.namespace["d"] and nb.namespace["e"] == {"a": 0, "b": 0}


def test_values_that_shared_one_object_go_back_as_one_object():
    cells = [("a", "p = 0; q = 0; r = 0"), ("b", "q = [0]\nr = q"), ("c", "q += [1]"), ("d", "q.append(0)\nq = 0")]
    nb, _ = after_edit(cells, "d", "p = 1")
    assert nb.namespace["r"] == [0, 1]
