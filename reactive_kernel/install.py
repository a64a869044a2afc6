"""Install the ``reactive-python`` kernelspec, as ``python -m ipykernel install`` does."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from importlib.resources import files
from pathlib import Path

from . import DISPLAY_NAME, KERNEL_NAME

__all__ = ["install", "main", "write_kernelspec"]


def _template():
    """The kernelspec template folder: packaged in a wheel, ``kernelspec/`` in a checkout."""
    try:
        return files("reactive_kernel.kernelspec")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "kernelspec"


def write_kernelspec(path: Path, python: str = sys.executable, display_name: str = DISPLAY_NAME) -> Path:
    """Write kernel.json and the logos into the folder ``path``; returns it."""
    path.mkdir(parents=True, exist_ok=True)
    source = _template()
    spec = json.loads(source.joinpath("kernel.json").read_text())
    spec["argv"] = [python if a == "{python}" else a for a in spec["argv"]]
    spec["display_name"] = display_name
    (path / "kernel.json").write_text(json.dumps(spec, indent=2) + "\n")
    for name in ("logo-32x32.png", "logo-64x64.png", "logo-svg.svg"):
        (path / name).write_bytes(source.joinpath(name).read_bytes())
    return path


def install(
    user: bool = False,
    prefix: str | None = None,
    kernel_name: str = KERNEL_NAME,
    display_name: str = DISPLAY_NAME,
    python: str = sys.executable,
) -> str:
    """Install the kernelspec; returns the folder it went to.

    Raises PermissionError when the target folder is not writable.
    """
    from jupyter_client.kernelspec import KernelSpecManager

    with tempfile.TemporaryDirectory() as tmp:
        staged = write_kernelspec(Path(tmp) / kernel_name, python, display_name)
        return KernelSpecManager().install_kernel_spec(str(staged), kernel_name, user=user, prefix=prefix, replace=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m reactive_kernel install [--user | --sys-prefix | --prefix PATH]``."""
    parser = argparse.ArgumentParser(
        prog="python -m reactive_kernel install",
        description="Install the reactive Python kernelspec.",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="install for the current user")
    where.add_argument("--sys-prefix", action="store_true", help=f"install into {sys.prefix}")
    where.add_argument("--prefix", help="install into this prefix (PREFIX/share/jupyter/kernels)")
    parser.add_argument("--name", default=KERNEL_NAME, help=f"kernelspec name (default {KERNEL_NAME})")
    parser.add_argument("--display-name", default=DISPLAY_NAME, help="name shown in launchers")
    args = parser.parse_args(argv)
    prefix = sys.prefix if args.sys_prefix else args.prefix
    try:
        dest = install(args.user, prefix, args.name, args.display_name)
    except PermissionError as err:
        print(f"cannot install the kernelspec: {err}; try --user or --sys-prefix", file=sys.stderr)
        return 1
    print(f"Installed kernelspec {args.name} in {dest}")
    return 0
