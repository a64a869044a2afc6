"""Interrupts held while the kernel updates its graph and namespace, delivered when a cell's code runs next.

An interrupt is SIGINT.  Blocking it on the main thread does not hold it:
the process delivers it to another thread, whose C handler still makes the
main thread raise ``KeyboardInterrupt`` at its next bytecode, which may be
halfway through the kernel's bookkeeping, or inside a ``__del__`` run by a
deletion, where Python prints the exception and drops it.

``InterruptGate`` swaps the Python-level handler instead.  While it is held
(the kernel's own work on a request) SIGINT only notes that an interrupt
came; while it is open (a cell's code runs) SIGINT raises as usual.  Opening
the gate with an interrupt noted raises it at once, before the cell starts;
an interrupt still noted when the request's work ends is taken by the
request (``take``) or handed, as the gate closes, to the handler that was
in place (which raises it during a request, and drops it between requests).
Every message the kernel sends, and every line it logs, goes out whole with
interrupts held (``whole``): an interrupt between two parts of a message
leaves the socket mid-message, and one inside a log handler leaves the
handler's lock taken, so that the next thread to log waits for good.
Only the main thread may install signal handlers; elsewhere the gate does
nothing.
"""

from __future__ import annotations

import functools
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["InterruptGate"]


class InterruptGate:
    """Holds SIGINT during the kernel's updates; see the module docstring."""

    def __init__(self) -> None:
        self.noted = False
        self._held = 0

    def _note(self, signum: int, frame: object) -> None:
        self.noted = True

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold interrupts for the block; one noted and not taken goes, as the block ends, to the handler before.

        That handler is ipykernel's ``default_int_handler`` (it raises
        ``KeyboardInterrupt``) while a request is handled, and ``SIG_IGN``
        between requests (the interrupt is dropped, as ipykernel drops it).
        """
        if threading.current_thread() is not threading.main_thread() or self._held:
            yield
            return
        previous = signal.signal(signal.SIGINT, self._note)
        self._held = 1
        try:
            yield
        finally:
            self._held = 0
            signal.signal(signal.SIGINT, previous)
        if self.noted:
            self.noted = False
            if callable(previous):
                previous(signal.SIGINT, None)

    @contextmanager
    def open(self) -> Iterator[None]:
        """Let interrupts through for the block (a cell's code); one noted before it is raised at once."""
        if not self._held:
            yield
            return
        if self.noted:
            self.noted = False
            raise KeyboardInterrupt
        signal.signal(signal.SIGINT, signal.default_int_handler)
        self._held = 0
        try:
            yield
        finally:
            self._held = 1
            signal.signal(signal.SIGINT, self._note)

    def whole(self, call: Callable[..., Any]) -> Callable[..., Any]:
        """``call`` with interrupts held while it runs (a message send, a log handler)."""

        @functools.wraps(call)
        def whole_call(*args: Any, **kwargs: Any) -> Any:
            with self.held():
                return call(*args, **kwargs)

        return whole_call

    def guard_logging(self, log: logging.Logger) -> None:
        """Hold interrupts in the log handlers that ``log``'s and every other logger's records reach.

        Those are ``log``'s handlers, the root logger's, and ``logging.lastResort``.
        """
        handlers = [*log.handlers, *logging.getLogger().handlers, logging.lastResort]
        for handler in handlers:
            if handler is not None and not getattr(handler.handle, "_whole", False):
                handler.handle = self.whole(handler.handle)  # type: ignore[method-assign]
                handler.handle._whole = True  # type: ignore[attr-defined]

    def take(self) -> bool:
        """Whether an interrupt was noted (and forget it: the caller delivers it)."""
        noted, self.noted = self.noted, False
        return noted
