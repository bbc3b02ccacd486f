"""``%%claude --bg``: the answer streams in a thread of its own while the next cells
run; its output stays in the cell that started it, and its variable is bound when it
ends.

Where output lands: ipykernel keeps each cell's parent message per thread (context
variables), so the thread runs in a copy of the cell's context *and* pins the parent
explicitly on the kernel's streams and display publisher (an inherited context alone
may stop pinning in a later ipykernel). Widget messages are routed by comm id and
display updates by display id, so the view keeps updating after the cell returned.

Stopping: the kernel's interrupt reaches only the main thread, so a background answer
gets its own Stop button, which raises ``KeyboardInterrupt`` in the answer's thread —
what the interrupt does to a foreground answer — so it ends the same way: "stopped by
the user", what arrived kept and bound.
"""

from __future__ import annotations

import contextvars
import ctypes
import sys
import threading
from collections.abc import Callable
from typing import Any

from ..core.errors import ClaudeError

_running: set[threading.Thread] = set()


def running() -> int:
    """Background answers still streaming in this kernel."""
    return sum(t.is_alive() for t in list(_running))


def cell_parent(shell: Any) -> dict[str, Any] | None:
    """The message of the cell running now (its header, metadata), from the kernel."""
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return None
    try:
        return kernel.get_parent("shell")  # type: ignore[no-any-return]
    except TypeError:
        return kernel.get_parent()  # type: ignore[no-any-return]
    except Exception:
        return None


def _pin(shell: Any, parent: dict[str, Any] | None) -> None:
    """Send this thread's output to the cell that started it."""
    if not parent:
        return
    for target in (sys.stdout, sys.stderr, getattr(shell, "display_pub", None), getattr(shell, "displayhook", None)):
        setter = getattr(target, "set_thread_parent", None)
        if callable(setter):
            try:
                setter(parent)
            except Exception:  # an older kernel: the copied context still carries the parent
                pass


def start(
    work: Callable[[], None],
    shell: Any,
    *,
    name: str,
    stop_button: bool = True,
    before: Callable[[], None] | None = None,
) -> threading.Thread:
    """Run ``work`` in a daemon thread pinned to the current cell, with a Stop button
    shown under the cell's view while it runs (unless the work shows its own). A
    ``ClaudeError`` is shown as its one line in the cell, as in the foreground.

    ``before`` runs first in the same thread: what shows the view (and imports the SDK
    to do it, seconds in a fresh kernel), so the cell returns at once; the button
    follows under what it showed."""
    parent = cell_parent(shell)
    context = contextvars.copy_context()
    stop = _StopButton(name)

    def run() -> None:
        _pin(shell, parent)
        try:
            if before is not None:
                before()
            if stop_button:
                stop.show()
            work()
        except ClaudeError as exc:
            print(f"ClaudeError: {exc}", file=sys.stderr)
        except BaseException as exc:  # a bug: one line, not a lost thread
            print(f"{name}: {type(exc).__name__}: {exc}", file=sys.stderr)
        finally:
            stop.remove()
            _running.discard(threading.current_thread())

    thread = threading.Thread(target=context.run, args=(run,), name=f"claude-nb-bg-{name}", daemon=True)
    stop.thread = thread
    _running.add(thread)
    thread.start()
    return thread


def interrupt(thread: threading.Thread) -> bool:
    """Raise KeyboardInterrupt in ``thread`` (when it next runs Python code)."""
    ident = thread.ident
    if ident is None or not thread.is_alive():
        return False
    done = ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(KeyboardInterrupt))
    return bool(done == 1)


class _StopButton:
    """A Stop button under a background answer; gone (an empty output) when it ends."""

    def __init__(self, name: str) -> None:
        self.thread: threading.Thread | None = None
        self._name = name
        self._handle: Any = None
        self._button: Any = None

    def show(self) -> None:
        name = self._name
        try:
            import ipywidgets as w
            from IPython.display import display
        except ImportError:
            return
        button = w.Button(description="Stop", icon="stop", tooltip=f"Stop this answer ({name} gets what arrived)")
        button.on_click(self._clicked)
        self._button = button
        self._handle = display(button, display_id=True)

    def _clicked(self, _: Any) -> None:
        if self.thread is not None and interrupt(self.thread) and self._button is not None:
            self._button.disabled = True
            self._button.description = "Stopping"

    def remove(self) -> None:
        if self._handle is not None:
            self._handle.update({"text/plain": ""}, raw=True)
        if self._button is not None:
            self._button.close()
