"""The wire additions, defined once: statuses, request metadata, the reply report, cascade entries, output tags.

The kernel builds these; the client, ``%reactive``, the command line and the
JupyterLab plugin read them.  Everything here is plain JSON on the wire: a
stock Jupyter client can ignore all of it.  docs/protocol.md describes the same
fields for readers of the wire.

This module imports nothing from Jupyter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

__all__ = [
    "CELL_ID",
    "CELL_LINK_PREFIX",
    "CELL_ORDER",
    "DELETED_CELLS",
    "GRAPH_MIME",
    "REACTIVE",
    "REGISTER_REPLY",
    "REGISTER_REQUEST",
    "STATS_MIME",
    "STATUS_MIME",
    "UNREGISTER_REPLY",
    "UNREGISTER_REQUEST",
    "CascadeEntry",
    "ErrorName",
    "Report",
    "Status",
    "Tag",
    "TagKind",
    "cell_label",
    "cell_link",
    "tag_of",
]

#: ``execute_request.metadata`` keys.  JupyterLab sends the first two itself.
CELL_ID = "cellId"
DELETED_CELLS = "deletedCells"
#: The notebook's code-cell ids, top to bottom; sent by the plugin, the client and the CLI.
CELL_ORDER = "cellOrder"

#: The key, in reply metadata and in iopub metadata, under which the additions live.
REACTIVE = "reactive"

#: ``href`` of a link to a cell in the kernel's HTML (``#reactive-cell=<cell id>``); the plugin follows it.
CELL_LINK_PREFIX = "#reactive-cell="

#: Media types of ``%reactive``, ``%reactive graph`` and ``%reactive stats`` as data for programs (cells by id).
STATUS_MIME = "application/vnd.reactive-kernel.status+json"
GRAPH_MIME = "application/vnd.reactive-kernel.graph+json"
STATS_MIME = "application/vnd.reactive-kernel.stats+json"

REGISTER_REQUEST = "register_cell_request"
REGISTER_REPLY = "register_cell_reply"
UNREGISTER_REQUEST = "unregister_cell_request"
UNREGISTER_REPLY = "unregister_cell_reply"


class Status(str, Enum):
    """What happened to a cell, as reports, tags and ``%reactive`` say it."""

    #: ran and raised nothing
    OK = "ok"
    #: ran and raised
    ERROR = "error"
    #: its registration was refused (a cycle, or a redefinition in strict mode); nothing ran
    BLOCKED = "blocked"
    #: not run: an ancestor raised (``ReactiveKernel.after_error = "skip"``) or the cascade was interrupted
    SKIPPED = "skipped"
    #: it was running when the interrupt came
    INTERRUPTED = "interrupted"
    #: its inputs changed and it has not run since (lazy mode, or its own request never ran it)
    STALE = "stale"
    #: registered, never run
    REGISTERED = "registered"

    def __str__(self) -> str:
        return self.value


class ErrorName(str, Enum):
    """``ename`` of the errors the additions add."""

    CYCLE = "CycleError"
    MULTIPLE_DEFINITION = "MultipleDefinitionError"
    SYNTAX = "SyntaxError"
    BAD_REQUEST = "BadRequest"
    UNKNOWN_CELL = "UnknownCell"

    def __str__(self) -> str:
        return self.value


def _names(values: Iterable[str]) -> list[str]:
    return sorted(values)


@dataclass
class CascadeEntry:
    """One cell a request ran besides the executed cell (or marked, or skipped).

    ``msg_id`` is the request whose header its outputs went under; ``reason``
    says why it ran or why not (``restore``: re-run so that a cell below gets the
    value it reads; ``an ancestor raised``; ``interrupted``; ...).
    """

    cell_id: str
    status: Status
    msg_id: str
    label: str = ""
    reason: str | None = None
    blocked_by: str | None = None
    execution_count: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON form used in ``metadata.reactive.cascade``."""
        out: dict[str, Any] = {
            "cell_id": self.cell_id,
            "status": self.status.value,
            "msg_id": self.msg_id,
            "label": self.label,
        }
        if self.reason is not None:
            out["reason"] = self.reason
        if self.blocked_by is not None:
            out["blocked_by"] = self.blocked_by
        if self.execution_count is not None:
            out["execution_count"] = self.execution_count
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CascadeEntry:
        """Read an entry; raises KeyError or ValueError for one that is not."""
        count = data.get("execution_count")
        return cls(
            str(data["cell_id"]),
            Status(data["status"]),
            str(data.get("msg_id") or ""),
            str(data.get("label") or ""),
            data.get("reason"),
            data.get("blocked_by"),
            count if isinstance(count, int) else None,
        )


@dataclass
class Report:
    """``execute_reply.metadata.reactive``: what one request did.

    ``status`` is the executed cell's own outcome.  ``registered`` is false when
    its code was not (re-)registered: refused, or not parsed.  ``replayed`` is
    true when the cell was already up to date from an earlier cascade and the
    request showed that run's outputs instead of running it again.
    """

    cell_id: str
    status: Status = Status.OK
    label: str = ""
    registered: bool = True
    replayed: bool = False
    reads: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    cascade: list[CascadeEntry] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        out: dict[str, Any] = {
            "cell_id": self.cell_id,
            "label": self.label,
            "status": self.status.value,
            "registered": self.registered,
            "reads": _names(self.reads),
            "writes": _names(self.writes),
            "cascade": [entry.to_json() for entry in self.cascade],
        }
        if self.replayed:
            out["replayed"] = True
        if self.deleted:
            out["deleted"] = list(self.deleted)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Report:
        """Read a report; raises KeyError or ValueError for one that is not."""
        return cls(
            str(data["cell_id"]),
            Status(data.get("status", "ok")),
            str(data.get("label") or ""),
            bool(data.get("registered", True)),
            bool(data.get("replayed", False)),
            list(data.get("reads") or ()),
            list(data.get("writes") or ()),
            list(data.get("deleted") or ()),
            [CascadeEntry.from_json(entry) for entry in data.get("cascade") or ()],
        )


class TagKind(str, Enum):
    """What an iopub message tagged ``metadata.reactive`` is."""

    #: an output of a re-run cell (stream, display, result, error)
    OUTPUT = "output"
    #: a ``clear_output`` that empties a re-run cell's area before its new outputs
    CLEAR = "clear"
    #: a one-line ``display_data`` under the current request: the outputs after it are ``cell_id``'s
    HEADING = "heading"
    #: a one-line ``display_data`` saying a cell was skipped, marked stale or interrupted
    NOTICE = "notice"
    #: the one-line account of a cascade, in the executed cell's output
    SUMMARY = "summary"
    #: the progress line of a long cascade (a ``display_id`` updated in place)
    PROGRESS = "progress"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Tag:
    """``metadata.reactive`` of an iopub message the kernel sent for a cascade.

    On every tagged message it is in the message's own ``metadata``; on the
    kernel's own ``display_data`` (headings, notices, summaries, progress) it
    is also in ``content.metadata``, so that it is saved with the notebook.
    """

    kind: TagKind
    cell_id: str | None = None
    label: str = ""
    status: Status | None = None
    execution_count: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        out: dict[str, Any] = {"kind": self.kind.value}
        if self.cell_id is not None:
            out["cell_id"] = self.cell_id
        if self.label:
            out["label"] = self.label
        if self.status is not None:
            out["status"] = self.status.value
        if self.execution_count is not None:
            out["execution_count"] = self.execution_count
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Tag:
        """Read a tag; raises KeyError or ValueError for one that is not."""
        status = data.get("status")
        count = data.get("execution_count")
        return cls(
            TagKind(data["kind"]),
            data.get("cell_id"),
            str(data.get("label") or ""),
            Status(status) if status is not None else None,
            count if isinstance(count, int) else None,
        )


def tag_of(msg: Mapping[str, Any]) -> Tag | None:
    """The tag of an iopub message (a dict as jupyter_client delivers it), or None."""
    for holder in (msg.get("metadata"), (msg.get("content") or {}).get("metadata")):
        data = holder.get(REACTIVE) if isinstance(holder, Mapping) else None
        if isinstance(data, Mapping):
            try:
                return Tag.from_json(data)
            except (KeyError, ValueError):
                return None
    return None


def cell_label(prompt: int | None, code: str, width: int = 40) -> str:
    """How people see a cell: its last prompt number and the start of its first line (``cell [5] x = 1``)."""
    first = next((line.strip() for line in code.splitlines() if line.strip()), "")
    if len(first) > width:
        first = first[: width - 1] + "…"
    count = " " if prompt is None else str(prompt)
    return f"cell [{count}] {first}".rstrip()


def cell_link(cell_id: str, text: str) -> str:
    """HTML for a cell's name that the companion plugin turns into a jump to the cell."""
    from html import escape

    return f'<a class="reactive-cell" href="{CELL_LINK_PREFIX}{escape(cell_id, quote=True)}">{escape(text)}</a>'
