"""Run notebooks against the reactive kernel from tests, with each cell's id and the notebook's order.

nbclient (and papermill and testbook, which build on it) sends no ``cellId``,
so every cell reaches the kernel as an anonymous cell.  ``send_cell_ids``
makes an ``nbclient.NotebookClient`` send each code cell's nbformat id and
the notebook's code-cell ids (``cellOrder``), so the kernel's graph is keyed
by the notebook's own cells, in the notebook's order, and re-executing a cell
through the client re-runs its dependents.

nbclient is imported only here, when these functions are called.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import KERNEL_NAME
from ..core.protocol import CELL_ID, CELL_ORDER
from .notebooks import code_cell_ids, read_notebook

if TYPE_CHECKING:
    from nbclient import NotebookClient
    from nbformat import NotebookNode

__all__ = ["execute_notebook", "send_cell_ids"]

_MARK = "_reactive_sends_cell_ids"


def _chain(own: Callable[..., None], previous: Callable[..., Any] | None) -> Callable[..., Any]:
    """A hook that runs ``own`` and then ``previous`` (whose result, maybe awaitable, it returns)."""

    def hook(**kwargs: Any) -> Any:
        own(**kwargs)
        return previous(**kwargs) if previous is not None else None

    setattr(hook, _MARK, True)
    return hook


def send_cell_ids(client: NotebookClient) -> NotebookClient:
    """Make ``client`` send each code cell's nbformat id as ``metadata.cellId``, with ``metadata.cellOrder``.

    Installs ``on_cell_execute`` and ``on_cell_complete`` hooks on the client,
    running any hooks already set after its own.  Just before a cell's
    execute request is sent, the kernel client's session metadata gets the
    cell's ``id`` and the ids of the notebook's code cells as they are then,
    top to bottom; once the request is sent both keys are removed again, so
    other requests (and cells without an id, as in notebooks older than
    nbformat 4.5) stay anonymous.  Calling it twice on one client changes
    nothing.  Returns ``client``.

    Raises TypeError if ``client`` is not an ``nbclient.NotebookClient``, and
    ModuleNotFoundError if nbclient is not installed.
    """
    from nbclient import NotebookClient

    if not isinstance(client, NotebookClient):
        raise TypeError(f"expected an nbclient.NotebookClient, not {type(client).__name__}")
    if getattr(client.on_cell_execute, _MARK, False):
        return client

    def session_metadata() -> dict[str, Any]:
        if client.kc is None:
            raise RuntimeError("the notebook client has no kernel client: it is not executing")
        metadata: dict[str, Any] = client.kc.session.metadata
        return metadata

    def set_cell_id(cell: NotebookNode, **_: Any) -> None:
        metadata = session_metadata()
        cell_id = cell.get("id")
        if isinstance(cell_id, str) and cell_id:
            metadata[CELL_ID] = cell_id
            metadata[CELL_ORDER] = code_cell_ids(client.nb)
        else:
            metadata.pop(CELL_ID, None)
            metadata.pop(CELL_ORDER, None)

    def clear_cell_id(**_: Any) -> None:
        metadata = session_metadata()
        metadata.pop(CELL_ID, None)
        metadata.pop(CELL_ORDER, None)

    client.on_cell_execute = _chain(set_cell_id, client.on_cell_execute)
    client.on_cell_complete = _chain(clear_cell_id, client.on_cell_complete)
    return client


def execute_notebook(
    notebook: str | os.PathLike[str] | NotebookNode,
    *,
    kernel_name: str = KERNEL_NAME,
    **kwargs: Any,
) -> NotebookNode:
    """Execute a notebook top to bottom in a new kernel, sending cell ids and order; returns it.

    ``notebook`` is a path to an ``.ipynb`` file (read, never written back; the
    kernel starts in its folder; cells of a notebook older than nbformat 4.5
    get ids) or a ``NotebookNode``, which is executed in place.  ``kwargs`` go to ``nbclient.NotebookClient`` (``timeout``,
    ``allow_errors``, ``resources``, hooks, ...).  The kernel is shut down
    afterwards.

    Raises nbclient's ``CellExecutionError`` when a cell raises (unless
    ``allow_errors``), ``CellTimeoutError`` and ``DeadKernelError`` as nbclient
    does, ``FileNotFoundError`` for a missing file, what ``nbformat.read``
    raises for a file that is not a notebook (``nbformat.reader.NotJSONError``,
    a ValueError, for one that is not JSON), and ModuleNotFoundError if
    nbclient is not installed.
    """
    from nbclient import NotebookClient

    if isinstance(notebook, (str, os.PathLike)):
        nb = read_notebook(notebook)
        folder = os.path.dirname(os.path.abspath(os.fspath(notebook)))
        kwargs.setdefault("resources", {"metadata": {"path": folder}})
    else:
        nb = notebook
    client = NotebookClient(nb, kernel_name=kernel_name, **kwargs)
    send_cell_ids(client)
    return client.execute()
