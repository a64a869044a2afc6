"""The ``reactive-kernel`` command."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``reactive-kernel install ...``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: reactive-kernel install [--user | --sys-prefix | --prefix PATH]")
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "install":
        from .install import main as install_main

        return install_main(rest)
    print(f"reactive-kernel: unknown command {command!r}", file=sys.stderr)
    return 2
