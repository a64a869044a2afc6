"""Reading and writing notebook files, with a cell id for every cell."""

from __future__ import annotations

import os

__all__ = ["read_notebook", "write_notebook"]


def read_notebook(path: str | os.PathLike):
    """Read an .ipynb as nbformat v4; cells of notebooks older than 4.5 get ids.

    Raises OSError, and nbformat's errors for files that are not notebooks.
    """
    import nbformat

    nb = nbformat.read(os.fspath(path), as_version=4)
    if nb.nbformat_minor < 5:
        nb = nbformat.v4.upgrade(nb, from_version=4, from_minor=nb.nbformat_minor)
    return nb


def write_notebook(nb, path: str | os.PathLike) -> None:
    """Validate and write a notebook; raises nbformat.ValidationError."""
    import nbformat

    nbformat.validate(nb)
    nbformat.write(nb, os.fspath(path))
