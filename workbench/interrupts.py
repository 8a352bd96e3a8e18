"""Interrupts that are never lost: a SIGINT handler that also remembers.

Python turns SIGINT into KeyboardInterrupt in whatever runs next on the main thread — which can
be a garbage-collection callback, where the exception is printed and dropped ("Exception
ignored in …"). A turn with the agent would then go on as if nothing happened. While a turn
runs, the workbench's handler raises KeyboardInterrupt as usual *and* records the request, so
the turn stops at its next step even if the exception was swallowed, and a lab statement's
watchdog (another thread) cancels the running statement.

The record lives on the installed handler itself (`signal.getsignal`): code in any layer asks
`requested()` without importing the agent.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class InterruptFlag:
    """A SIGINT handler: remembers the request, then raises KeyboardInterrupt like Python's own."""

    def __init__(self, outer: InterruptFlag | None = None) -> None:
        self.requested = False
        self.outer = outer  # a handler this one stands in for (nested watching): it hears of it too

    def __call__(self, signum: int, frame: Any) -> None:
        self.requested = True
        if self.outer is not None:
            self.outer.requested = True
        raise KeyboardInterrupt


def requested() -> bool:
    """Whether an interrupt was requested while the current turn runs (False outside turns)."""
    return bool(getattr(signal.getsignal(signal.SIGINT), "requested", False))


@contextmanager
def watching() -> Iterator[InterruptFlag]:
    """Install the remembering handler for the duration (on the main thread; elsewhere only a flag)."""
    if threading.current_thread() is not threading.main_thread():
        yield InterruptFlag()
        return
    previous = signal.getsignal(signal.SIGINT)
    flag = InterruptFlag(previous if isinstance(previous, InterruptFlag) else None)
    signal.signal(signal.SIGINT, flag)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)
