"""Handing events to their listeners: one callback and any number of async streams."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from .records import CellEvent

__all__ = ["EventHub", "EventStream"]

log = logging.getLogger(__name__)

_CLOSED = object()


class EventStream:
    """An async iterator over a hub's events, from its creation on.

    It ends when its hub closes (the coordinator shuts down) or ``close()`` is called.
    """

    def __init__(self, hub: EventHub) -> None:
        self._queue: asyncio.Queue = asyncio.Queue()
        self._hub = hub
        hub._streams.add(self)

    def close(self) -> None:
        """Stop receiving; iteration ends after the events already queued."""
        if self in self._hub._streams:
            self._hub._streams.discard(self)
            self._queue.put_nowait(_CLOSED)

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> CellEvent:
        item = await self._queue.get()
        if item is _CLOSED:
            raise StopAsyncIteration
        return item


class EventHub:
    """Publishes each event to ``on_event`` (errors in it are logged, not raised) and to every open stream."""

    def __init__(self, on_event: Callable[[CellEvent], None] | None = None) -> None:
        self.on_event = on_event
        self._streams: set[EventStream] = set()

    def stream(self) -> EventStream:
        """A new stream of the events from now on."""
        return EventStream(self)

    def publish(self, event: CellEvent) -> None:
        """Hand ``event`` to the callback and every stream."""
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:
                log.exception("on_event callback failed for %s", event.kind)
        for stream in self._streams:
            stream._queue.put_nowait(event)

    def close(self) -> None:
        """End every open stream."""
        for stream in list(self._streams):
            stream.close()
