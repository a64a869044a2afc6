"""Stable import path for the nbclient helpers: see ``reactive_kernel.client.testing``."""

from .client.testing import execute_notebook, send_cell_ids

__all__ = ["execute_notebook", "send_cell_ids"]
