"""Static analysis of a cell: the top-level names it reads, binds and changes in place, and the files it uses.

The analysis works on the cell *after* IPython's input transformations, so a
``%%sql`` cell arrives as ``get_ipython().run_cell_magic('sql', line, body)``.
Magics whose effect on names can be known are handed to *magic analyzers*;
any other construct that can bind names invisibly (``from m import *``,
``exec``, ``globals()``, an unknown magic) marks the cell ``dynamic``, and the
kernel then adds the names it actually bound after it ran.

A cell

- *reads* a name it uses before binding it;
- *binds* a name it assigns on every path through its top level (``x = 1``,
  ``import x``, ``def x``, ``for x in ...``, ``del x``, both branches of an ``if``);
- *changes* a name it modifies in place (``x[k] = v``, ``x.a = v``, ``del x[k]``,
  ``x += v``, ``x.append(v)``, a call with ``inplace=True`` or ``out=x``,
  ``np.copyto(x, v)``, a name passed to a call made for its effects) or
  binds only on some paths.  A change is both an input and an output.

What calls do is looked up in ``effects``.  Calls of functions and methods
defined in the notebook are recorded (``calls``, ``methods``) together with
what each function this cell defines changes (``functions``, ``mutators``), so
the kernel can resolve them against the notebook's own definitions.

This module imports nothing from Jupyter.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeGuard

from .effects import (
    CHANGES_FIRST_ARGUMENT,
    FILE_FUNCTIONS,
    FILE_METHODS,
    FILE_MODULE_FUNCTIONS,
    FILE_MODULES,
    LOOKS_ONLY_FUNCTIONS,
    changes_receiver,
)

#: A path as parts: ("lit", text), ("name", variable) or ("dir", "") for "some file in the folder so far".
PathSpec = tuple[tuple[str, str], ...]

__all__ = [
    "IPYTHON_NAMES",
    "Analysis",
    "CallSite",
    "CellAnalyzer",
    "FileUse",
    "FunctionSummary",
    "MagicAnalyzer",
    "makes_edges",
]

#: Names IPython puts in every namespace; they never make edges.
IPYTHON_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit"})

#: Calls that can bind names the analysis cannot see.
_DYNAMIC_CALLS = frozenset({"exec", "eval", "globals", "locals", "vars", "__import__"})

#: Magics known to bind no user names.
_INERT_MAGICS = frozenset(
    {
        "matplotlib",
        "config",
        "load_ext",
        "reload_ext",
        "pip",
        "conda",
        "env",
        "cd",
        "pwd",
        "ls",
        "who",
        "whos",
        "who_ls",
        "history",
        "magic",
        "lsmagic",
        "precision",
        "xmode",
        "pdb",
        "debug",
        "autoawait",
        "reactive",
        "html",
        "HTML",
        "javascript",
        "js",
        "latex",
        "markdown",
        "svg",
        "bash",
        "sh",
        "script",
        "writefile",
        "system",
        "sx",
        "timeit",
        "prun",
        "pinfo",
        "pinfo2",
        "psearch",
        "doctest_mode",
        "page",
        "colors",
        "automagic",
        "clear",
        "mermaid",
    }
)

#: Keywords under which writers such as ``DataFrame.to_csv`` take their path.
_PATH_KEYWORDS = ("path_or_buf", "path", "fname", "file")

#: ``open`` modes that replace a file, and those that change it in place.
_WRITE_MODES = frozenset("wx")
_CHANGE_MODES = frozenset("a+")


def makes_edges(name: str) -> bool:
    """Whether ``name`` may take part in the dependency graph."""
    return not name.startswith("_") and name not in IPYTHON_NAMES


@dataclass(frozen=True)
class FileUse:
    """A path a cell uses: ``mode`` is ``read``, ``write`` (replaces it) or ``change``.

    ``path`` is a sequence of parts joined as ``os.path.join`` does: each part
    is ``("lit", text)`` or ``("name", variable)``, the variable's value being
    known only when the cell runs.
    """

    mode: str
    path: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CallSite:
    """A call of a bare name: which names it passes, by position and by keyword."""

    function: str
    args: tuple[str | None, ...]
    kwargs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FunctionSummary:
    """What calling a function changes: parameters (by position and name) and module names."""

    params: tuple[str, ...] = ()
    changed_params: frozenset[str] = frozenset()
    changed_globals: frozenset[str] = frozenset()
    bound_globals: frozenset[str] = frozenset()
    stateful: bool = False

    def effects_of(self, call: CallSite) -> frozenset[str]:
        """The caller's names a call changes: those passed for changed parameters, globals, and the
        function itself when it changes a mutable default of its own (``def f(x, seen=[])``)."""
        changed = set(self.changed_globals | self.bound_globals)
        if self.stateful:
            changed.add(call.function)
        for index, arg in enumerate(call.args):
            if arg is not None and index < len(self.params) and self.params[index] in self.changed_params:
                changed.add(arg)
        for keyword, arg in call.kwargs:
            if keyword in self.changed_params:
                changed.add(arg)
        return frozenset(changed)


@dataclass(frozen=True)
class Analysis:
    """What a cell reads, binds and changes at the top level.

    ``relations`` is the subset of ``binds`` that lives in the SQL engine's
    catalog (tables and views) rather than in the Python namespace.
    ``dynamic`` means the cell may bind names not listed.  ``mutated`` is every
    name the cell changes in place, its own bindings included; ``imports`` the
    names it binds to modules.
    """

    reads: frozenset[str] = frozenset()
    binds: frozenset[str] = frozenset()
    changes: frozenset[str] = frozenset()
    relations: frozenset[str] = frozenset()
    files: tuple[FileUse, ...] = ()
    calls: tuple[CallSite, ...] = ()
    methods: frozenset[tuple[str, str]] = frozenset()
    functions: tuple[tuple[str, FunctionSummary], ...] = ()
    mutators: frozenset[str] = frozenset()
    dynamic: bool = False
    mutated: frozenset[str] = frozenset()
    imports: frozenset[str] = frozenset()

    @property
    def writes(self) -> frozenset[str]:
        """Every name the cell writes: bound or changed."""
        return self.binds | self.changes

    @property
    def inputs(self) -> frozenset[str]:
        """Every name whose earlier value the cell may use: read or changed."""
        return self.reads | self.changes

    def merge(self, other: Analysis) -> Analysis:
        """Union of two analyses."""
        return Analysis(
            self.reads | other.reads,
            self.binds | other.binds,
            self.changes | other.changes,
            self.relations | other.relations,
            self.files + other.files,
            self.calls + other.calls,
            self.methods | other.methods,
            self.functions + other.functions,
            self.mutators | other.mutators,
            self.dynamic or other.dynamic,
            self.mutated | other.mutated,
            self.imports | other.imports,
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
        visitor.visit_module(tree.body)
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
            inner = inner.merge(Analysis(binds=frozenset({target})))
        return inner


class _Scope:
    __slots__ = ("globals", "kind", "names", "summary")

    def __init__(self, kind: str, names: Iterable[str] = (), globals_: Iterable[str] = ()):
        self.kind = kind  # "module" | "function" | "class" | "comp"
        self.names = set(names)
        self.globals = set(globals_)
        self.summary: _SummaryBuilder | None = None


@dataclass
class _SummaryBuilder:
    params: tuple[str, ...]
    mutable_defaults: frozenset[str] = frozenset()
    changed_params: set[str] = field(default_factory=set)
    changed_globals: set[str] = field(default_factory=set)
    bound_globals: set[str] = field(default_factory=set)

    def build(self) -> FunctionSummary:
        return FunctionSummary(
            self.params,
            frozenset(self.changed_params),
            frozenset(self.changed_globals),
            frozenset(self.bound_globals),
            bool(self.mutable_defaults & self.changed_params),
        )


_MUTABLE_FACTORIES = frozenset({"list", "dict", "set", "defaultdict", "deque", "Counter", "OrderedDict"})


def _mutable_defaults(args: ast.arguments) -> frozenset[str]:
    """Parameters whose default is a fresh mutable object, shared by every call."""
    positional = [*args.posonlyargs, *args.args]
    pairs = list(zip(positional[len(positional) - len(args.defaults) :], args.defaults))
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
    found = set()
    for arg, default in pairs:
        if isinstance(default, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)) or (
            isinstance(default, ast.Call)
            and isinstance(default.func, ast.Name)
            and default.func.id in _MUTABLE_FACTORIES
        ):
            found.add(arg.arg)
    return frozenset(found)


def root_name(node: ast.expr) -> str | None:
    """The name an attribute or subscript chain starts from (``df`` for ``df.loc[0, 'a']``)."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


class _Visitor(ast.NodeVisitor):
    """One ordered pass: a read is a load of a module name not yet bound on every path."""

    def __init__(self, analyzer: CellAnalyzer) -> None:
        self.analyzer = analyzer
        self.reads: set[str] = set()
        self.binds: set[str] = set()
        self.maybe: set[str] = set()
        self.changes: set[str] = set()
        self.mutated: set[str] = set()
        self.relations: set[str] = set()
        self.deferred: set[str] = set()
        self.files: list[FileUse] = []
        self.calls: list[CallSite] = []
        self.methods: set[tuple[str, str]] = set()
        self.functions: list[tuple[str, FunctionSummary]] = []
        self.mutators: set[str] = set()
        self.modules: set[str] = set()
        self.paths: dict[str, tuple[tuple[str, str], ...]] = {}
        self.dynamic = False
        self.module = _Scope("module")
        self.stack: list[_Scope] = [self.module]
        self.conditional = 0
        self.branches: list[set[str]] = []
        self.last_statement: ast.stmt | None = None

    def result(self) -> Analysis:
        reads = self.reads | (self.deferred - self.binds - self.maybe)
        changes = self.changes | (self.maybe - self.binds)
        return Analysis(
            frozenset(n for n in reads if makes_edges(n)),
            frozenset(n for n in self.binds if makes_edges(n)),
            frozenset(n for n in changes if makes_edges(n)),
            frozenset(n for n in self.relations if makes_edges(n)),
            tuple(self.files),
            tuple(self.calls),
            frozenset(self.methods),
            tuple(self.functions),
            frozenset(self.mutators),
            self.dynamic,
            frozenset(n for n in self.mutated if makes_edges(n)),
            frozenset(n for n in self.modules if makes_edges(n)),
        )

    # -- name resolution -------------------------------------------------
    def _resolve(self, name: str) -> tuple[str, _Scope | None]:
        """Where a load of ``name`` finds it: ("local", scope), ("module", None) or ("free", function scope)."""
        through: _Scope | None = None
        innermost = True
        for scope in reversed(self.stack):
            kind = scope.kind
            if kind == "comp":
                if name in scope.names:
                    return "local", scope
                continue
            if kind == "class":
                if innermost and name in scope.names:
                    return "local", scope
            elif kind == "function":
                if name in scope.globals:
                    return "free", through or scope
                if name in scope.names:
                    return "local", scope
                through = through or scope
            else:
                break
            innermost = False
        return ("free", through) if through is not None else ("module", None)

    def load(self, name: str) -> None:
        where, _ = self._resolve(name)
        if where == "free":
            self.deferred.add(name)
        elif where == "module" and name not in self.module.names:
            self.reads.add(name)

    def store(self, name: str) -> None:
        scope = self._binding_scope()
        if scope.kind == "module" or name in scope.globals:
            if scope.kind != "module" and scope.summary is not None:
                scope.summary.bound_globals.add(name)
                return
            self._bind_module(name)
        else:
            scope.names.add(name)

    def _bind_module(self, name: str) -> None:
        self.paths.pop(name, None)
        if self.branches:
            self.branches[-1].add(name)
        if self.conditional:
            if name not in self.module.names:
                self.maybe.add(name)
            return
        self.binds.add(name)
        self.module.names.add(name)

    def change(self, node: ast.expr | None) -> None:
        """Note that the object ``node`` names (through attributes and subscripts) changes in place."""
        name = root_name(node) if node is not None else None
        if name is None:
            return
        where, scope = self._resolve(name)
        if where == "local":
            function = self._function_scope()
            if function is not None and function.summary is not None and name in function.summary.params:
                function.summary.changed_params.add(name)
            return
        if where == "free":
            if scope is not None and scope.summary is not None:
                scope.summary.changed_globals.add(name)
            self.deferred.add(name)
            return
        if name in self.modules:
            return
        self.mutated.add(name)
        if name not in self.module.names:
            self.changes.add(name)

    def _binding_scope(self) -> _Scope:
        for scope in reversed(self.stack):
            if scope.kind != "comp":
                return scope
        return self.module

    def _function_scope(self) -> _Scope | None:
        for scope in reversed(self.stack):
            if scope.kind == "function":
                return scope
        return None

    # -- statements ------------------------------------------------------
    def visit_module(self, body: list[ast.stmt]) -> None:
        self.last_statement = body[-1] if body else None
        self.visit_body(body)

    def visit_body(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.visit(stmt)

    def _branch(self, body: list[ast.stmt]) -> set[str]:
        """Visit a body that may not run; returns the module names it binds."""
        self.conditional += 1
        self.branches.append(set())
        try:
            self.visit_body(body)
        finally:
            self.conditional -= 1
            bound = self.branches.pop()
        if self.branches:
            self.branches[-1] |= bound
        return bound

    def _settle(self, every_path: set[str]) -> None:
        """Names bound on every path of a compound statement are bound by it."""
        if not self.conditional and self._binding_scope() is self.module:
            for name in every_path:
                self.binds.add(name)
                self.module.names.add(name)

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        body = self._branch(node.body)
        orelse = self._branch(node.orelse)
        self._settle(body & orelse)

    def visit_While(self, node: ast.While) -> None:
        self.visit(node.test)
        self._branch(node.body)
        self._branch(node.orelse)

    def visit_Try(self, node: ast.Try) -> None:
        body = self._branch(node.body)
        handled = [self._branch_handler(handler) for handler in node.handlers]
        self._branch(node.orelse)
        every = body.intersection(*handled) if handled else set()
        self._settle(every)
        self.visit_body(node.finalbody)

    visit_TryStar = visit_Try

    def _branch_handler(self, handler: ast.ExceptHandler) -> set[str]:
        self.conditional += 1
        self.branches.append(set())
        try:
            self.visit(handler)
        finally:
            self.conditional -= 1
            bound = self.branches.pop()
        if self.branches:
            self.branches[-1] |= bound
        return bound

    def visit_Match(self, node: ast.Match) -> None:
        self.visit(node.subject)
        for case in node.cases:
            self.conditional += 1
            try:
                self.visit(case.pattern)
                if case.guard is not None:
                    self.visit(case.guard)
                self.visit_body(case.body)
            finally:
                self.conditional -= 1

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.load(node.id)
        else:
            self.store(node.id)

    def _target(self, target: ast.expr) -> None:
        """Visit an assignment or deletion target: names bind, subscripts and attributes change."""
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._target(element)
        elif isinstance(target, ast.Starred):
            self._target(target.value)
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            self.visit(target)
            self.change(target)
        else:
            self.visit(target)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self._target(target)
        target = node.targets[0]
        if len(node.targets) == 1 and isinstance(target, ast.Name) and self._binding_scope() is self.module:
            spec = _path_spec(node.value, self.paths)
            if spec is not None and all(kind == "lit" for kind, _ in spec) and not self.conditional:
                self.paths[target.id] = spec

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._target(target)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.visit(node.value)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self.visit(node.value)
        self.visit(node.slice)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        target = node.target
        if isinstance(target, ast.Name):
            self.load(target.id)
            self.change(target)
            self.store(target.id)
        else:
            self.visit(target)
            self.change(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is None:
            self._visit_annotation(node.annotation)
            if not isinstance(node.target, ast.Name):
                self.visit(node.target)
            return
        self.visit(node.value)
        self._visit_annotation(node.annotation)
        self._target(node.target)

    def _visit_annotation(self, node: ast.expr | None) -> None:
        if node is not None and not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            self.visit(node)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self._target(node.target)
        self.visit_body(node.body)
        self._branch(node.orelse)

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self._target(item.optional_vars)
        self.visit_body(node.body)

    visit_AsyncWith = visit_With

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            name = alias.asname or alias.name.split(".", 1)[0]
            self.modules.add(name)
            self.store(name)

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

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        return None

    def visit_Expr(self, node: ast.Expr) -> None:
        self.visit(node.value)
        if isinstance(node.value, ast.Call) and node is not self.last_statement:
            self._called_for_effect(node.value)

    def _called_for_effect(self, call: ast.Call) -> None:
        """A call whose value is thrown away: unless known to only look, it changes what it is given."""
        func = call.func
        if isinstance(func, ast.Name):
            if func.id in LOOKS_ONLY_FUNCTIONS or func.id in _DYNAMIC_CALLS:
                return
            for arg in call.args:
                self.change(arg)
            for keyword in call.keywords:
                self.change(keyword.value)
        elif (
            isinstance(func, ast.Attribute) and changes_receiver(func.attr) is None and not self._is_module(func.value)
        ):
            self.change(func.value)

    def _outside(self, node: ast.expr) -> str | None:
        """The module name ``node`` starts from, if the cell has not bound it yet (a change to it is an input)."""
        name = root_name(node)
        if name is None or name in self.module.names or self._resolve(name)[0] != "module":
            return None
        return name

    def _is_module(self, node: ast.expr) -> bool:
        name = root_name(node)
        return name is not None and name in self.modules

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
        scope = _Scope("function", local, declared)
        params = tuple(a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs))
        scope.summary = _SummaryBuilder(params, _mutable_defaults(node.args))
        in_class = self._binding_scope().kind == "class"
        self.stack.append(scope)
        saved_last, self.last_statement = self.last_statement, None
        saved_conditional, self.conditional = self.conditional, 0
        saved_branches, self.branches = self.branches, []
        try:
            self.visit_body(node.body)
        finally:
            self.stack.pop()
            self.last_statement = saved_last
            self.conditional = saved_conditional
            self.branches = saved_branches
        summary = scope.summary.build()
        if in_class:
            if params and params[0] in summary.changed_params:
                self.mutators.add(node.name)
        elif self._binding_scope() is self.module:
            self.functions.append((node.name, summary))
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

    # -- calls: changes, files, dynamic constructs and magics ---------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in _DYNAMIC_CALLS:
            self.dynamic = True
        elif _is_get_ipython_call(func) and self._visit_ipython_call(func, node):
            return
        self.generic_visit(node)
        self._call_effects(node)

    def _call_effects(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        receiver = func.value if isinstance(func, ast.Attribute) else None
        for keyword in node.keywords:
            if keyword.arg == "inplace" and not (
                isinstance(keyword.value, ast.Constant) and keyword.value.value is False
            ):
                self.change(receiver)
            elif keyword.arg == "out":
                self.change(keyword.value)
        if name is None:
            return
        if receiver is not None and not self._is_module(receiver):
            known = changes_receiver(name)
            if known:
                self.change(receiver)
            elif known is None:
                root = self._outside(receiver)
                if root is not None:
                    self.methods.add((root, name))
        if name in CHANGES_FIRST_ARGUMENT and node.args:
            self.change(node.args[0])
        self._file_effects(node, name, receiver)
        if isinstance(func, ast.Name) and func.id not in LOOKS_ONLY_FUNCTIONS and self._function_scope() is None:
            args = tuple(self._outside(a) if isinstance(a, ast.Name) else None for a in node.args)
            kwargs = tuple(
                (k.arg, root)
                for k in node.keywords
                if k.arg is not None and isinstance(k.value, ast.Name) and (root := self._outside(k.value))
            )
            self.calls.append(CallSite(func.id, args, kwargs))

    def _file_effects(self, node: ast.Call, name: str, receiver: ast.expr | None) -> None:
        if receiver is None:
            if name == "open" and node.args:
                self._open(node.args[0], node.args[1] if len(node.args) > 1 else _keyword(node, "mode"))
            return
        if name == "open":
            self._open(receiver, node.args[0] if node.args else _keyword(node, "mode"))
            return
        method = FILE_METHODS.get(name)
        if method == "write-arg":
            self._use("write", node.args[0] if node.args else _keyword(node, *_PATH_KEYWORDS))
        elif method is not None:
            self._use(method, receiver)
        elif name in ("rename", "replace") and len(node.args) == 1:
            self._use("change", receiver)
            self._use("write", node.args[0])
        modes = FILE_FUNCTIONS.get(name)
        if modes is None and root_name(receiver) in FILE_MODULES:
            modes = FILE_MODULE_FUNCTIONS.get(name)
        for mode, arg in zip(modes or (), node.args):
            self._use(mode, arg)

    def _use(self, mode: str, path: ast.expr | None) -> None:
        spec = _path_spec(path, self.paths) if path is not None else None
        if spec is None:
            return
        if spec[-1][0] == "dir":  # a file somewhere in a folder: the folder's listing
            spec, mode = spec[:-1], "read" if mode == "read" else "change"
        self.files.append(FileUse(mode, spec))

    def _open(self, path: ast.expr, mode: ast.expr | None) -> None:
        if mode is None:
            text = "r"
        elif isinstance(mode, ast.Constant) and isinstance(mode.value, str):
            text = mode.value
        else:
            text = "a"  # a mode known only at run time: it may change the file
        if _CHANGE_MODES & set(text):
            self._use("change", path)
        elif _WRITE_MODES & set(text):
            self._use("write", path)
        else:
            self._use("read", path)

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
        for name in found.changes:
            self.load(name)
            if name not in self.module.names:
                self.changes.add(name)
        for name in found.binds:
            self.store(name)
        self.relations |= found.relations
        self.files.extend(found.files)
        self.dynamic = self.dynamic or found.dynamic


def _keyword(node: ast.Call, *names: str) -> ast.expr | None:
    for keyword in node.keywords:
        if keyword.arg in names:
            return keyword.value
    return None


def _path_spec(node: ast.expr, known: dict[str, tuple[tuple[str, str], ...]]) -> tuple[tuple[str, str], ...] | None:
    """The parts of a path expression: literals, names, ``Path(...)``, ``a / b``, ``os.path.join(...)``.

    ``known`` maps names this cell bound to a literal path so far.  An f-string
    gives the folder its literal start names (``f"out/part{i}.txt"`` is
    somewhere in ``out``), as a spec ending in ``("dir", "")``.
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (("lit", node.value),)
    if isinstance(node, ast.Name):
        return known.get(node.id, (("name", node.id),))
    if isinstance(node, ast.JoinedStr):
        prefix = ""
        for value in node.values:
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                break
            prefix += value.value
        folder = prefix.rpartition("/")[0]
        return (("lit", folder), ("dir", "")) if folder else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        left, right = _path_spec(node.left, known), _path_spec(node.right, known)
        return _join(left, right)
    if isinstance(node, ast.Call) and not node.keywords and node.args:
        func = node.func
        callee = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if callee in ("Path", "PurePath", "PosixPath", "join"):
            parts: tuple[tuple[str, str], ...] | None = ()
            for arg in node.args:
                parts = _join(parts, _path_spec(arg, known))
            return parts
    return None


def _join(left: PathSpec | None, right: PathSpec | None) -> PathSpec | None:
    """Two path specs one after the other (nothing follows a folder-only spec)."""
    if left is None or right is None:
        return None
    if left and left[-1][0] == "dir":
        return left
    return left + right


def _is_get_ipython_call(func: ast.expr) -> TypeGuard[ast.Attribute]:
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "get_ipython"
    )


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def _function_locals(args: ast.arguments, body: list[ast.stmt] | list[ast.expr]) -> tuple[set[str], set[str]]:
    """Names local to a function (params and bindings) and names it declares global."""
    local = {a.arg for a in (*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg) if a is not None}
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
        elif (isinstance(node, ast.ExceptHandler) and node.name) or (
            isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name
        ):
            local.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            local.add(node.rest)
        comp = in_comp or isinstance(node, _COMPREHENSIONS)
        stack.extend((child, comp) for child in ast.iter_child_nodes(node))
    return local - declared - nonlocal_, declared
