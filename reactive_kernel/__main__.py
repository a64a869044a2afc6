"""``python -m reactive_kernel``: start the kernel, or ``install`` / ``run`` / ``check``."""

import sys


def main() -> int | None:
    """Dispatch on the first argument; anything else starts the kernel."""
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command in ("install", "run", "check"):
        from .cli import main as cli_main

        return cli_main(sys.argv[1:])
    from .kernel.app import launch

    launch()
    return None


if __name__ == "__main__":
    sys.exit(main())
