"""Blocking versions of the async classes, derived from them rather than written out.

``class BlockingX(Blocking, wraps=X)`` gives every public coroutine method of
``X`` a blocking twin of the same name, signature and docstring, and every
public property and plain method a twin that runs on the loop; the ``X``
instance lives on an asyncio event loop in a thread of its own.  Results that
are the wrapped object itself come back as the wrapper, so ``start()``
chains.  ``__enter__``/``__exit__`` come from ``__aenter__``/``__aexit__``.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from .coordinator import Coordinator

__all__ = ["Blocking", "BlockingCoordinator"]


class _LoopThread:
    """An event loop running in a daemon thread."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run ``coro`` on the loop and wait for its result (its exception is raised here)."""
        if threading.current_thread() is self.thread:
            coro.close()
            raise RuntimeError("a blocking call from the loop's own thread (an event callback?) would never return")
        if self.loop.is_closed():
            coro.close()
            raise RuntimeError("the blocking wrapper is closed")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call a plain function on the loop and return its result."""

        async def call() -> Any:
            return function(*args, **kwargs)

        return self.run(call())

    def stop(self) -> None:
        """Stop the loop and its thread (idempotent)."""
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join()
            self.loop.close()


class Blocking:
    """Base of the blocking wrappers; see the module's docstring.

    A subclass names the async class with ``wraps=``, with ``closes=`` the
    method after which the loop thread stops, and with ``skip=`` public names
    to leave out.  Constructor arguments go to the async class, which is built
    on the loop.
    """

    _wraps: type
    _closes: str

    def __init_subclass__(cls, *, wraps: type, closes: str, skip: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._wraps, cls._closes = wraps, closes
        for name, member in inspect.getmembers(wraps):
            if name.startswith("_") or name in skip or name in cls.__dict__:
                continue
            if isinstance(member, property):
                setattr(cls, name, _blocking_property(name, member))
            elif inspect.iscoroutinefunction(member):
                setattr(cls, name, _blocking_method(name, member, run=True))
            elif inspect.isfunction(member) and not inspect.isasyncgenfunction(member):
                setattr(cls, name, _blocking_method(name, member, run=False))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._thread = _LoopThread(f"{type(self).__name__}-loop")

        async def build() -> Any:
            return self._wraps(*args, **kwargs)

        self._target = self._thread.run(build())

    def __enter__(self):
        try:
            result = self._thread.run(self._target.__aenter__())
        except BaseException:
            self._close()
            raise
        return self if result is self._target else result

    def __exit__(self, *exc: object) -> None:
        try:
            self._thread.run(self._target.__aexit__(*exc))
        finally:
            self._thread.stop()

    def _close(self) -> None:
        if not self._thread.loop.is_closed():
            try:
                self._thread.run(getattr(self._target, self._closes)())
            finally:
                self._thread.stop()


def _blocking_method(name: str, method: Callable[..., Any], *, run: bool) -> Callable[..., Any]:
    @functools.wraps(method)
    def blocking(self: Blocking, *args: Any, **kwargs: Any) -> Any:
        if name == self._closes:
            if self._thread.loop.is_closed():
                return None
            try:
                result = self._thread.run(getattr(self._target, name)(*args, **kwargs))
            finally:
                self._thread.stop()
        elif run:
            result = self._thread.run(getattr(self._target, name)(*args, **kwargs))
        else:
            result = self._thread.call(getattr(self._target, name), *args, **kwargs)
        return self if result is self._target else result

    return blocking


def _blocking_property(name: str, prop: property) -> property:
    def get(self: Blocking) -> Any:
        return self._thread.call(getattr, self._target, name)

    def set_(self: Blocking, value: Any) -> None:
        self._thread.call(setattr, self._target, name, value)

    return property(get, set_ if prop.fset is not None else None, doc=prop.__doc__)


class BlockingCoordinator(Blocking, wraps=Coordinator, closes="shutdown", skip=("events",)):
    """The Coordinator's API as blocking calls, for scripts and tests.

    The coordinator runs on an event loop in a thread of its own; ``on_event``
    callbacks run on that thread (and must not call back into this object).
    Options are those of Coordinator.  ``interrupt()`` may be called from
    another thread while ``execute()`` blocks.  ``events()``, an async
    iterator, has no blocking twin: use ``on_event``.
    """
