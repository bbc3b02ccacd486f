"""Every feature works by public means when the SDK's private parts are gone: its
stream accumulator hidden, its retry methods deleted (as a future SDK that renamed
them would leave things). The private parts are only a fast path."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest

import claude_nb
from claude_nb import StreamView
from claude_nb.replay import HttpError, ReplayServer, Script
from claude_nb.replay._script import Step
from claude_nb.wire import retry as _retry
from claude_nb.wire import transport as _transport

from ..conftest import Kernel, kernel_env
from ..sdk_private import HIDE_IN_KERNEL, hidden

pytestmark = pytest.mark.sdk


@pytest.fixture
def api(api: ReplayServer) -> Iterator[ReplayServer]:
    """The loopback API (conftest's), with the SDK's private parts hidden."""
    with hidden():
        assert _transport.sdk_accumulator() is None
        assert not hasattr(anthropic.Anthropic, "_should_retry")
        yield api


def lookup(key: str) -> dict[str, Any]:
    """Look a key up.

    Args:
        key: what to look up
    """
    return {"key": key, "value": 7}


def _quiet(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out


def test_a_plain_answer(api: ReplayServer, capsys: pytest.CaptureFixture[str]) -> None:
    message = claude_nb.stream("replay:thinking go", thinking={"type": "adaptive"})
    assert message.stop_reason == "end_turn" and [b.type for b in message.content] == ["thinking", "text"]
    assert "## Answer" in _quiet(capsys)


def test_a_two_turn_tool_loop(api: ReplayServer, capsys: pytest.CaptureFixture[str]) -> None:
    before = len(api.requests)
    message = claude_nb.stream("replay:call_tool go", tools=[lookup])
    sent = [r for r in api.requests[before:] if r["path"].endswith("/v1/messages")]
    assert len(sent) == 2 and sent[0].body["tools"][0]["name"] == "lookup"
    assert json.loads(sent[1].body["messages"][-1]["content"][0]["content"]) == {"key": "Zürich", "value": 7}
    assert message.stop_reason == "end_turn"


def test_an_overloaded_request_is_retried_with_the_documented_wait(
    api: ReplayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    api.queue(Script(error=HttpError(529, "overloaded_error", "Overloaded", retry_after_ms=20)))
    before = len(api.requests)
    message = claude_nb.stream("replay:rich hi")
    # Two Messages requests (the model's entry may be looked up first, once per process).
    sent = [r for r in api.requests[before:] if r["path"].endswith("/v1/messages")]
    assert message.stop_reason == "end_turn" and len(sent) == 2
    assert "[retrying in 0.0 s (attempt 2/3: overloaded)]" in _quiet(capsys)


def test_a_stream_broken_mid_answer_is_resumed(api: ReplayServer, capsys: pytest.CaptureFixture[str]) -> None:
    message = claude_nb.stream("replay:broken_once go", model="claude-sonnet-5-5")
    assert message.stop_reason == "end_turn"
    assert message.content[0].type == "text" and message.content[0].text.endswith("to the very end.")


def test_demo_mode(api: ReplayServer, demo: None, capsys: pytest.CaptureFixture[str]) -> None:
    message = claude_nb.stream("Explain compound interest")
    assert message.stop_reason == "end_turn" and "demo mode" in _quiet(capsys)


def test_resumable_and_astream(api: ReplayServer, capsys: pytest.CaptureFixture[str]) -> None:
    client = anthropic.Anthropic(api_key="sk-test", base_url=api.base_url, max_retries=0)
    request = {"model": "claude-sonnet-5-5", "max_tokens": 500, "messages": [{"role": "user", "content": "x"}]}
    view = StreamView(frame_interval=0)
    message = view.consume(
        claude_nb.resumable(client, **{**request, "messages": [{"role": "user", "content": "replay:broken_once go"}]})
    )
    assert message.content[0].text.endswith("to the very end.") and view.status == "done"
    # A plain manager from the public helper is read as it is.
    view = StreamView(frame_interval=0)
    assert view.consume(
        client.messages.stream(**{**request, "messages": [{"role": "user", "content": "replay:rich x"}]})
    ).content
    assert "# Streaming report" in view.text
    answer = asyncio.run(claude_nb.astream("replay:rich hi"))
    assert answer.stop_reason == "end_turn"


def _disagreements() -> list[str]:
    """Where the documented rules and the SDK's own methods differ, on the inputs that
    matter: asked-for waits in every form, backoff, and what is retried."""
    client = anthropic.Anthropic(api_key="sk-test", base_url="http://127.0.0.1:9", max_retries=0)
    found: list[str] = []
    for headers in ({"retry-after-ms": "2500"}, {"retry-after": "3"}, {"retry-after": "1.5"}, {"retry-after-ms": "0"}):
        h = httpx2.Headers(headers)
        fast, slow = _retry.retry_delay(client, 1, 2, h), _retry.documented_delay(1, h)
        if abs(fast - slow) > 1e-9 and not (0.375 <= fast <= 0.5 and 0.375 <= slow <= 0.5):
            found.append(f"delay {headers}: {fast} vs {slow}")
    for retry in (1, 2, 3, 6):
        fast_range = sorted(_retry.retry_delay(client, retry, 6) for _ in range(200))
        slow_range = sorted(_retry.documented_delay(retry) for _ in range(200))
        if abs(fast_range[-1] - slow_range[-1]) > 0.05 * fast_range[-1] or abs(fast_range[0] - slow_range[0]) > 0.1:
            found.append(f"backoff {retry}: {fast_range[0]}..{fast_range[-1]} vs {slow_range[0]}..{slow_range[-1]}")
    request = httpx2.Request("POST", "http://x")
    for status in (400, 401, 404, 408, 409, 413, 429, 500, 503, 529):
        for header in (None, "true", "false"):
            response = httpx2.Response(status, headers={"x-should-retry": header} if header else {}, request=request)
            fast = client._should_retry(response)
            slow = _retry.documented_should_retry(status, response.headers)
            if fast != slow:
                found.append(f"should retry {status} {header}: {fast} vs {slow}")
    return found


def test_map_live_and_batch(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rows retried after a 529 and a 429 by the documented rules, and a batch."""
    from claude_nb.replay._limits import Limits
    from claude_nb.replay._rows import RowAnswers

    monkeypatch.chdir(tmp_path)
    with ReplayServer(chooser=RowAnswers(overload_every=4)) as server, hidden():
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-hidden")
        server.limits = Limits(in_flight=3)
        server.batches.seconds = 0.1
        rows = [f"row {i}" for i in range(24)]
        assert claude_nb.map("Say {value}", rows, mode="live").tolist() == [f"Answer to: Say {r}" for r in rows]
        run = claude_nb.last_map()
        assert run is not None and run.stats.done == 24
        assert claude_nb.map("Echo {value}", rows[:5], mode="batch").notna().all()
    _quiet(capsys)


def test_the_documented_retry_rules_are_the_sdks() -> None:
    assert _disagreements() == []
    http_date = httpx2.Headers({"retry-after": "Wed, 21 Oct 2099 07:28:00 GMT"})
    assert _retry.documented_delay(1, http_date) == 4_294_967.0  # far off: the SDK's cap


@pytest.mark.parametrize(
    "breakage",
    [
        ("_INITIAL_DELAY", 1.0),
        ("_MAX_DELAY", 60.0),
        ("documented_should_retry", lambda status, headers: status >= 500),
        ("_retry_after", lambda headers: None),
    ],
)
def test_broken_fallback_rules_are_caught(monkeypatch: pytest.MonkeyPatch, breakage: tuple[str, Any]) -> None:
    monkeypatch.setattr(_retry, *breakage)
    assert _disagreements() != []


def test_with_the_methods_gone_the_documented_rules_decide() -> None:
    client = anthropic.Anthropic(api_key="sk-test", base_url="http://127.0.0.1:9", max_retries=0)
    request = httpx2.Request("POST", "http://x")
    with hidden():
        response = httpx2.Response(529, headers={"x-should-retry": "false"}, request=request)
        assert not _retry.should_retry_before_stream(
            client, anthropic.APIStatusError("x", response=response, body=None)
        )
        response = httpx2.Response(429, headers={"retry-after": "2"}, request=request)
        assert _retry.should_retry_before_stream(client, anthropic.APIStatusError("x", response=response, body=None))
        assert _retry.retry_delay(client, 1, 2, response.headers) == 2.0


def test_in_a_kernel_every_feature_works_without_them(replay: ReplayServer, tmp_path: Path) -> None:
    kernel = Kernel(kernel_env(replay))
    try:
        assert kernel.run("%load_ext claude_nb\n" + HIDE_IN_KERNEL).ok
        check = kernel.run("from claude_nb.wire import transport\nprint(transport.sdk_accumulator())")
        assert check.stdout.strip() == "None"
        kernel.run(
            "def lookup(key: str) -> dict:\n    '''Look a key up.\n\n    Args:\n        key: what\n    '''\n"
            "    return {'key': key, 'value': 7}"
        )
        plain = kernel.run("%%claude -o a\nreplay:rich hi")
        assert plain.ok, plain.error_lines
        tools = kernel.run("%%claude --new --tools lookup -o t\nreplay:call_tool go")
        assert tools.ok, tools.error_lines
        calls = kernel.run("import claude_nb\nprint(claude_nb.last_view().tool_calls[0])")
        assert '"value": 7' in calls.stdout, calls.error_lines
        replay.queue(Script(error=HttpError(529, "overloaded_error", "Overloaded", retry_after_ms=20)))
        retried = kernel.run("%%claude --new -o r\nreplay:rich again")
        assert retried.ok, retried.error_lines
        resumed = kernel.run("%%claude --new -m claude-sonnet-5-5 -o b\nreplay:broken_once go")
        assert resumed.ok, resumed.error_lines
        assert kernel.run("print(b.content[0].text[-17:])").stdout.strip() == "to the very end."
        tape = tmp_path / "tape.jsonl"
        assert kernel.run(f"%%claude --new --record {tape}\nreplay:rich taped").ok
        assert kernel.run(f"%%claude --new --replay {tape} -o c\nreplay:rich taped").ok
        demo = kernel.run("%claude demo\n%config Claude.demo_tokens_per_second = 0")
        assert demo.ok
        answer = kernel.run("%%claude --new -o d\nExplain compound interest")
        assert answer.ok, answer.error_lines
        assert "demo mode" in answer.of_type("update_display_data")[-1]["content"]["data"]["text/plain"]
    finally:
        kernel.stop()


def test_a_beta_answer_keeps_its_blocks(api: ReplayServer, capsys: pytest.CaptureFixture[str]) -> None:
    """The beta route by public means too: ``BetaMessageStream`` folds the Message."""
    from ..recorded import STREAMS, events, expected

    path = STREAMS / "pydantic-ai--compaction_usage_with_cache_streaming.sse"
    api.queue(Script(steps=[Step("raw", data=path.read_bytes())]))
    assert _transport.sdk_accumulator(beta=True) is None
    edits = {"edits": [{"type": "compact_20260112"}]}
    message = claude_nb.stream("go", context_management=edits, betas=["compact-2026-01-12"])
    want = expected(events(path)).message
    assert [b.model_dump(mode="json", exclude_none=True) for b in message.content] == want["content"]
    _quiet(capsys)
