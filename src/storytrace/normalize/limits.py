"""A wall-clock limit on extracting one page, in any thread.

trafilatura and our own stripper are Python over lxml trees: a hostile page
(or an honest but pathological one) can keep them busy far longer than any
article deserves. A signal alarm would only work in the main thread, and the
web app normalizes in worker threads, so a watchdog timer raises
:class:`ExtractionTimeout` in the thread that overran instead (CPython's
``PyThreadState_SetAsyncExc``: delivered at the next bytecode, so a single
long call into C finishes first).
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["ExtractionTimeout", "within"]


class ExtractionTimeout(BaseException):
    """Raised inside a :func:`within` block that ran out of time.

    A ``BaseException`` on purpose: libraries that wrap their work in
    ``except Exception`` (trafilatura does) must not swallow it.
    """


@contextmanager
def within(seconds: float | None) -> Iterator[None]:
    """Raise :class:`ExtractionTimeout` in this thread if the block runs past ``seconds``.

    Args:
        seconds: the limit; ``None`` or a value ``<= 0`` means none.

    Raises:
        ExtractionTimeout: the block was still running when time was up.
    """
    if not seconds or seconds <= 0:
        yield
        return
    thread_id = threading.get_ident()
    lock = threading.Lock()
    state = {"running": True, "fired": False}

    def expire() -> None:
        with lock:
            if state["running"]:
                state["fired"] = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(thread_id), ctypes.py_object(ExtractionTimeout)
                )

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            state["running"] = False
            fired = state["fired"]
        if fired:
            # The exception may still be pending (it was set after the block's
            # last bytecode); clear it so it cannot go off in the caller later.
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), None)
    if fired:
        raise ExtractionTimeout
