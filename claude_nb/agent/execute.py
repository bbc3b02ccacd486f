"""Running the agent's code in the user's namespace, inside the running cell.

The code runs as a nested ``shell.run_cell`` (the execution count does not move)
inside ``capture_output``: what it prints, displays and returns comes back to the
model instead of the page. An error's traceback is published by the kernel past the
capture, so the shell's traceback hooks are replaced for the call and the error is
summarised as ``%claude fix`` does (the user's frames). A watchdog sends the main
thread a SIGINT, as the kernel's interrupt does, when the run takes longer than its timeout (a long C call finishes
first; the kernel's own interrupt still works).
"""

from __future__ import annotations

import _thread
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..prompt import fix as _fix
from .namespace import redact, visible

OUTPUT_CHARS = 6_000
"""Of stdout and of stderr, the most characters sent: head and tail, the middle cut."""


@dataclass
class Ran:
    """What one run did."""

    ok: bool
    seconds: float
    stdout: str = ""
    stderr: str = ""
    value: str = ""
    error: str = ""
    timed_out: bool = False
    changed: list[str] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)

    def report(self) -> str:
        """The tool result's text: status, time, changes, output, error."""
        status = "timed out" if self.timed_out else ("ran" if self.ok else "raised an error")
        lines = [f"{status} in {self.seconds:.2f} s"]
        if self.changed:
            lines.append("variables created or rebound: " + ", ".join(self.changed))
        if self.stdout:
            lines.append("stdout:\n" + self.stdout)
        if self.stderr:
            lines.append("stderr:\n" + self.stderr)
        lines.extend(f"displayed: {text}" for text in self.shown)
        if self.images:
            lines.append(f"{len(self.images)} image(s) displayed, attached below")
        if self.value:
            lines.append("value: " + self.value)
        if self.error:
            lines.append("error:\n" + self.error)
        return redact("\n".join(lines))


def head_and_tail(text: str, limit: int = OUTPUT_CHARS) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[… {len(text) - 2 * half:,} characters cut …]\n{text[-half:]}"


def _fingerprint(namespace: dict[str, Any]) -> dict[str, int]:
    return {name: id(value) for name, value in namespace.items()}


def run_code(shell: Any, code: str, timeout: float) -> Ran:
    """Run ``code`` in ``shell``'s namespace and report what happened (never raises for
    the code's own errors; a user's interrupt is re-raised after the report is made)."""
    from IPython.utils.capture import capture_output

    before = _fingerprint(shell.user_ns)
    fired = threading.Event()

    def expire() -> None:
        fired.set()
        try:
            # A real SIGINT to the main thread, as the kernel's own interrupt sends:
            # it also wakes a sleeping system call, which a simulated one does not.
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
        except (AttributeError, OSError, ValueError):
            _thread.interrupt_main()

    watchdog = threading.Timer(timeout, expire)
    hooks = {name: shell.__dict__.get(name) for name in ("showtraceback", "_showtraceback", "showsyntaxerror")}
    for name in hooks:
        setattr(shell, name, lambda *a, **k: None)
    started = time.monotonic()
    result: Any = None
    interrupted = False
    try:
        with capture_output(display=True) as captured:
            watchdog.start()
            try:
                result = shell.run_cell(code, store_history=False, silent=False)
            except KeyboardInterrupt:
                interrupted = True
            finally:
                watchdog.cancel()
    finally:
        for name, hook in hooks.items():
            if hook is None:
                shell.__dict__.pop(name, None)
            else:
                setattr(shell, name, hook)
    seconds = time.monotonic() - started
    error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
    timed_out = fired.is_set()
    if isinstance(error, KeyboardInterrupt) and not timed_out:
        interrupted = True
    ran = Ran(ok=error is None and not interrupted, seconds=seconds, timed_out=timed_out)
    ran.stdout = head_and_tail(captured.stdout)
    ran.stderr = head_and_tail(captured.stderr)
    if error is not None and not isinstance(error, KeyboardInterrupt):
        ran.error = _fix.report(error, question=False)
    elif timed_out:
        ran.error = f"stopped after the run's timeout of {timeout:g} s"
    value = getattr(result, "result", None)
    if value is not None:
        ran.value = head_and_tail(repr(value), 2_000)
    for output in captured.outputs:
        data = output.data
        if "image/png" in data:
            ran.images.append(
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data["image/png"]}}
            )
        elif "text/plain" in data:
            ran.shown.append(head_and_tail(str(data["text/plain"]), 1_000))
    after = visible(shell.user_ns)
    ran.changed = [name for name in after if before.get(name) != id(after[name])]
    if interrupted:
        raise KeyboardInterrupt
    return ran
