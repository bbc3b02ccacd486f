"""What the benchmark runs inside the kernel: the bare SDK loop, claude_nb (``%%claude``
as a user runs it, and a ``StreamView`` consuming ``messages.stream()``, unopened and
opened), and the naive baseline (the whole answer re-rendered into one HTML widget
every 100 ms)."""

from __future__ import annotations

import time
from typing import Any

import anthropic
import ipywidgets
from IPython import get_ipython
from IPython.display import display
from markdown_it import MarkdownIt

import claude_nb

_client = anthropic.Anthropic()
_pending: dict[int, float] = {}
_stale: dict[int, float] = {}


def _watch_staleness() -> None:
    """The longest a change to a view's state waited before a frame sent it, measured
    around the view (a benchmark's counter has no place in it)."""
    view_class = claude_nb.StreamView
    feed, send = view_class._feed, view_class.send

    def timed_feed(self: Any, event: Any, kind: Any) -> None:
        before = self.state.version
        feed(self, event, kind)
        if self.state.version != before:
            _pending.setdefault(id(self), time.monotonic())

    def timed_send(self: Any, content: Any, buffers: Any = None) -> None:
        since = _pending.pop(id(self), None)
        if since is not None:
            _stale[id(self)] = max(_stale.get(id(self), 0.0), time.monotonic() - since)
        send(self, content, buffers)

    view_class._feed = timed_feed  # type: ignore[method-assign]
    view_class.send = timed_send  # type: ignore[method-assign]


_watch_staleness()


def _result(view: Any) -> dict[str, Any]:
    return {"staleness": _stale.pop(id(view), 0.0), "final_html": len(view._frames.answer.html.encode())}


_REQUEST = {"model": "claude-bench", "max_tokens": 64000, "messages": [{"role": "user", "content": "bench"}]}


def _rss(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    return 0


def _measure(fn: Any, memory: bool) -> dict[str, Any]:
    """Wall and CPU of one run; peak memory as the rise of the process's resident
    high-water mark (reset first through /proc, so runs in one kernel don't mix)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass
    before = _rss("VmRSS:")
    wall0, cpu0 = time.perf_counter(), time.process_time()
    extra = fn()
    result = {"wall": time.perf_counter() - wall0, "cpu": time.process_time() - cpu0, **(extra or {})}
    result["peak_bytes"] = max(0, _rss("VmHWM:") - before)
    return result


def bare(memory: bool = False) -> dict[str, Any]:
    def run() -> None:
        with _client.messages.stream(**_REQUEST) as stream:
            for _event in stream:
                pass

    return _measure(run, memory)


def floor(memory: bool = False) -> dict[str, Any]:
    """The bare loop plus what any live view pays whatever it shows: ten widget
    messages a second (an empty frame each), sent through ipykernel from the loop."""

    def run() -> dict[str, Any]:
        widget = ipywidgets.HTML()
        display(widget)
        last, seq = time.monotonic(), 0
        with _client.messages.stream(**_REQUEST) as stream:
            for _event in stream:
                now = time.monotonic()
                if now - last >= 0.1:
                    last, seq = now, seq + 1
                    widget.send({"seq": seq})
        return {"staleness": 0.0, "final_html": 0}

    return _measure(run, memory)


def claude(memory: bool = False) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        view = claude_nb.StreamView()
        display(view)
        view.consume(_client.messages.stream(**_REQUEST))
        return _result(view)

    return _measure(run, memory)


def opened(memory: bool = False) -> dict[str, Any]:
    """The helper opened by the caller, who may still ask it for the Message: read as it is."""

    def run() -> dict[str, Any]:
        view = claude_nb.StreamView()
        display(view)
        with _client.messages.stream(**_REQUEST) as stream:
            view.consume(stream)
        return _result(view)

    return _measure(run, memory)


def magic(memory: bool = False) -> dict[str, Any]:
    """``%%claude`` end to end: options, request, the magic's stream, view, binding."""
    shell = get_ipython()
    if "claude" not in shell.magics_manager.magics["cell"]:
        shell.run_line_magic("load_ext", "claude_nb")

    def run() -> dict[str, Any]:
        shell.run_cell_magic("claude", "--new", "bench")
        view = claude_nb.last_view()
        assert view is not None and view.status == "done", view
        return _result(view)

    return _measure(run, memory)


def naive(memory: bool = False) -> dict[str, Any]:
    """What a throttled live view does: plain markdown-it, whole answer, one widget."""
    renderer = MarkdownIt("js-default")

    def run() -> dict[str, Any]:
        widget = ipywidgets.HTML()
        display(widget)
        parts: list[str] = []
        last = time.monotonic()
        pending_since: float | None = None
        worst = 0.0
        with _client.messages.stream(**_REQUEST) as stream:
            for event in stream:
                if event.type == "content_block_delta" and event.delta.type == "text_delta":
                    parts.append(event.delta.text)
                    now = time.monotonic()
                    pending_since = pending_since or now
                    if now - last >= 0.1:
                        widget.value = renderer.render("".join(parts))
                        last = time.monotonic()  # 100 ms of streaming between renders
                        worst = max(worst, last - pending_since)
                        pending_since = None
        widget.value = renderer.render("".join(parts))
        if pending_since is not None:
            worst = max(worst, time.monotonic() - pending_since)
        return {"staleness": worst, "final_html": len(widget.value.encode())}

    return _measure(run, memory)
