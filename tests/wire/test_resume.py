"""Fault injection: retries before the stream and resumes after a break, through the
real SDK over real HTTP against the loopback server. Each test checks what the user
sees (the view's text, status, footer, notices) and what is bound (the Message)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import anthropic
import pytest

from claude_nb import StreamView
from claude_nb.core.errors import network_cause
from claude_nb.replay import HttpError, ReplayServer, Script, Step, message_script
from claude_nb.wire.resume import AsyncResumingStream, ResumingStream
from claude_nb.wire.retry import retry_delay, should_retry_before_stream
from claude_nb.wire.splice import CONTINUE_PROMPT, prefill_allowed

from ..scenarios import CUT_AT, FULL_ANSWER

pytestmark = pytest.mark.sdk  # run again against the oldest supported SDK

PARTIAL = "This answer is cut off half way through"


class Recorder(StreamView):
    """A view that keeps every frame it would send, and the notices it was told."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(frame_interval=0, **kwargs)
        self.sent: list[dict[str, Any]] = []
        self.notices: list[str] = []

    def send(self, content: Any, buffers: Any = None) -> None:
        self.sent.append(content)

    def _feed(self, event: Any, kind: Any) -> None:
        if kind == "claude_nb.notice" and event.get("text"):
            self.notices.append(event["text"])
        super()._feed(event, kind)


def _client(server: ReplayServer, read: float = 30.0) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        api_key="sk-test", base_url=server.base_url, max_retries=0, timeout=anthropic.Timeout(read, connect=5.0)
    )


def _request(prompt: str, model: str = "claude-sonnet-5-5", **extra: Any) -> dict[str, Any]:
    return {"model": model, "max_tokens": 2000, "messages": [{"role": "user", "content": prompt}], **extra}


def _run(server: ReplayServer, prompt: str, *, read: float = 30.0, **kw: Any) -> tuple[Recorder, Any, list[Any]]:
    before = len(server.requests)
    view = Recorder()
    request = _request(prompt, **kw.pop("request", {}))
    stream = ResumingStream(_client(server, read), request, sleep=kw.pop("sleep", lambda s: None), **kw)
    try:
        message = view.consume(stream)
    except Exception as exc:
        message = exc
    return view, message, server.requests[before:]


@pytest.mark.parametrize(
    ("model", "last_role"), [("claude-sonnet-5-5", "user"), ("claude-sonnet-4-5", "assistant"), ("mystery", "user")]
)
def test_an_overloaded_error_once_is_resumed_into_the_same_view(
    server: ReplayServer, model: str, last_role: str
) -> None:
    view, message, sent = _run(server, "replay:broken_once go", request={"model": model})
    assert isinstance(message, anthropic.types.Message), message
    assert len(sent) == 2
    second = sent[1].body["messages"]
    assert second[-1]["role"] == last_role
    if last_role == "assistant":  # a prefill: the partial answer, trailing whitespace stripped
        assert second[-1]["content"] == [{"type": "text", "text": FULL_ANSWER[:CUT_AT].rstrip()}]
    else:
        assert second[-2]["content"] == [{"type": "text", "text": FULL_ANSWER[:CUT_AT].rstrip()}]
        assert FULL_ANSWER[:CUT_AT].rstrip()[-30:] in second[-1]["content"]
        assert second[-1]["content"].startswith(CONTINUE_PROMPT.split("{")[0])
    assert view.status == "done" and view.text == FULL_ANSWER  # no repeated words, no seam
    assert message.content[0].text == FULL_ANSWER and len(message.content) == 1
    assert message.usage.input_tokens == 50  # both requests' usage, summed
    assert message.stop_reason == "end_turn"
    footer = view.to_html()
    assert "resumed once (overloaded mid-stream)" in footer
    assert any("resuming in" in n for n in view.notices)


@pytest.mark.parametrize("scenario", ["broken_once_dropped", "broken_once_eof"])
def test_a_dropped_socket_or_an_early_end_is_resumed(server: ReplayServer, scenario: str) -> None:
    view, message, sent = _run(server, f"replay:{scenario} go")
    assert len(sent) == 2 and view.status == "done"
    assert view.text == FULL_ANSWER == message.content[0].text
    # Said as what happened to the stream, whichever way the SDK raised it.
    reason = "connection dropped" if scenario == "broken_once_dropped" else "stream ended early"
    assert f"resumed once ({reason})" in view.to_html()


def test_a_stall_past_the_read_timeout_is_resumed(server: ReplayServer) -> None:
    start = time.monotonic()
    view, _message, sent = _run(server, "replay:broken_once_stall go", read=1.0)
    assert time.monotonic() - start < 10
    assert len(sent) == 2 and view.status == "done" and view.text == FULL_ANSWER
    assert "stream went silent" in view.to_html()


def test_failing_every_time_ends_in_error_with_the_partial_kept(server: ReplayServer) -> None:
    view, error, sent = _run(server, "replay:overloaded_midstream go", max_resumes=2)
    assert isinstance(error, anthropic.APIStatusError)
    assert len(sent) == 3  # the first try and two resumes
    assert view.status == "error" and view.text == PARTIAL  # each retry restated it: shown once
    assert view.message is not None and view.message.content[0].text == PARTIAL
    assert "overloaded_error" in (view.error or "")


def test_a_silent_stream_gives_up_within_the_bound(server: ReplayServer) -> None:
    start, waits = time.monotonic(), []
    view, error, sent = _run(server, "replay:stall go", read=0.5, sleep=waits.append)
    assert time.monotonic() - start < 10 and len(waits) == 3 and sum(waits) < 8
    # The HTTP library's ReadTimeout: as it is (SDK < 2.17) or as the cause of the
    # SDK's APITimeoutError (2.17 on); either way the view says the stream stalled.
    assert type(network_cause(error)).__name__ == "ReadTimeout" and len(sent) == 4
    assert isinstance(error, anthropic.APITimeoutError) or type(error).__name__ == "ReadTimeout"
    assert view.status == "error" and view.text == PARTIAL
    assert "stalled longer than the read timeout" in (view.error or "")


def test_a_server_that_never_answers_is_given_up_on_after_one_read_timeout(server: ReplayServer) -> None:
    """It took the request and sent nothing, not even headers: trying again would make
    the user wait a read timeout more each time. The footer says no answer came."""
    server.queue(*[Script(silent=30, steps=message_script([{"type": "text", "text": "late"}]).steps)] * 3)
    start, waits = time.monotonic(), []
    view, error, sent = _run(server, "replay:rich hi", read=0.5, sleep=waits.append)
    assert time.monotonic() - start < 3 and len(sent) == 1 and waits == []
    assert isinstance(error, anthropic.APITimeoutError)
    assert view.status == "error" and (view.error or "").startswith("no answer from the API")
    assert "timed out connecting" not in (view.error or "")
    # While it waited, the footer said so, with a clock the page ticks on.
    waiting = [m for m in view.sent if "waiting for the API" in m.get("foot", "")]
    assert waiting and 'class="cnb-elapsed"' in waiting[0]["foot"]
    server.clear()


def test_a_connection_that_cannot_be_made_is_retried_and_said_so(server: ReplayServer) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    client = anthropic.Anthropic(api_key="sk-test", base_url=f"http://127.0.0.1:{port}", max_retries=0)
    view, waits = Recorder(), []
    with pytest.raises(anthropic.APIConnectionError):
        view.consume(ResumingStream(client, _request("hi"), sleep=waits.append))
    assert len(waits) == 2 and view.notices[0].endswith("could not connect)")
    assert view.error == "could not reach the API"


def test_a_request_error_mid_stream_is_not_resumed(server: ReplayServer) -> None:
    view, error, sent = _run(server, "replay:broken_invalid go")
    assert isinstance(error, anthropic.APIStatusError) and len(sent) == 1
    assert view.status == "error" and view.text == FULL_ANSWER[:CUT_AT]


@pytest.mark.parametrize("where", ["thinking", "tool"])
def test_a_break_inside_thinking_or_a_tool_call_resumes_from_the_text(server: ReplayServer, where: str) -> None:
    extra = {
        "thinking": {"type": "enabled", "budget_tokens": 1024, "display": "summarized"},
        "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}],
    }
    view, message, sent = _run(server, f"replay:broken_once_{where} go", request=extra)
    assert isinstance(message, anthropic.types.Message), message
    assert len(sent) == 2
    carried = sent[1].body["messages"][1]["content"]
    kinds = [b["type"] for b in carried]
    assert "tool_use" not in kinds and kinds[-1] == "text"  # the unfinished block was dropped
    assert [b.type for b in message.content] == [*(["thinking"] if where == "thinking" else []), "text"]
    assert view.text == FULL_ANSWER and not view.tool_calls
    assert view.thinking == ("Planning the long answer." if where == "thinking" else "")


def test_a_429_is_retried_after_its_delay_and_the_view_says_so(server: ReplayServer) -> None:
    server.queue(Script(error=HttpError(429, "rate_limit_error", "slow down", retry_after_ms=1200)))
    waits: list[float] = []
    view, message, sent = _run(server, "replay:rich hi", sleep=waits.append)
    assert isinstance(message, anthropic.types.Message) and len(sent) == 2
    assert waits == [1.2]  # retry-after-ms, as the SDK reads it
    assert view.notices == ["retrying in 1.2 s (attempt 2/3: rate limited)"]
    shown = [m["foot"] for m in view.sent if "foot" in m]
    assert any("retrying in 1.2 s (attempt 2/3: rate limited)" in f for f in shown)
    assert "retrying" not in view.to_html()  # the notice goes once the answer streams


def test_always_529_ends_after_the_retries(server: ReplayServer) -> None:
    server.queue(*[Script(error=HttpError(529, "overloaded_error", "Overloaded")) for _ in range(3)])
    view, error, sent = _run(server, "replay:rich hi")
    assert isinstance(error, anthropic.OverloadedError) and len(sent) == 3
    assert view.status == "error" and len(view.notices) == 2


def test_sdk_retry_rules_are_the_sdks(server: ReplayServer) -> None:
    """The SDK's private retry rules are called, not copied: this fails if they move."""
    client = _client(server)
    assert callable(client._should_retry) and callable(client._calculate_retry_timeout)
    import httpx2

    headers = httpx2.Headers({"retry-after-ms": "2500"})
    assert retry_delay(client, 1, 2, headers) == 2.5
    assert 0.375 <= retry_delay(client, 1, 2) <= 0.5 and 0.75 <= retry_delay(client, 2, 2) <= 1.0
    request = httpx2.Request("POST", "http://x")
    for status, header, expected in ((429, None, True), (400, None, False), (500, "false", False), (400, "true", True)):
        response = httpx2.Response(status, headers={"x-should-retry": header} if header else {}, request=request)
        exc = anthropic.APIStatusError("x", response=response, body=None)
        assert should_retry_before_stream(client, exc) is expected


def test_malformed_sse_lines_and_invalid_json(server: ReplayServer) -> None:
    script = message_script([{"type": "text", "text": "fine"}])
    script.steps.insert(2, Step("raw", data=b"this line means nothing\n: a comment\n\n"))
    server.queue(script)
    view, _message, _ = _run(server, "x")
    assert view.status == "done" and view.text == "fine"
    broken = message_script([{"type": "text", "text": "kept"}], finish=False)
    broken.steps.append(Step("raw", data=b'event: content_block_delta\ndata: {"type": "content_block_delta", nope\n\n'))
    server.queue(broken)
    view, error, sent = _run(server, "x")
    assert isinstance(error, ValueError) and len(sent) == 1  # a corrupt stream is not resumed
    assert view.status == "error" and view.text == "kept" and "JSONDecodeError" in (view.error or "")


def test_one_huge_delta_and_ten_thousand_tiny_ones(server: ReplayServer) -> None:
    huge = "x" * 1_000_000
    script = message_script([{"type": "text", "text": ""}])
    script.steps.insert(
        3,
        Step(
            "event",
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": huge}},
        ),
    )
    server.queue(script)
    view, message, _ = _run(server, "x")
    assert view.text == huge and message.content[0].text == huge
    tiny = "".join(chr(0x61 + i % 26) for i in range(10_000))
    server.queue(message_script([{"type": "text", "text": tiny}], chunk=1))
    view, message, _ = _run(server, "x")
    assert view.text == tiny == message.content[0].text


def test_graphemes_split_across_deltas_and_across_a_resume(server: ReplayServer) -> None:
    """FULL_ANSWER holds a ZWJ emoji, CJK and a combining accent; the cut falls inside it
    and deltas are one or two characters, so sequences are split every way."""
    assert "\u200d" in FULL_ANSWER[CUT_AT - 20 : CUT_AT + 30] or "\u0301" in FULL_ANSWER
    view, message, _ = _run(server, "replay:broken_once go")
    assert view.text == FULL_ANSWER == message.content[0].text
    for prefill_model in ("claude-sonnet-4-5", "claude-3-7-sonnet-20250219"):
        view, message, _ = _run(server, "replay:broken_once_dropped go", request={"model": prefill_model})
        assert view.text == FULL_ANSWER


def test_which_models_take_a_prefill() -> None:
    for name in ("claude-sonnet-4-5", "claude-opus-4-1-20250805", "claude-haiku-4-5", "claude-3-7-sonnet-latest"):
        assert prefill_allowed(name), name
    for name in ("claude-opus-4-6", "claude-sonnet-5-5", "claude-opus-4-7", "claude-next", ""):
        assert not prefill_allowed(name), name


def test_the_async_twin_resumes_and_retries(server: ReplayServer) -> None:
    server.queue(Script(error=HttpError(429, "rate_limit_error", "slow down", retry_after_ms=10)))

    async def go() -> tuple[Recorder, Any]:
        client = anthropic.AsyncAnthropic(api_key="sk-test", base_url=server.base_url, max_retries=0)
        view = Recorder()
        message = await view.aconsume(AsyncResumingStream(client, _request("replay:broken_once go")))
        return view, message

    before = len(server.requests)
    view, message = asyncio.run(go())
    assert len(server.requests) - before == 3  # 429, the broken stream, the continuation
    assert view.status == "done" and view.text == FULL_ANSWER == message.content[0].text
    assert view.notices[0].startswith("retrying in") and "resuming in" in view.notices[1]


def test_frames_never_show_the_partial_twice(server: ReplayServer) -> None:
    """What the frontend is sent rebuilds, at every frame, a prefix of the final answer."""
    from ..view.test_view import Frontend

    view, _message, _ = _run(server, "replay:broken_once go")
    front = Frontend()
    for msg in view.sent:
        front.apply(msg)
    final = front.html("a")
    assert final.count("cut off half way") == 1 and "very end" in final
    assert json.dumps(view.sent).count("then it carries on after the break") >= 1
