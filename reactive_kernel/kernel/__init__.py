"""The ipykernel adapter: the only package that imports ipykernel."""

from .kernel import ReactiveKernel

__all__ = ["ReactiveKernel"]
