"""A notebook's output areas as JupyterLab keeps them, in the form the oracle compares.

JupyterLab clears a cell's output area when it sends the cell's execute
request, and from then on the area shows only the iopub messages whose parent
is that request: messages under an older request of the cell, or under another
cell's request, never land in it.  Within an area:

- ``stream`` messages of the same name that follow each other merge into one output;
- ``display_data``, ``execute_result`` and ``error`` add an output;
- ``clear_output`` empties the area, or with ``wait=True`` empties it just
  before the next output is added;
- ``update_display_data`` (and a ``display_data`` or ``execute_result`` that
  repeats a ``display_id`` already shown) replaces, in every area, each output
  first shown by ``display_data`` with that ``display_id``; an update is never
  added to its own request's area as a new output.

The kernel's own annotations are not part of the notebook's computation and are
left out: any iopub message whose ``metadata.reactive.kind`` (message-level or
in ``content.metadata``) is ``heading``, ``notice``, ``summary`` or ``progress``
(``reactive_kernel.core.protocol.Tag``).  A fresh run in stock ipykernel never
sends them, and a cell's computed outputs must match without them.

Outputs are compared as text: ``text/plain`` of results and displays (other
MIME types such as images are ignored), stream text, errors as
``ename: evalue``; memory addresses (``0x7f...``) are replaced by ``0x?``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reactive_kernel.core.protocol import TagKind, tag_of

__all__ = ["ANNOTATIONS", "Area", "OutputAreas", "is_annotation", "normalise"]

#: Tag kinds of the kernel's own annotations, left out of every comparison.
ANNOTATIONS = frozenset({TagKind.HEADING, TagKind.NOTICE, TagKind.SUMMARY, TagKind.PROGRESS})

#: iopub message types that change an output area.
_AREA_TYPES = frozenset({"stream", "display_data", "execute_result", "error", "clear_output", "update_display_data"})
_DISPLAYS = frozenset({"display_data", "update_display_data", "execute_result"})
_ADDRESS = re.compile(r"(?<![0-9A-Za-z_])0x[0-9a-fA-F]+")


def normalise(text: str) -> str:
    """``text`` with memory addresses replaced by ``0x?``."""
    return _ADDRESS.sub("0x?", text)


def is_annotation(msg: Mapping[str, Any]) -> bool:
    """True for an iopub message the kernel tagged as its own heading, notice, summary or progress."""
    tag = tag_of(msg)
    return tag is not None and tag.kind in ANNOTATIONS


def _plain(content: Mapping[str, Any]) -> str:
    data = content.get("data") or {}
    text = data.get("text/plain", "")
    if isinstance(text, list):
        text = "".join(text)
    return text


@dataclass
class Area:
    """One cell's output area: the outputs shown under its latest request ``request``."""

    request: str | None = None
    outputs: list[dict] = field(default_factory=list)
    clear_next: bool = False
    display_ids: dict[str, list[int]] = field(default_factory=dict)

    def clear(self) -> None:
        self.outputs.clear()
        self.display_ids.clear()
        self.clear_next = False

    def add(self, msg_type: str, content: Mapping[str, Any]) -> None:
        """Apply one ``stream``, ``display_data``, ``execute_result``, ``error`` or ``clear_output``."""
        if msg_type == "clear_output":
            if content.get("wait"):
                self.clear_next = True
            else:
                self.clear()
            return
        if self.clear_next:
            self.clear()
        if msg_type == "stream":
            name, text = content.get("name", "stdout"), content.get("text", "")
            last = self.outputs[-1] if self.outputs else None
            if last is not None and last["type"] == "stream" and last["name"] == name:
                last["text"] += text
            else:
                self.outputs.append({"type": "stream", "name": name, "text": text})
            return
        if msg_type == "error":
            self.outputs.append({"type": "error", "text": f"{content.get('ename')}: {content.get('evalue')}"})
            return
        self.outputs.append({"type": msg_type, "text": _plain(content)})
        display_id = (content.get("transient") or {}).get("display_id")
        if msg_type == "display_data" and display_id:
            self.display_ids.setdefault(display_id, []).append(len(self.outputs) - 1)

    def update(self, display_id: str, content: Mapping[str, Any]) -> bool:
        """Replace the outputs first shown with ``display_id``; True if there were any."""
        indexes = self.display_ids.get(display_id)
        if not indexes:
            return False
        for index in indexes:
            self.outputs[index] = {"type": "display_data", "text": _plain(content)}
        return True

    def shown(self) -> list[str]:
        """The outputs as compared: ``stdout: ...``, ``stderr: ...``, ``result: ...``, ``display: ...``, ``error: ...``."""
        out = []
        for o in self.outputs:
            kind = {"stream": o.get("name"), "execute_result": "result", "display_data": "display"}.get(
                o["type"], o["type"]
            )
            out.append(f"{kind}: {normalise(o['text'])}")
        return out


class OutputAreas:
    """Every cell's output area in one notebook, fed with iopub messages in arrival order."""

    def __init__(self) -> None:
        self.areas: dict[str, Area] = {}
        self._owner: dict[str, str] = {}

    def start(self, cell_id: str, msg_id: str) -> None:
        """The frontend sends request ``msg_id`` for ``cell_id``: the area empties and follows that request."""
        old = self.areas.get(cell_id)
        if old is not None and old.request is not None:
            self._owner.pop(old.request, None)
        self.areas[cell_id] = Area(msg_id)
        self._owner[msg_id] = cell_id

    def cell_of(self, msg_id: str | None) -> str | None:
        """The cell whose area follows request ``msg_id``, if any."""
        return self._owner.get(msg_id) if msg_id else None

    def feed(self, msg: Mapping[str, Any]) -> None:
        """Apply one iopub message (a dict as jupyter_client delivers it)."""
        msg_type = msg.get("msg_type") or msg.get("header", {}).get("msg_type")
        if msg_type not in _AREA_TYPES or is_annotation(msg):
            return
        content = msg.get("content") or {}
        display_id = (content.get("transient") or {}).get("display_id")
        if msg_type in _DISPLAYS and display_id:
            for area in self.areas.values():
                area.update(display_id, content)
            if msg_type == "update_display_data":
                return
        elif msg_type == "update_display_data":
            return
        cid = self.cell_of((msg.get("parent_header") or {}).get("msg_id"))
        if cid is None:
            return
        self.areas[cid].add(msg_type, content)

    def feed_all(self, messages: Iterable[Mapping[str, Any]]) -> None:
        for msg in messages:
            self.feed(msg)

    def shown(self, cell_id: str) -> list[str]:
        """What ``cell_id``'s area shows (empty for a cell never run)."""
        area = self.areas.get(cell_id)
        return area.shown() if area is not None else []
