"""Seeing the outputs the kernel publishes: whether a request got any, and headings sent just in time.

ipykernel publishes every output (streams from its IO thread, displays,
results, errors from the main thread) through one ``Session``.  An
``OutputWatch`` wraps that session's ``send`` so the cascade can

- learn whether a cell's run published anything under a request, so that a
  later re-run sends ``clear_output`` only when there is something to clear;
- send a cell's heading just before the cell's first output under the current
  request, and no heading for a cell that publishes nothing.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from jupyter_client.session import Session, extract_header

__all__ = ["OUTPUT_TYPES", "OutputWatch", "flush_streams"]

#: iopub messages that put something in an output area (``clear_output`` empties one).
OUTPUT_TYPES = frozenset({"stream", "display_data", "update_display_data", "execute_result", "error"})


def flush_streams() -> None:
    """Flush stdout/stderr if they hold text, so messages sent next keep their place after it."""
    for stream in (sys.stdout, sys.stderr):
        buffers = getattr(stream, "_buffers", None)
        if buffers is None or any(b.tell() for b in list(buffers.values())):
            stream.flush()


class OutputWatch:
    """Wraps ``session.send``; thread-safe, since streams are sent from ipykernel's IO thread."""

    def __init__(self, session: Session) -> None:
        self._send = session.send
        session.send = self.send  # type: ignore[method-assign]
        self._lock = threading.Lock()
        self._watched: str | None = None
        self._seen = False
        self._armed: tuple[str, tuple, dict] | None = None

    def send(self, stream: Any, msg_or_type: Any, content: Any = None, parent: Any = None, *args: Any, **kwargs: Any):
        """``Session.send``, noting outputs and firing an armed heading first."""
        if self._watched is not None or self._armed is not None:
            if isinstance(msg_or_type, str):
                msg_type, parent_id = msg_or_type, extract_header(parent).get("msg_id")
            else:
                msg_type = msg_or_type["header"]["msg_type"]
                parent_id = msg_or_type.get("parent_header", {}).get("msg_id")
            if msg_type in OUTPUT_TYPES:
                with self._lock:
                    if self._armed is not None and self._armed[0] == parent_id:
                        _, heading_args, heading_kwargs = self._armed
                        self._armed = None
                        self._send(*heading_args, **heading_kwargs)
                    if parent_id == self._watched:
                        self._seen = True
        return self._send(stream, msg_or_type, content, parent, *args, **kwargs)

    def raw_send(self, *args: Any, **kwargs: Any):
        """``Session.send`` without watching (for the kernel's own bookkeeping messages)."""
        return self._send(*args, **kwargs)

    def watch(self, msg_id: str) -> None:
        """Start noting whether outputs go under request ``msg_id``."""
        with self._lock:
            self._watched, self._seen = msg_id, False

    def unwatch(self) -> bool:
        """Stop watching; True if an output went under the watched request."""
        with self._lock:
            seen, self._watched, self._seen = self._seen, None, False
        return seen

    def arm(self, msg_id: str, *args: Any, **kwargs: Any) -> None:
        """Send ``session.send(*args, **kwargs)`` just before the next output under ``msg_id``."""
        with self._lock:
            self._armed = (msg_id, args, kwargs)

    def disarm(self) -> bool:
        """Drop an armed message that never fired; True if it had fired."""
        with self._lock:
            fired, self._armed = self._armed is None, None
        return fired
