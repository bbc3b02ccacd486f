"""The frame clock: coalesce many small changes into at most one frontend update per
frame, with a trailing flush so nothing stays stale longer than a frame.

The frame stretches with the cost of a flush (aider's mdstream does the same), in
two steps. Up to ``MAX_STRETCH`` times the configured interval it keeps drawing
within ``BUDGET`` of the wall time: a frame that costs half a millisecond, render
and send, is drawn at most every ``0.5 ms / BUDGET``. The bare SDK loop itself uses
only two or three per cent of a core at API pace, and a frame costs about a
millisecond of CPU in a kernel (caches are cold after tens of milliseconds of
waiting; ipykernel's own share, an empty widget message, is about 0.45 ms), so
drawing every 50 ms regardless would add more than half again to what receiving
costs; at API pace the frame settles at its longest, ten frames a second. Beyond
that stretch, only a really expensive flush (a long live block at full speed) stretches
the frame further, to ``ADAPT`` times its cost, so the kernel never falls behind.

The stream thread flushes inline when a frame is due (no handoff on the hot path);
a helper thread only wakes for the trailing flush after a burst, e.g. when the model
pauses between two keys of a tool input. The helper runs in a copy of the creating
thread's context so ipykernel routes its messages to the right cell.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable

BUDGET = 1 / 200
MAX_STRETCH = 2.0
ADAPT = 5.0


class FrameClock:
    def __init__(self, interval: float, flush: Callable[[], None], *, trailing_thread: bool = True) -> None:
        self.interval = interval
        self._flush_fn = flush
        self._cost = 0.0
        self._cond = threading.Condition()
        self._last = float("-inf")
        self._pending = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self._use_thread = trailing_thread and interval > 0
        self._frame = max(interval, 0.0)

    @property
    def frame(self) -> float:
        """The current frame: the configured interval, stretched under load (0 stays 0:
        every change is sent, which tests of the patch protocol rely on)."""
        return self._frame

    def _stretched(self) -> float:
        if self.interval <= 0:
            return 0.0
        within_budget = min(self._cost / BUDGET, MAX_STRETCH * self.interval)
        return max(self.interval, within_budget, ADAPT * self._cost)

    def _flush(self) -> None:
        start = time.perf_counter()
        self._flush_fn()
        cost = time.perf_counter() - start
        self._cost = 0.7 * self._cost + 0.3 * cost
        self._frame = self._stretched()

    def _start_thread(self) -> None:
        ctx = contextvars.copy_context()
        self._thread = threading.Thread(target=ctx.run, args=(self._run,), name="claude-nb-frame", daemon=True)
        self._thread.start()

    def tick(self, now: float, *, urgent: bool = False) -> None:
        """Something changed at ``now``: flush if a frame has passed (or it is
        ``urgent``, e.g. a tool call just closed), else leave it pending."""
        if urgent or now - self._last >= self._frame:
            self._last = now
            self._pending = False
            self._flush()
            return
        if not self._pending:
            self._pending = True
            if self._use_thread:
                if self._thread is None:
                    self._start_thread()
                with self._cond:
                    self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
            delay = self._last + self.frame - time.monotonic()
            if delay > 0:
                with self._cond:
                    self._cond.wait(delay)
                    if self._closed:
                        return
            if self._pending and time.monotonic() - self._last >= self.frame:
                self._last = time.monotonic()
                self._pending = False
                self._flush()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=1.0)
