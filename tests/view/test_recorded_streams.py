"""Streams recorded from the real API by other projects (``tests/streams``), fed to
the public widget API: the text, thinking, tool inputs and bound Message must be what
each stream itself says, fed event by event and read from the SDK over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anthropic
import pytest

import claude_nb
from claude_nb import StreamView
from claude_nb.replay import ReplayServer, Script
from claude_nb.replay._script import Step

from ..conftest import SENTINEL_KEY
from ..recorded import all_streams, events, expected, without_nulls

STREAMS = all_streams()


def _check(view: StreamView, stream: list[dict[str, Any]], message: Any) -> None:
    want = expected(stream)
    assert view.text == want.text
    assert view.thinking == want.thinking
    assert {c["id"]: c["input"] for c in view.tool_calls} == want.tool_inputs
    got = without_nulls(message.model_dump(mode="json"))
    wanted = without_nulls(want.message)
    assert [b["type"] for b in got["content"]] == [b["type"] for b in wanted["content"]]
    for mine, theirs in zip(got["content"], wanted["content"], strict=True):
        assert mine == theirs
    assert got["stop_reason"] == wanted["stop_reason"]
    assert got["model"] == wanted["model"]


def test_the_corpus_is_here_and_small() -> None:
    assert len(STREAMS) >= 38
    assert sum(p.stat().st_size for p in STREAMS) < 600_000
    readme = (STREAMS[0].parent / "README.md").read_text()
    for path in STREAMS:
        assert path.name in readme, f"{path.name} is not credited"


@pytest.mark.parametrize("path", STREAMS, ids=[p.stem for p in STREAMS])
def test_fed_event_by_event(path: Path) -> None:
    stream = events(path)
    view = StreamView()
    for event in stream:
        view.feed(event)
    assert view.status == "done"
    assert view.message is not None
    _check(view, stream, view.message)


def _client(server: ReplayServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key=SENTINEL_KEY, base_url=server.base_url, max_retries=0)


def _queue(server: ReplayServer, path: Path) -> None:
    server.queue(Script(steps=[Step("raw", data=path.read_bytes())]))


@pytest.mark.sdk
@pytest.mark.parametrize("route", ["messages", "beta"])
@pytest.mark.parametrize("path", STREAMS, ids=[p.stem for p in STREAMS])
def test_read_from_the_sdk_over_http(path: Path, route: str, server: ReplayServer) -> None:
    _queue(server, path)
    client = _client(server)
    request: dict[str, Any] = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "hi"}],
    }
    manager = client.messages.stream(**request) if route == "messages" else client.beta.messages.stream(**request)
    view = StreamView()
    final = view.consume(manager)
    _check(view, events(path), final)


COMPACTION = next(p for p in STREAMS if "compaction" in p.name)
MCP = next(p for p in STREAMS if "mcp_servers" in p.name)
_EDITS = {"edits": [{"type": "compact_20260112", "trigger": {"type": "input_tokens", "value": 50_000}}]}


@pytest.mark.sdk
def test_a_beta_request_goes_through_the_beta_surface_and_round_trips(api: ReplayServer) -> None:
    """Compaction asked for: the request goes out with its beta header, the compaction
    block comes back whole in the bound Message, and sent back as it came the next turn
    is accepted (the loopback refuses a compaction block without its summary)."""
    _queue(api, COMPACTION)
    first = claude_nb.stream("summarise our work", context_management=_EDITS, betas=["compact-2026-01-12"])
    sent = api.requests[-1]
    assert sent.body["context_management"] == _EDITS
    assert "compact-2026-01-12" in sent.headers.get("anthropic-beta", "")
    want = expected(events(COMPACTION)).message["content"]
    compaction = next(b for b in first.content if b.type == "compaction")
    assert compaction.content == next(b for b in want if b["type"] == "compaction")["content"]
    history = [
        {"role": "user", "content": "summarise our work"},
        {"role": "assistant", "content": [b.model_dump(mode="json", exclude_none=True) for b in first.content]},
        {"role": "user", "content": "go on"},
    ]
    second = claude_nb.stream(messages=history, context_management=_EDITS, betas=["compact-2026-01-12"])
    assert second.stop_reason == "end_turn"
    assert api.requests[-1].body["messages"][1]["content"][0]["type"] == "compaction"


@pytest.mark.sdk
def test_an_mcp_answer_keeps_the_calls_input(api: ReplayServer) -> None:
    _queue(api, MCP)
    servers = [{"type": "url", "url": "https://mcp.example.org/sse", "name": "deepwiki"}]
    final = claude_nb.stream("what is pydantic-ai?", mcp_servers=servers, betas=["mcp-client-2025-11-20"])
    calls = [b for b in final.content if b.type == "mcp_tool_use"]
    assert calls and calls[0].input == expected(events(MCP)).tool_inputs[calls[0].id]
    assert claude_nb.last_view().tool_calls[0]["input"] == calls[0].input  # type: ignore[union-attr]


def test_the_loopback_refuses_beta_fields_without_their_header(server: ReplayServer) -> None:
    client = _client(server)
    with pytest.raises(anthropic.BadRequestError, match="context_management"):
        client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=64,
            messages=[{"role": "user", "content": "hi"}],
            extra_body={"context_management": _EDITS},
        )
