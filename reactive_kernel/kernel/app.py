"""Start a ReactiveKernel in an IPKernelApp."""

from __future__ import annotations


def launch(argv: list[str] | None = None) -> None:
    """Run the kernel until it is shut down (argv as for ipykernel's launcher)."""
    from ipykernel.kernelapp import IPKernelApp

    from .kernel import ReactiveKernel

    IPKernelApp.launch_instance(argv=argv, kernel_class=ReactiveKernel)
