"""Rule 2 of docs/semantics.md: what a cell reads and writes."""

import pytest
from IPython.core.inputtransformer2 import TransformerManager

from reactive_kernel.core.analysis import Analysis, CellAnalyzer

analyzer = CellAnalyzer(TransformerManager().transform_cell)


def rw(code):
    a = analyzer.analyze(code)
    return set(a.reads), set(a.writes)


@pytest.mark.parametrize(
    "code, reads, writes",
    [
        ("x = y + 1", {"y"}, {"x"}),
        ("x += 1", {"x"}, {"x"}),
        ("x = x + 1", {"x"}, {"x"}),
        ("y = 1\nprint(y)", {"print"}, {"y"}),
        ("import a.b\nimport c.d as e\nfrom f import g as h, i", set(), {"a", "e", "h", "i"}),
        ("def f(a, b=dflt):\n    return a + z + g\ng = 1", {"dflt", "z"}, {"f", "g"}),
        ("async def f():\n    await q", {"q"}, {"f"}),
        ("class K(Base):\n    a = 1\n    b = a + c\n    def m(self):\n        return a + d", {"Base", "c", "a", "d"}, {"K"}),
        ("[i for i in rng if i > k]", {"rng", "k"}, set()),
        ("{k: v for k, v in d.items()}", {"d"}, set()),
        ("[y := f(x) for x in data]", {"f", "data"}, {"y"}),
        ("if (n := 10) > 5:\n    pass", set(), {"n"}),
        ("f = lambda q: q + r", {"r"}, {"f"}),
        ("def h():\n    global G\n    G = 1", set(), {"G", "h"}),
        ("def outer():\n    v = 1\n    def inner():\n        return v + w\n    return inner", {"w"}, {"outer"}),
        ("obj.a = 1\ndf['c'] = v", {"obj", "df", "v"}, set()),
        ("df.plot()", {"df"}, set()),
        ("_p = 1\nprint(_p, In, Out, get_ipython, exit, quit)", {"print"}, set()),
        ("for i in range(3):\n    total = i", {"range"}, {"i", "total"}),
        ("try:\n    pass\nexcept E as e:\n    print(e)", {"E", "print"}, set()),
        ("x: int", {"int"}, set()),
        ("x: int = 3", {"int"}, {"x"}),
        ("with open(p) as fh:\n    data = fh.read()", {"open", "p"}, {"fh", "data"}),
        ("del old", set(), {"old"}),
        ("match cmd:\n    case [a, *rest]:\n        pass\n    case {'k': v, **kw}:\n        pass", {"cmd"}, {"a", "rest", "v", "kw"}),
        ("%matplotlib inline\nz = 1", set(), {"z"}),
        ("files = !ls\nn = len(files)", {"len"}, {"files", "n"}),
        ("%%time\nw = u * 2", {"u"}, {"w"}),
        ("%time w2 = u2 * 2", {"u2"}, {"w2"}),
        ("%%capture cap\nprint(msg)", {"print", "msg"}, {"cap"}),
    ],
)
def test_reads_and_writes(code, reads, writes):
    assert rw(code) == (reads, writes)


@pytest.mark.parametrize(
    "code",
    ["from m import *", "exec('q = 1')", "globals()['q'] = 1", "vars()['q'] = 1", "%run script.py", "%%unknown_magic\nbody"],
)
def test_dynamic_constructs_are_flagged(code):
    assert analyzer.analyze(code).dynamic


@pytest.mark.parametrize("code", ["x = 1", "%matplotlib inline", "import os", "%%time\nx = 1"])
def test_static_cells_are_not_dynamic(code):
    assert not analyzer.analyze(code).dynamic


def test_syntax_error_raises():
    with pytest.raises(SyntaxError):
        analyzer.analyze("x = (")


def test_magic_analyzers_are_pluggable():
    local = CellAnalyzer(TransformerManager().transform_cell)
    local.cell_magics["shout"] = lambda line, body: Analysis(reads=frozenset({body.strip()}), writes=frozenset({line.strip()}))
    a = local.analyze("%%shout loud\nquiet")
    assert (set(a.reads), set(a.writes)) == ({"quiet"}, {"loud"})
