"""The ``reactive-kernel`` command: ``install``, ``run`` and ``check``."""

from __future__ import annotations

import sys

USAGE = """\
usage: reactive-kernel COMMAND ...

commands:
  install [--user | --sys-prefix | --prefix PATH]   install the reactive-python kernelspec
  run NOTEBOOK [-o OUT] [--cell ID]                 run a notebook's cells once, in dependency order
  check NOTEBOOK...                                 find cycles, conflicting definitions, syntax errors

'reactive-kernel COMMAND --help' tells more."""


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the command's own ``main``; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "install":
        from .install import main as command_main
    elif command == "run":
        from .client.run import main as command_main
    elif command == "check":
        from .client.check import main as command_main
    else:
        print(f"reactive-kernel: unknown command {command!r}\n{USAGE}", file=sys.stderr)
        return 2
    return command_main(rest)
