"""Hearing the page while a cell blocks: widget messages dispatched from a wait loop.

ipykernel handles a widget's ``comm_msg`` (a click) only between cells, so a button
of a cell that is still running (a blocking ``map``'s Stop, the agent's Run) is dead
until the cell ends. A wait loop that calls ``Hearing.wait`` instead of sleeping
reads the kernel's own shell socket, dispatches the ``comm_msg`` it finds on the
spot (on the main thread, the cell as its parent) and keeps every other message
(a queued cell, a completion request) in order, to put back behind the cell when the
wait ends. Measured on ipykernel 6.29, 7.0, 7.3 and 7.4: a click is heard in 3–14 ms.

The kernel's internals this reads are not public API: where they differ (another
kernel, another ipykernel), ``Hearing.open`` returns an instance that only sleeps,
and says once that buttons wait for the cell to end (interrupt ■ still stops).

Two traps, each measured to lose a queued cell: a kept message is peeked at (its
header) without recording its signature, or the kernel drops it later as a duplicate;
and the socket's stream is re-armed afterwards, or an edge-triggered stream may never
wake again.

Imports nothing of claude_nb; ipykernel and zmq only when a kernel is running.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

_SAID: set[str] = set()
POLL = 0.05
"""Seconds between two reads of the socket while waiting."""


def _say_once(line: str) -> None:
    if line not in _SAID:
        _SAID.add(line)
        print(line, file=sys.stderr)


class Hearing:
    """Reads the shell socket of the running kernel while a cell waits (see module).

    Nested waits (the agent's consent inside a stream's loop) share the one open
    hearing, so that what each kept goes back in the order it came."""

    _active: Hearing | None = None

    def __init__(self, kernel: Any = None, socket: Any = None, stream: Any = None, *, newer: bool = False) -> None:
        self._kernel = kernel
        self._socket = socket
        self._stream = stream
        self._newer = newer
        self.live = socket is not None
        """True when buttons are heard during the wait (else the wait only sleeps)."""
        self._kept: list[Any] = []
        self._depth = 0
        self.heard = 0
        """How many widget messages were dispatched while waiting."""

    @classmethod
    def open(cls, *, quiet: bool = False) -> Hearing:
        """A hearing for the current cell: live in an ipykernel on its main thread,
        else one that only sleeps (told once, unless ``quiet`` or no kernel at all)."""
        if threading.current_thread() is not threading.main_thread():
            return cls()
        active = Hearing._active
        if active is not None:
            active._depth += 1
            return active
        kernel = _kernel()
        if kernel is None:
            return cls()
        try:
            found = _shell_socket(kernel)
        except Exception:  # internals moved: the fallback, said once
            found = None
        if found is None:
            if not quiet:
                _say_once("claude_nb: this kernel's buttons are heard only when the cell ends; interrupt (■) to stop")
            return cls()
        socket, stream, newer = found
        hearing = Hearing._active = cls(kernel, socket, stream, newer=newer)
        return hearing

    def wait(self, seconds: float, until: Callable[[], bool] | None = None) -> bool:
        """Wait up to ``seconds`` (in steps of ``POLL``), dispatching widget messages;
        returns early, True, once ``until()`` holds."""
        end = time.monotonic() + max(0.0, seconds)
        while True:
            self.pump()
            if until is not None and until():
                return True
            left = end - time.monotonic()
            if left <= 0:
                return False
            if self._socket is None:
                time.sleep(min(POLL, left))
            else:
                self._socket.poll(int(min(POLL, left) * 1000))

    @classmethod
    def current(cls) -> Hearing | None:
        """The hearing open on the main thread now, if any."""
        return Hearing._active

    def pump(self, only: frozenset[str] | None = None) -> int:
        """Dispatch the widget messages waiting now; keep the rest. Returns how many.
        ``only``: dispatch just the messages of these comms (the rest are kept too)."""
        socket = self._socket
        if socket is None:
            return 0
        import zmq

        kernel = self._kernel
        session = kernel.session
        handled = 0
        while socket.poll(0, zmq.POLLIN):
            frames = socket.recv_multipart(copy=False)
            try:
                idents, parts = session.feed_identities(frames, copy=False)
                # The header only: a full read records the signature, and a message put
                # back later would be dropped as a duplicate.
                kind = session.deserialize(parts, content=False, copy=False)["header"]["msg_type"]
            except Exception:
                self._kept.append(frames)
                continue
            if kind != "comm_msg" or (only is not None and _comm_id(session, parts) not in only):
                self._kept.append(frames)
                continue
            try:
                msg = session.deserialize(parts, content=True, copy=False)
                kernel.comm_manager.comm_msg(None, idents, msg)
            except Exception:  # the comm machinery logs its handlers' errors; a bad frame is dropped
                pass
            handled += 1
        self.heard += handled
        return handled

    def close(self) -> None:
        """Put every kept message back behind the cell, in order, and re-arm the stream
        (a nested hearing leaves that to the outermost)."""
        if self._depth:
            self._depth -= 1
            return
        if Hearing._active is self:
            Hearing._active = None
        if self._socket is None:
            return
        self.pump()
        kernel, kept, self._kept = self._kernel, self._kept, []
        loop = kernel.io_loop
        for frames in kept:
            if self._newer:
                loop.add_callback(kernel.shell_main, None, frames)
            else:
                kernel.schedule_dispatch(kernel.dispatch_shell, frames)
        if self._stream is not None:
            loop.add_callback(self._stream._handle_events, self._socket, 0)
        self._socket = None

    def __enter__(self) -> Hearing:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def wait_until(until: Callable[[], bool]) -> None:
    """Wait, hearing the page, until ``until()`` holds: how a button's answer is
    awaited in a running cell (an interrupt ends the wait)."""
    with Hearing.open() as hearing:
        while not until():
            hearing.wait(3600, until=until)


def _comm_id(session: Any, parts: Any) -> str:
    """The comm a message is for, read without checking (or recording) its signature."""
    try:
        content = session.unpack(session.deserialize(parts, content=False, copy=False)["content"])
    except Exception:
        return ""
    return str(content.get("comm_id", "")) if isinstance(content, dict) else ""


def _kernel() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return getattr(shell, "kernel", None) if shell is not None else None


def _shell_socket(kernel: Any) -> tuple[Any, Any, bool] | None:
    """The socket the main thread reads shell messages from, its stream, and whether
    the kernel takes them back through ``shell_main`` (ipykernel 7) or through its
    dispatch queue (6)."""
    if not hasattr(kernel, "comm_manager") or not hasattr(kernel, "io_loop"):
        return None
    newer = hasattr(kernel, "shell_main")
    if not newer and not (hasattr(kernel, "schedule_dispatch") and hasattr(kernel, "dispatch_shell")):
        return None
    channel = getattr(kernel, "shell_channel_thread", None)
    if channel:
        # ipykernel 7: a thread reads the shell socket and forwards to the main thread.
        pair = channel.manager._shell_channel_to_main
        return pair.to_socket, pair.to_stream, newer
    stream = getattr(kernel, "shell_stream", None)
    if stream is None:
        return None
    return stream.socket, stream, newer
