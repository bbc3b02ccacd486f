"""StreamView without Jupyter: patches rebuild exactly what a one-shot render shows."""

from __future__ import annotations

from typing import Any

import anthropic
import pytest

from claude_nb import StreamView
from claude_nb.render.markdown import MarkdownRenderer
from claude_nb.replay import ReplayServer, message_script
from claude_nb.view.snapshot import ANSWER_MIME

from ..scenarios import FAULTS

pytestmark = pytest.mark.sdk  # run again against the oldest supported SDK


class Frontend:
    """The frontend's patch logic (view.js) in Python, on UTF-16 code units as JS does."""

    def __init__(self) -> None:
        self.seq = -1
        self.panes: dict[str, dict[str, Any]] = {"a": {"frozen": [], "live": b""}, "th": {"frozen": [], "live": b""}}
        self.other: dict[str, Any] = {}
        self.renders: list[str] = []

    def apply(self, msg: dict[str, Any]) -> None:
        assert msg["seq"] == self.seq + 1 or msg.get("reset"), "sequence gap"
        for name in ("a", "th"):
            pane = self.panes[name]
            if msg.get("reset"):
                pane["frozen"], pane["live"] = [], b""
            patch = msg.get(name)
            if patch:
                if patch.get("m"):
                    pane["frozen"].append(pane["live"][: patch["m"] * 2].decode("utf-16-le"))
                    pane["live"] = pane["live"][patch["m"] * 2 :]
                pane["frozen"].extend(patch.get("f", []))
                live = pane["live"][: patch["k"] * 2] + patch["t"].encode("utf-16-le")
                assert len(live) // 2 == patch["n"], "length check failed"
                pane["live"] = live
        self.other.update({k: v for k, v in msg.items() if k not in ("a", "th", "seq", "reset")})
        self.seq = msg["seq"]
        self.renders.append(self.html("a"))

    def html(self, name: str) -> str:
        pane = self.panes[name]
        return "".join(pane["frozen"]) + pane["live"].decode("utf-16-le")


class RecordingView(StreamView):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sent: list[dict[str, Any]] = []

    def send(self, content: Any, buffers: Any = None) -> None:
        self.sent.append(content)


def _stream(server: ReplayServer, text: str, *, thinking: str = "", chunk: int = 7) -> Any:
    blocks: list[dict[str, Any]] = []
    if thinking:
        blocks.append({"type": "thinking", "thinking": thinking, "signature": "s"})
    blocks.append({"type": "text", "text": text})
    server.queue(message_script(blocks, chunk=chunk))
    client = anthropic.Anthropic(api_key="sk-test", base_url=server.base_url)
    return client.messages.stream(model="m", max_tokens=100, messages=[{"role": "user", "content": "x"}])


TEXT = (
    "# Emoji 🎉 heading\n\nA paragraph with 😀 and **bold 🚀** text that keeps going for a while.\n\n"
    "| col | 🌍 |\n|---|---|\n| a | b |\n\n```python\nprint('🐍')\n```\n\n- one\n- two 👍\n\nThe end."
)


def test_patches_rebuild_the_final_html_exactly(server: ReplayServer) -> None:
    view = RecordingView(frame_interval=0)  # a frame per event: the hardest case for patches
    message = view.consume(_stream(server, TEXT, thinking="Thinking with 🤔 emoji " * 5))
    front = Frontend()
    for msg in view.sent:
        front.apply(msg)
    one_shot = MarkdownRenderer().render(TEXT)
    assert front.html("a") == one_shot
    assert front.html("th") == MarkdownRenderer().render(view.thinking)
    assert view.status == "done" and message.stop_reason == "end_turn"
    assert len(set(front.renders)) > 20  # it really streamed
    assert any(m.get("a", {}).get("m") for m in view.sent)  # streamed blocks are not sent twice
    assert front.other["st"] == "done"
    assert "tokens" in front.other["foot"]


def test_frame_clock_coalesces(server: ReplayServer) -> None:
    view = RecordingView(frame_interval=10.0)
    view.consume(_stream(server, TEXT * 3, chunk=3))
    # First change flushes at once, the rest coalesce until the end's settle frame.
    assert len(view.sent) <= 6
    front = Frontend()
    for msg in view.sent:
        front.apply(msg)
    assert front.html("a") == MarkdownRenderer().render(TEXT * 3)


def test_sync_request_gets_a_full_reset(server: ReplayServer) -> None:
    view = RecordingView(frame_interval=0)
    stream = _stream(server, TEXT)
    with stream as s:
        for i, event in enumerate(s):
            view.feed(event)
            if i == 40:
                view._on_frontend_msg(view, {"type": "sync"}, [])
                late = Frontend()
                late.apply(view.sent[-1])
                assert view.sent[-1]["reset"]
        final = s.get_final_message()
    assert final is not None
    # A frontend that joins with the reset and follows the rest ends exact.
    tail = view.sent[view.sent.index(next(m for m in view.sent if m.get("reset"))) + 1 :]
    for msg in tail:
        late.apply(msg)
    assert late.html("a") == MarkdownRenderer().render(TEXT)


def test_feed_dicts_from_any_source_builds_a_message() -> None:
    view = RecordingView()
    for step in message_script([{"type": "text", "text": "hi **there**"}]).steps:
        if step.kind == "event":
            view.feed(step.data)
    assert view.status == "done"
    assert view.message is not None and view.message.content[0].text == "hi **there**"  # type: ignore[union-attr]
    assert "<strong>there</strong>" in view.to_html()


def test_error_before_stream_is_shown(server: ReplayServer) -> None:
    from claude_nb.replay import HttpError, Script

    server.queue(Script(error=HttpError(404, "not_found_error", "model: nope")))
    view = RecordingView()
    client = anthropic.Anthropic(api_key="sk-test", base_url=server.base_url, max_retries=0)
    with pytest.raises(anthropic.NotFoundError):
        view.consume(client.messages.stream(model="nope", max_tokens=5, messages=[{"role": "user", "content": "x"}]))
    assert view.status == "error"
    assert "not_found_error" in (view.error or "")
    assert "not_found_error" in view.to_html()


def test_retry_after_is_honoured_then_succeeds(server: ReplayServer) -> None:
    from claude_nb.replay import HttpError, Script

    server.queue(Script(error=HttpError(529, "overloaded_error", "Overloaded", retry_after_ms=5)))
    server.queue(message_script([{"type": "text", "text": "second try"}]))
    view = RecordingView()
    client = anthropic.Anthropic(api_key="sk-test", base_url=server.base_url, max_retries=2)
    message = view.consume(client.messages.stream(model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}]))
    assert message.content[0].text == "second try"  # type: ignore[union-attr]


def test_stall_times_out_and_keeps_partial(server: ReplayServer) -> None:

    server.queue(FAULTS["stall"]({}))
    view = RecordingView()
    client = anthropic.Anthropic(api_key="sk-test", base_url=server.base_url, timeout=anthropic.Timeout(0.5))
    with pytest.raises(Exception) as info:
        view.consume(client.messages.stream(model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}]))
    assert "Timeout" in type(info.value).__name__
    assert view.status == "error"
    assert "stalled" in (view.error or "")
    assert view.text == "This answer is cut off half way through"
    assert view.message is not None


def test_a_request_that_never_connects_is_not_called_a_broken_stream() -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on once it is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    view = RecordingView()
    client = anthropic.Anthropic(api_key="sk-test", base_url=f"http://127.0.0.1:{port}", max_retries=0)
    with pytest.raises(anthropic.APIConnectionError):
        view.consume(client.messages.stream(model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}]))
    assert view.status == "error" and view.error == "could not reach the API"
    assert view.message is None


async def _aconsume(server: ReplayServer) -> tuple[RecordingView, Any]:
    server.queue(message_script([{"type": "text", "text": "async **works**"}]))
    client = anthropic.AsyncAnthropic(api_key="sk-test", base_url=server.base_url)
    view = RecordingView()
    message = await view.aconsume(
        client.messages.stream(model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    )
    return view, message


def test_aconsume(server: ReplayServer) -> None:
    import asyncio

    view, message = asyncio.run(_aconsume(server))
    assert message.content[0].text == "async **works**"
    assert view.status == "done"


def test_reading_from_another_thread_while_streaming_loses_nothing(server: ReplayServer) -> None:
    """``view.text`` read from a second thread (a notebook's background task, a widget
    callback) while ``consume`` feeds the view must never drop text for good."""
    import sys
    import threading

    text = "".join(f"word{i} " for i in range(2000))
    server.queue(message_script([{"type": "thinking", "thinking": text}, {"type": "text", "text": text}], chunk=2))
    view = RecordingView(frame_interval=10.0)  # frames never join the text: only the readers do
    done = threading.Event()
    reads = 0

    def reader() -> None:
        nonlocal reads
        while not done.is_set():
            view.text, view.thinking  # noqa: B018 - the reads are the point
            reads += 1

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, to meet the race
    threads = [threading.Thread(target=reader) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        client = anthropic.Anthropic(api_key="sk-test", base_url=server.base_url)
        request = {"model": "m", "max_tokens": 9000, "messages": [{"role": "user", "content": "x"}]}
        view.consume(
            client.messages.stream(
                **request, thinking={"type": "enabled", "budget_tokens": 1024, "display": "summarized"}
            )
        )  # type: ignore[call-overload]
    finally:
        done.set()
        for t in threads:
            t.join()
        sys.setswitchinterval(interval)
    assert reads > 100
    assert view.text == text and view.thinking == text


def test_an_ended_view_answers_a_sync_from_one_copy_and_lets_go_when_released() -> None:
    view = RecordingView()
    text = "# Title\n\nSome **bold** words.\n\n- a\n- b\n"
    for step in message_script([{"type": "text", "text": text}], chunk=5).steps:
        if step.kind == "event":
            view.feed(step.data)
    assert view.status == "done"
    assert view._frames._answer.html == ""  # the renderer's copy is gone; the patchers hold the answer
    view._on_frontend_msg(view, {"type": "sync"}, [])
    late = Frontend()
    late.apply(view.sent[-1])
    assert late.html("a") == MarkdownRenderer().render(text) == view._frames.answer.html
    assert "<strong>bold</strong>" in view.to_html()
    assert view.comm is not None
    view._on_frontend_msg(view, {"type": "release"}, [])
    assert view.comm is None, "released: the comm is closed"
    assert view.layout.comm is None, "and so is its layout's, which closing a widget leaves open"
    assert "<strong>bold</strong>" in view.to_html(), "the snapshot still works"


def test_a_streaming_view_is_not_released() -> None:
    view = RecordingView()
    view.feed(message_script([{"type": "text", "text": "hi"}]).steps[0].data)
    view._on_frontend_msg(view, {"type": "release"}, [])
    assert view.comm is not None


def test_the_final_frame_and_the_static_bundle_name_the_same_view() -> None:
    """The page hands the live view's DOM to the static answer that names its key: the
    final frame carries it (once, even when nothing else changed), and so does the bundle."""
    view = RecordingView()
    for step in message_script([{"type": "text", "text": "Some **bold** words.\n\n- a\n- b\n"}], chunk=5).steps:
        if step.kind == "event":
            view.feed(step.data)
    keyed = [msg for msg in view.sent if "key" in msg]
    assert len(keyed) == 1 and keyed[0] is view.sent[-1], "only the final frame names the view"
    bundle = view._static_bundle()
    assert bundle[ANSWER_MIME] == {"key": keyed[0]["key"]}
    assert "<strong>bold</strong>" in bundle["text/html"], "every other viewer reads the HTML"
    other = RecordingView()
    other.feed(message_script([{"type": "text", "text": "x"}]).steps[0].data)
    assert other._static_bundle()[ANSWER_MIME]["key"] != bundle[ANSWER_MIME]["key"]


def test_words_between_tool_calls_stream_into_the_table_in_order() -> None:
    view = RecordingView(frame_interval=0)
    call = {"type": "tool_use", "id": "toolu_1", "name": "look", "input": {"q": 1}}
    words = "Now I will check the second source, carefully."
    blocks = [{"type": "text", "text": "First."}, call, {"type": "thinking", "thinking": words}]
    seen = []
    for step in message_script(blocks, chunk=5, stop_reason="tool_use").steps:
        if step.kind == "event":
            view.feed(step.data)
            tools = next((m["tools"] for m in reversed(view.sent) if "tools" in m), "")
            seen.append(tools)
    assert any("Now I will" in t and words not in t for t in seen)  # growing while it streams
    table = seen[-1]
    assert table.index('data-tool-id="toolu_1"') < table.index(words)
    saved = view.to_markdown()  # the pane at the top holds all thinking; the words follow the call too
    assert saved.index("*Tool call*") < saved.rindex(f"> *{words}*")
