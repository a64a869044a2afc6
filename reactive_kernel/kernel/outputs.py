"""Seeing, tagging and keeping the outputs the kernel publishes while a cascade runs.

ipykernel publishes every output (streams from its IO thread; displays,
results and errors from the main thread) through one ``jupyter_client``
``Session``.  ``OutputWatch`` wraps that session's ``send`` so that, while a
cascade member runs,

- each of its outputs (and each ``clear_output``) carries the tag
  ``metadata.reactive = {"kind": "output"|"clear", "cell_id": ...}`` in the
  message's own metadata, for clients that route outputs by cell;
- a heading armed for it goes out just before its first output (a cell that
  prints nothing gets none);
- its outputs are copied under a second request when another client session
  last ran the cell (that client shows them in the cell's own area);
- its outputs are kept, so that the cell's own request, arriving after the
  cascade ran it, can show them instead of running the cell again;
- the kernel learns whether it published anything, so that a later re-run
  sends ``clear_output`` only when there is something to clear.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jupyter_client.session import Session, extract_header

from ..core.protocol import REACTIVE, Tag, TagKind

__all__ = ["OUTPUT_TYPES", "MemberRun", "OutputWatch", "compact", "flush_streams"]

#: iopub messages that put something in an output area (``clear_output`` empties one).
OUTPUT_TYPES = frozenset({"stream", "display_data", "update_display_data", "execute_result", "error"})
_WATCHED_TYPES = OUTPUT_TYPES | {"clear_output"}

#: The most messages kept for one run; a run that publishes more is not kept.
KEEP_LIMIT = 500


def flush_streams() -> None:
    """Flush stdout/stderr if they hold text, so messages sent next keep their place after it."""
    for stream in (sys.stdout, sys.stderr):
        buffers = getattr(stream, "_buffers", None)
        if buffers is None or any(b.tell() for b in list(buffers.values())):
            stream.flush()


@dataclass
class MemberRun:
    """One cascade member's run: where its outputs go, its tag, and what it published."""

    cell_id: str
    target: dict
    mirror: dict | None = None
    count: int | None = None
    kept: list[tuple[str, dict]] | None = field(default_factory=list)
    seen: bool = False

    @property
    def target_id(self) -> str:
        return self.target["header"]["msg_id"]


class OutputWatch:
    """Wraps ``session.send``; thread-safe, since streams are sent from ipykernel's IO thread."""

    def __init__(self, session: Session) -> None:
        self._send = session.send
        session.send = self.send  # type: ignore[method-assign]
        self._lock = threading.Lock()
        self._member: MemberRun | None = None
        self._watched: str | None = None
        self._seen = False
        self._armed: tuple[str, Callable[[], tuple[tuple, dict]]] | None = None

    def send(self, stream: Any, msg_or_type: Any, content: Any = None, parent: Any = None, *args: Any, **kwargs: Any):
        """``Session.send``, tagging, keeping and copying a member's outputs, firing an armed heading first."""
        if self._member is None and self._watched is None and self._armed is None:
            return self._send(stream, msg_or_type, content, parent, *args, **kwargs)
        if isinstance(msg_or_type, str):
            msg_type, parent_id = msg_or_type, extract_header(parent).get("msg_id")
        else:
            msg_type = msg_or_type["header"]["msg_type"]
            parent_id = msg_or_type.get("parent_header", {}).get("msg_id")
        if msg_type not in _WATCHED_TYPES:
            return self._send(stream, msg_or_type, content, parent, *args, **kwargs)
        copy = None
        with self._lock:
            armed = self._armed
            if armed is not None and armed[0] == parent_id and msg_type in OUTPUT_TYPES:
                self._armed = None
                heading_args, heading_kwargs = armed[1]()
                self._send(*heading_args, **heading_kwargs)
            member = self._member
            if member is not None and parent_id == member.target_id:
                kind = TagKind.CLEAR if msg_type == "clear_output" else TagKind.OUTPUT
                tag = {REACTIVE: Tag(kind, member.cell_id, execution_count=member.count).to_json()}
                body = _content(msg_or_type, content, kwargs)
                if isinstance(msg_or_type, str):
                    kwargs["metadata"] = {**(kwargs.get("metadata") or {}), **tag}
                else:
                    msg_or_type.setdefault("metadata", {}).update(tag)
                if msg_type in OUTPUT_TYPES:
                    member.seen = True
                if member.kept is not None:
                    member.kept.append((msg_type, body))
                    if len(member.kept) > KEEP_LIMIT:
                        member.kept = None
                if member.mirror is not None:
                    copy = (msg_type, body, member.mirror, tag)
            if parent_id == self._watched and msg_type in OUTPUT_TYPES:
                self._seen = True
        sent = self._send(stream, msg_or_type, content, parent, *args, **kwargs)
        if copy is not None:
            msg_type, body, mirror, tag = copy
            self._send(
                stream, msg_type, body, mirror, ident=kwargs.get("ident"), metadata=tag, buffers=kwargs.get("buffers")
            )
        return sent

    # -- a cascade member ----------------------------------------------------------
    def begin(self, member: MemberRun) -> None:
        """Start watching a cascade member's run."""
        with self._lock:
            self._member = member

    def end(self) -> MemberRun | None:
        """Stop watching the member; returns it (with what it published and kept)."""
        with self._lock:
            member, self._member = self._member, None
        return member

    # -- the executed cell ---------------------------------------------------------
    def watch(self, msg_id: str) -> None:
        """Start noting whether outputs go under request ``msg_id``."""
        with self._lock:
            self._watched, self._seen = msg_id, False

    def unwatch(self) -> bool:
        """Stop watching; True if an output went under the watched request."""
        with self._lock:
            seen, self._watched, self._seen = self._seen, None, False
        return seen

    # -- headings ------------------------------------------------------------------
    def arm(self, msg_id: str, make: Callable[[], tuple[tuple, dict]]) -> None:
        """Just before the next output under ``msg_id``, send ``session.send(*args, **kwargs)``
        with what ``make()`` returns (made only then: most re-runs of a long cascade print nothing)."""
        with self._lock:
            self._armed = (msg_id, make)

    def disarm(self) -> bool:
        """Drop an armed message that never fired; True if it had fired."""
        with self._lock:
            fired, self._armed = self._armed is None, None
        return fired


def _content(msg_or_type: Any, content: Any, kwargs: dict) -> dict:
    if not isinstance(msg_or_type, str):
        return msg_or_type.get("content") or {}
    if content is None:
        content = kwargs.get("content")
    return content if isinstance(content, dict) else {}


def compact(kept: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """What an output area shows after these messages: clears applied, displays updated in place."""
    shown: list[tuple[str, dict]] = []
    clear_pending = False
    for msg_type, content in kept:
        if msg_type == "clear_output":
            if content.get("wait"):
                clear_pending = True
            else:
                shown = []
            continue
        if msg_type == "update_display_data":
            display_id = (content.get("transient") or {}).get("display_id")
            shown = [
                (kind, {**body, "data": content.get("data", {}), "metadata": content.get("metadata", {})})
                if kind == "display_data" and (body.get("transient") or {}).get("display_id") == display_id
                else (kind, body)
                for kind, body in shown
            ]
            continue
        if clear_pending:
            shown, clear_pending = [], False
        shown.append((msg_type, content))
    return shown
