"""Reading and writing notebooks: the one reader behind ``run``, ``check``, ``load_notebook`` and the test helpers.

Every code cell comes out with its nbformat id and its number: code cells
counted from 1, top to bottom, as people count them ("cell 3").
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

__all__ = ["CodeCell", "code_cell_ids", "code_cells", "read_notebook", "write_notebook"]


@dataclass(frozen=True)
class CodeCell:
    """A code cell of a notebook: its ``number`` (from 1, code cells only), ``id`` (None if it has none) and ``source``."""

    number: int
    id: str | None
    source: str

    @property
    def label(self) -> str:
        """How messages name the cell: ``cell 3 (id 7f2c...)``, or ``cell 3`` when it has no id."""
        return f"cell {self.number} (id {self.id})" if self.id else f"cell {self.number}"


def read_notebook(notebook: Any, *, add_ids: bool = True):
    """A notebook as nbformat v4, from a path or a NotebookNode.

    With ``add_ids``, a notebook older than 4.5 is upgraded and its cells get
    ids (a node is upgraded in place).  Raises OSError for a path that cannot be read, and nbformat's errors for a
    file that is not a notebook (``nbformat.reader.NotJSONError``, a ValueError,
    for one that is not JSON).
    """
    import nbformat

    if isinstance(notebook, (str, os.PathLike)):
        nb = nbformat.read(os.fspath(notebook), as_version=4)
    else:
        nb = notebook
    if add_ids and nb.nbformat == 4 and nb.nbformat_minor < 5:
        nb = nbformat.v4.upgrade(nb, from_version=4, from_minor=nb.nbformat_minor)
    return nb


def code_cells(nb) -> list[CodeCell]:
    """The notebook's code cells, numbered from 1."""
    cells: list[CodeCell] = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell_id = cell.get("id")
            cells.append(
                CodeCell(len(cells) + 1, cell_id if isinstance(cell_id, str) and cell_id else None, cell.source)
            )
    return cells


def code_cell_ids(nb) -> list[str]:
    """The ids of the notebook's code cells, top to bottom (cells without an id are left out)."""
    return [cell.id for cell in code_cells(nb) if cell.id is not None]


def write_notebook(nb, path: str | os.PathLike) -> None:
    """Validate and write a notebook; raises nbformat.ValidationError."""
    import nbformat

    nbformat.validate(nb)
    nbformat.write(nb, os.fspath(path))
