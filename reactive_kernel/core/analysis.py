"""Static analysis of a Python cell into the top-level names it reads and writes.

The analysis works on the cell *after* IPython's input transformations, so a
``%%sql`` cell arrives as ``get_ipython().run_cell_magic('sql', line, body)``.
Magics whose effect on names can be known are handed to *magic analyzers*;
any other construct that can bind names invisibly (``from m import *``,
``exec``, ``globals()``, an unknown magic) marks the cell ``dynamic``, and the
kernel then adds the names it actually bound after it ran.

This module imports nothing from Jupyter.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable, Iterable

__all__ = ["Analysis", "CellAnalyzer", "IPYTHON_NAMES", "makes_edges"]

#: Names IPython puts in every namespace; they never make edges.
IPYTHON_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit"})

#: Calls that can bind names the analysis cannot see.
_DYNAMIC_CALLS = frozenset({"exec", "eval", "globals", "locals", "vars", "__import__"})

#: Magics known to bind no user names.
_INERT_MAGICS = frozenset(
    {
        "matplotlib", "config", "load_ext", "reload_ext", "pip", "conda", "env", "cd",
        "pwd", "ls", "who", "whos", "who_ls", "history", "magic", "lsmagic", "precision",
        "xmode", "pdb", "debug", "autoawait", "reactive", "html", "HTML", "javascript",
        "js", "latex", "markdown", "svg", "bash", "sh", "script", "writefile", "system",
        "sx", "timeit", "prun", "pinfo", "pinfo2", "psearch", "doctest_mode", "page",
        "colors", "automagic", "clear", "mermaid",
    }
)


def makes_edges(name: str) -> bool:
    """Whether ``name`` may take part in the dependency graph."""
    return not name.startswith("_") and name not in IPYTHON_NAMES


@dataclass(frozen=True)
class Analysis:
    """What a cell reads and writes at the top level.

    ``relations`` is the subset of ``writes`` that lives in the SQL engine's
    catalog (tables and views) rather than in the Python namespace.
    ``dynamic`` means the cell may bind names not listed in ``writes``.
    """

    reads: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()
    relations: frozenset[str] = frozenset()
    dynamic: bool = False

    def merge(self, other: "Analysis") -> "Analysis":
        """Union of two analyses."""
        return Analysis(
            self.reads | other.reads,
            self.writes | other.writes,
            self.relations | other.relations,
            self.dynamic or other.dynamic,
        )


#: ``analyzer(line, body)`` -> Analysis.  ``body`` is None for a line magic.
MagicAnalyzer = Callable[[str, "str | None"], Analysis]


class CellAnalyzer:
    """Analyses cells; ``transform`` turns IPython syntax into Python.

    ``analyze`` raises SyntaxError when the transformed cell does not parse.
    """

    def __init__(self, transform: Callable[[str], str] | None = None) -> None:
        self.transform = transform or (lambda code: code)
        self.cell_magics: dict[str, MagicAnalyzer] = {
            "time": self._body_magic,
            "capture": self._capture_magic,
        }
        self.line_magics: dict[str, MagicAnalyzer] = {"time": self._body_magic}

    def analyze(self, code: str) -> Analysis:
        """Analyse raw cell source (IPython syntax allowed); raises SyntaxError."""
        return self.analyze_python(self.transform(code))

    def analyze_python(self, source: str) -> Analysis:
        """Analyse already-transformed Python source; raises SyntaxError."""
        tree = ast.parse(source)
        visitor = _Visitor(self)
        visitor.visit_body(tree.body)
        return visitor.result()

    def magic(self, kind: str, name: str, line: str, body: str | None) -> Analysis | None:
        """Analysis of one magic call, or None when nothing is known about it."""
        table = self.cell_magics if kind == "cell" else self.line_magics
        analyzer = table.get(name)
        if analyzer is not None:
            return analyzer(line, body)
        if name in _INERT_MAGICS:
            return Analysis()
        return None

    def _body_magic(self, line: str, body: str | None) -> Analysis:
        return self.analyze(body if body is not None else line)

    def _capture_magic(self, line: str, body: str | None) -> Analysis:
        inner = self.analyze(body or "")
        target = next((w for w in line.split() if not w.startswith("-")), None)
        if target and target.isidentifier():
            inner = inner.merge(Analysis(writes=frozenset({target})))
        return inner


class _Scope:
    __slots__ = ("kind", "names", "globals")

    def __init__(self, kind: str, names: Iterable[str] = (), globals_: Iterable[str] = ()):
        self.kind = kind  # "module" | "function" | "class" | "comp"
        self.names = set(names)
        self.globals = set(globals_)


class _Visitor(ast.NodeVisitor):
    """One ordered pass: a read is a load of a module name not yet bound."""

    def __init__(self, analyzer: CellAnalyzer) -> None:
        self.analyzer = analyzer
        self.reads: set[str] = set()
        self.writes: set[str] = set()
        self.relations: set[str] = set()
        self.deferred: set[str] = set()
        self.dynamic = False
        self.module = _Scope("module")
        self.stack: list[_Scope] = [self.module]

    def result(self) -> Analysis:
        reads = self.reads | (self.deferred - self.writes)
        return Analysis(
            frozenset(n for n in reads if makes_edges(n)),
            frozenset(n for n in self.writes if makes_edges(n)),
            frozenset(n for n in self.relations if makes_edges(n)),
            self.dynamic,
        )

    # -- name resolution -------------------------------------------------
    def load(self, name: str) -> None:
        through_function = False
        innermost = True
        for scope in reversed(self.stack):
            kind = scope.kind
            if kind == "comp":
                if name in scope.names:
                    return
                continue
            if kind == "class":
                if innermost and name in scope.names:
                    return
            elif kind == "function":
                if name in scope.globals:
                    through_function = True
                    break
                if name in scope.names:
                    return
                through_function = True
            else:
                break
            innermost = False
        if through_function:
            self.deferred.add(name)
        elif name not in self.module.names:
            self.reads.add(name)

    def store(self, name: str) -> None:
        scope = self._binding_scope()
        if scope.kind == "module" or name in scope.globals:
            self.writes.add(name)
            self.module.names.add(name)
        else:
            scope.names.add(name)

    def _binding_scope(self) -> _Scope:
        for scope in reversed(self.stack):
            if scope.kind != "comp":
                return scope
        return self.module

    # -- statements ------------------------------------------------------
    def visit_body(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.visit(stmt)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.load(node.id)
        else:
            self.store(node.id)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self.load(node.target.id)
            self.store(node.target.id)
        else:
            self.visit(node.target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is None:
            self._visit_annotation(node.annotation)
            if not isinstance(node.target, ast.Name):
                self.visit(node.target)
            return
        self.visit(node.value)
        self._visit_annotation(node.annotation)
        self.visit(node.target)

    def _visit_annotation(self, node: ast.expr | None) -> None:
        if node is not None and not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            self.visit(node)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        self.visit_body(node.body)
        self.visit_body(node.orelse)

    visit_AsyncFor = visit_For

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.store(alias.asname or alias.name.split(".", 1)[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                self.dynamic = True
            else:
                self.store(alias.asname or alias.name)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name is None:
            self.visit_body(node.body)
            return
        # Python unbinds the handler's name when the block ends.
        scope = self._binding_scope()
        if scope.kind == "module":
            was_bound = node.name in scope.names
            scope.names.add(node.name)
            self.visit_body(node.body)
            if not was_bound:
                scope.names.discard(node.name)
        else:
            self.store(node.name)
            self.visit_body(node.body)

    def visit_Global(self, node: ast.Global) -> None:
        return None

    visit_Nonlocal = visit_Global

    # -- scopes ----------------------------------------------------------
    def _visit_arguments(self, args: ast.arguments) -> None:
        for default in (*args.defaults, *(d for d in args.kw_defaults if d is not None)):
            self.visit(default)
        for arg in (*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg):
            if arg is not None:
                self._visit_annotation(arg.annotation)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self._visit_arguments(node.args)
        self._visit_annotation(node.returns)
        local, declared = _function_locals(node.args, node.body)
        self.stack.append(_Scope("function", local, declared))
        for name in declared:
            self.writes.add(name)
        self.visit_body(node.body)
        self.stack.pop()
        self.store(node.name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_arguments(node.args)
        local, _ = _function_locals(node.args, [node.body])
        self.stack.append(_Scope("function", local))
        self.visit(node.body)
        self.stack.pop()

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        for base in node.bases:
            self.visit(base)
        for keyword in node.keywords:
            self.visit(keyword.value)
        self.stack.append(_Scope("class"))
        self.visit_body(node.body)
        self.stack.pop()
        self.store(node.name)

    def _visit_comprehension(self, generators: list[ast.comprehension], elts: list[ast.expr]) -> None:
        self.visit(generators[0].iter)
        self.stack.append(_Scope("comp"))
        for index, gen in enumerate(generators):
            if index:
                self.visit(gen.iter)
            for node in ast.walk(gen.target):
                if isinstance(node, ast.Name):
                    if isinstance(node.ctx, ast.Load):
                        self.load(node.id)
                    else:
                        self.stack[-1].names.add(node.id)
            for cond in gen.ifs:
                self.visit(cond)
        for elt in elts:
            self.visit(elt)
        self.stack.pop()

    def visit_ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> None:
        self._visit_comprehension(node.generators, [node.elt])

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._visit_comprehension(node.generators, [node.key, node.value])

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self.store(node.target.id)

    # -- pattern matching -------------------------------------------------
    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.pattern is not None:
            self.visit(node.pattern)
        if node.name is not None:
            self.store(node.name)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name is not None:
            self.store(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        for key in node.keys:
            self.visit(key)
        for pattern in node.patterns:
            self.visit(pattern)
        if node.rest is not None:
            self.store(node.rest)

    # -- calls: dynamic constructs and magics ------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in _DYNAMIC_CALLS:
            self.dynamic = True
        elif _is_get_ipython_call(func):
            if self._visit_ipython_call(func, node):
                return
        self.generic_visit(node)

    def _visit_ipython_call(self, func: ast.Attribute, node: ast.Call) -> bool:
        """Handle ``get_ipython().<method>(...)``; True when fully handled."""
        method = func.attr
        if method in ("system", "getoutput"):
            return False
        literals = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if method in ("run_line_magic", "run_cell_magic") and len(literals) == len(node.args):
            kind = "cell" if method == "run_cell_magic" else "line"
            if kind == "cell" and len(literals) == 3:
                found = self.analyzer.magic(kind, literals[0], literals[1], literals[2])
            elif kind == "line" and len(literals) == 2:
                found = self.analyzer.magic(kind, literals[0], literals[1], None)
            else:
                found = None
            if found is not None:
                self._absorb(found)
                return True
        self.dynamic = True
        return False

    def _absorb(self, found: Analysis) -> None:
        for name in found.reads:
            self.load(name)
        for name in found.writes:
            self.store(name)
        self.relations |= found.relations
        self.dynamic = self.dynamic or found.dynamic


def _is_get_ipython_call(func: ast.expr) -> bool:
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "get_ipython"
    )


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def _function_locals(args: ast.arguments, body: list) -> tuple[set[str], set[str]]:
    """Names local to a function (params and bindings) and names it declares global."""
    local = {
        a.arg
        for a in (*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg)
        if a is not None
    }
    declared: set[str] = set()
    nonlocal_: set[str] = set()
    stack: list[tuple[ast.AST, bool]] = [(node, False) for node in body]
    while stack:
        node, in_comp = stack.pop()
        if isinstance(node, ast.Global):
            declared.update(node.names)
            continue
        if isinstance(node, ast.Nonlocal):
            nonlocal_.update(node.names)
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            local.add(node.name)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.NamedExpr):
            local.add(node.target.id)
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load) and not in_comp:
            local.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    local.add(alias.asname or alias.name.split(".", 1)[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            local.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            local.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            local.add(node.rest)
        comp = in_comp or isinstance(node, _COMPREHENSIONS)
        stack.extend((child, comp) for child in ast.iter_child_nodes(node))
    return local - declared - nonlocal_, declared
