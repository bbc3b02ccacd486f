"""How a stream ends early: the view's Stop button, heard while the cell that
streams is still running, and what the footer says of an ending that failed.

A stream's loop runs in the cell, so ipykernel would handle the click only once the
answer is over. Between events the loop lets ``core.hearing`` dispatch the page's
widget messages (at most ten times a second: a poll of a socket, microseconds),
then ends the stream if Stop was pressed: what arrived is kept, as with an
interrupt. A silent server delays the click until its next event (a ping, at most
seconds apart). In a background answer the kernel hears the click itself.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from ..core.errors import describe_exception
from ..core.hearing import Hearing

PUMP_EVERY = 0.1
"""Seconds between two reads of the page's messages while events arrive."""


class StopPressed(KeyboardInterrupt):
    """The page's Stop button: ends the stream as an interrupt does."""


def listened(events: Iterable[Any], stop_asked: Callable[[], bool]) -> Generator[Any, None, None]:
    """``events``, with the page heard between them; raises ``StopPressed`` once asked."""
    hearing = Hearing.open(quiet=True)
    last = time.monotonic()
    try:
        for event in events:
            yield event
            if hearing.live:
                now = time.monotonic()
                if now - last >= PUMP_EVERY:
                    last = now
                    hearing.pump()
            if stop_asked():
                raise StopPressed
    finally:
        hearing.close()


@contextmanager
def heard_while_running(view: Any) -> Iterator[None]:
    """While code runs on the main thread inside a stream (the agent's run), a helper
    thread hears this view's own Stop (its messages only: the rest stay queued) and
    interrupts the run as the kernel's interrupt does."""
    hearing = Hearing.current()
    comm = getattr(view, "comm", None)
    if hearing is None or not hearing.live or comm is None:
        yield
        return
    done = threading.Event()
    main = threading.main_thread().ident or 0

    def watch() -> None:
        while not done.wait(PUMP_EVERY):
            hearing.pump(only=frozenset({comm.comm_id}))
            if view._stop_asked and not done.is_set():
                signal.pthread_kill(main, signal.SIGINT)
                return

    watcher = threading.Thread(target=watch, name="claude-nb-stop", daemon=True)
    watcher.start()
    try:
        yield
    except KeyboardInterrupt:
        if view._stop_asked:
            raise StopPressed from None  # the view's Stop, heard during the run
        raise
    finally:
        done.set()
        watcher.join()


def failure(exc: BaseException, mid_stream: bool) -> tuple[str, bool]:
    """What the footer says, and whether the user stopped it (Stop, interrupt, cancel)."""
    if isinstance(exc, (KeyboardInterrupt, asyncio.CancelledError)):
        return "stopped by the user", True
    return describe_exception(exc, mid_stream=mid_stream).summary, False


async def aclose_quietly(stream: Any) -> None:
    close = getattr(stream, "close", None)
    if close is not None:
        try:
            await close()
        except Exception:
            pass
