"""The layout's rules, checked on the source: which package may import which, no import circles, lint and types.

``core/`` imports nothing from Jupyter; ``client/`` nothing from ``kernel/``;
no module imports, at any depth or inside a function, a module that imports it
back.  ``ruff`` (lint and format) and ``mypy`` (strict for ``core/``) run with
the configuration in ``pyproject.toml``.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "reactive_kernel"
JUPYTER = (
    "ipykernel",
    "IPython",
    "jupyter_client",
    "jupyter_core",
    "nbformat",
    "nbclient",
    "zmq",
    "traitlets",
    "tornado",
    "comm",
    "ipywidgets",
    "jupyterlab",
    "notebook",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it (functions, ``TYPE_CHECKING`` blocks and
    ``importlib.import_module`` of a literal name too), absolute."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "labextension" not in p.parts}
IMPORTS = {name: _imports(path) for name, path in MODULES.items()}


def _ours(imported: set[str]) -> set[str]:
    """The package's modules among ``imported`` (``from .x import f`` names module ``x``)."""
    return {m for m in imported if m in MODULES}


def test_the_core_imports_nothing_from_jupyter_and_nothing_outside_the_core():
    for name, imported in IMPORTS.items():
        if not name.startswith("reactive_kernel.core"):
            continue
        jupyter = {m for m in imported if m.split(".")[0] in JUPYTER}
        outside = {m for m in _ours(imported) if not m.startswith("reactive_kernel.core")}
        assert not jupyter and not outside, (name, jupyter, outside)


def test_the_client_never_imports_the_kernel_package():
    for name, imported in IMPORTS.items():
        if name.startswith("reactive_kernel.client"):
            kernel = {m for m in imported if m.startswith("reactive_kernel.kernel")}
            assert not kernel, (name, kernel)


def test_only_the_kernel_package_imports_ipykernel():
    for name, imported in IMPORTS.items():
        if not name.startswith("reactive_kernel.kernel"):
            assert not {m for m in imported if m.split(".")[0] == "ipykernel"}, name


def test_no_import_circles():
    edges = {name: _ours(imported) - {name} for name, imported in IMPORTS.items()}
    # a package's __init__ is imported on the way to its modules: an edge to it is not a dependency
    edges = {name: {m for m in targets if MODULES[m].name != "__init__.py"} for name, targets in edges.items()}
    circles = []
    for start in edges:
        stack, seen = [(start, (start,))], {start}
        while stack:
            node, path = stack.pop()
            for target in edges[node]:
                if target == start:
                    circles.append(path)
                elif target not in seen:
                    seen.add(target)
                    stack.append((target, (*path, target)))
    assert not circles, circles[0]


def test_the_checker_sees_imports():
    """The rules above are only as good as the import reader: it must find the package's own imports."""
    assert "reactive_kernel.core.graph" in IMPORTS["reactive_kernel.core.notebook"]
    assert "reactive_kernel.client.collector" in _ours(IMPORTS["reactive_kernel.client.coordinator"])
    assert "ipykernel.ipkernel" in IMPORTS["reactive_kernel.kernel.kernel"]
    assert "reactive_kernel.sql.magic" in IMPORTS["reactive_kernel.kernel.magics"]


def _tool(name: str) -> list[str]:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: install the test extras (pip install -e '.[test]')")
    return [found]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff(command):
    result = subprocess.run([*_tool("ruff"), *command, "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy():
    result = subprocess.run(
        [*_tool("mypy"), "--python-executable", sys.executable], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
