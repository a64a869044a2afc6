"""Rule 2 of docs/semantics.md: what a cell reads, binds and changes."""

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
        (
            "class K(Base):\n    a = 1\n    b = a + c\n    def m(self):\n        return a + d",
            {"Base", "c", "a", "d"},
            {"K"},
        ),
        ("[i for i in rng if i > k]", {"rng", "k"}, set()),
        ("{k: v for k, v in d.items()}", {"d"}, set()),
        ("[y := f(x) for x in data]", {"f", "data"}, {"y"}),
        ("if (n := 10) > 5:\n    pass", set(), {"n"}),
        ("f = lambda q: q + r", {"r"}, {"f"}),
        ("def h():\n    global G\n    G = 1", set(), {"h"}),
        ("def outer():\n    v = 1\n    def inner():\n        return v + w\n    return inner", {"w"}, {"outer"}),
        ("obj.a = 1\ndf['c'] = v", {"obj", "df", "v"}, {"obj", "df"}),
        ("df.plot()", {"df"}, set()),
        ("_p = 1\nprint(_p, In, Out, get_ipython, exit, quit)", {"print"}, set()),
        ("for i in range(3):\n    total = i", {"range"}, {"i", "total"}),
        ("try:\n    pass\nexcept E as e:\n    print(e)", {"E", "print"}, set()),
        ("x: int", {"int"}, set()),
        ("x: int = 3", {"int"}, {"x"}),
        ("with open(p) as fh:\n    data = fh.read()", {"open", "p"}, {"fh", "data"}),
        ("del old", set(), {"old"}),
        (
            "match cmd:\n    case [a, *rest]:\n        pass\n    case {'k': v, **kw}:\n        pass",
            {"cmd"},
            {"a", "rest", "v", "kw"},
        ),
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
    [
        "from m import *",
        "exec('q = 1')",
        "globals()['q'] = 1",
        "vars()['q'] = 1",
        "%run script.py",
        "%%unknown_magic\nbody",
    ],
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
    local.cell_magics["shout"] = lambda line, body: Analysis(
        reads=frozenset({body.strip()}), binds=frozenset({line.strip()})
    )
    a = local.analyze("%%shout loud\nquiet")
    assert (set(a.reads), set(a.writes)) == ({"quiet"}, {"loud"})


def effects(code):
    a = analyzer.analyze(code)
    return set(a.reads), set(a.binds), set(a.changes)


@pytest.mark.parametrize(
    "code, reads, binds, changes",
    [
        ("l.append(1)", {"l"}, set(), {"l"}),
        ("l.pop(1)", {"l"}, set(), {"l"}),
        ("d['k'] = 1\ndel d['j']", {"d"}, set(), {"d"}),
        ("x += 1", {"x"}, {"x"}, {"x"}),
        ("b = a\nb.append(0)", {"a"}, {"b"}, set()),
        ("df.drop(columns=['a'], inplace=True)", {"df"}, set(), {"df"}),
        # np could be a set here (s.add(x)); resolving against the namespace drops modules
        ("np.add(a, b, out=c)", {"np", "a", "b", "c"}, set(), {"np", "c"}),
        ("import numpy as np\nnp.add(a, b, out=c)", {"a", "b", "c"}, {"np"}, {"c"}),
        ("np.copyto(dst, src)", {"np", "dst", "src"}, set(), {"dst"}),
        ("change_list(items)\nprint(items)", {"change_list", "items", "print"}, set(), {"items"}),
        ("model.fit(X, y)\nscore = 1", {"model", "X", "y"}, {"score"}, {"model"}),
        ("print(x)\nlen(x)", {"print", "x", "len"}, set(), set()),
        ("df.head()", {"df"}, set(), set()),
        ("df.groupby('k').agg('sum')\ny = 1", {"df"}, {"y"}, set()),
        ("x.shape\nx[0]", {"x"}, set(), set()),
        ("if c:\n    x = 1\nelse:\n    x = 2", {"c"}, {"x"}, set()),
        ("if c:\n    x = 1", {"c"}, set(), {"x"}),
        ("try:\n    import foo\nexcept ImportError:\n    foo = None", {"ImportError"}, {"foo"}, set()),
        ("while n:\n    m = n", {"n"}, set(), {"m"}),
        ("for i in range(3):\n    total = i", {"range"}, {"i", "total"}, set()),
        ("next(g)", {"next", "g"}, set(), {"g"}),
        ("random.shuffle(deck)", {"random", "deck"}, set(), {"deck"}),
        ("t.add_(1)", {"t"}, set(), {"t"}),
        ("import numpy as np\nnp.random.seed(0)", set(), {"np"}, set()),
    ],
)
def test_binds_and_changes(code, reads, binds, changes):
    assert effects(code) == (reads, binds, changes)


def test_functions_summarise_what_they_change():
    a = analyzer.analyze("def add(items, value):\n    items.append(value)\n    log.append(value)\nadd(l, 1)")
    ((name, summary),) = a.functions
    assert name == "add" and summary.changed_params == {"items"} and summary.changed_globals == {"log"}
    assert summary.effects_of(a.calls[0]) == {"l", "log"}


def test_methods_that_change_self_are_mutators():
    a = analyzer.analyze(
        "class K:\n    def set_a(self, v):\n        self.a = v\n    def get(self):\n        return self.a"
    )
    assert a.mutators == {"set_a"}
    assert analyzer.analyze("k.set_a(1)").methods == {("k", "set_a")}


@pytest.mark.parametrize(
    "code, uses",
    [
        ("open('a.txt', 'w').write('x')", [("write", (("lit", "a.txt"),))]),
        ("open(p, 'a')", [("change", (("name", "p"),))]),
        ("text = open(p).read()", [("read", (("name", "p"),))]),
        ("Path('d') / 'f.csv'\ndf.to_csv(Path('d') / 'f.csv')", [("write", (("lit", "d"), ("lit", "f.csv")))]),
        ("pd.read_csv(os.path.join(base, 'x.csv'))", [("read", (("name", "base"), ("lit", "x.csv")))]),
        ("os.rename('a', 'b')", [("change", (("lit", "a"),)), ("write", (("lit", "b"),))]),
        ("name.replace('a', 'b')", []),
    ],
)
def test_files(code, uses):
    assert [(u.mode, u.path) for u in analyzer.analyze(code).files] == uses
