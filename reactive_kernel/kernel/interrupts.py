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
request (``take``) or raised as the gate closes.  Only the main thread may
install signal handlers; elsewhere the gate does nothing.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

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
        """Hold interrupts for the block; one noted and not taken is raised as the block ends."""
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
            raise KeyboardInterrupt

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

    def take(self) -> bool:
        """Whether an interrupt was noted (and forget it: the caller delivers it)."""
        noted, self.noted = self.noted, False
        return noted
