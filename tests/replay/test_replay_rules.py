"""The loopback server rejects what the real API rejects, answers only what a request
allows, and sends the stream in network chunks the way the API does. Checked through
the real SDK (the errors a user would get) and on the raw socket (the chunks)."""

from __future__ import annotations

import json
import socket
from typing import Any

import anthropic
import pytest

from claude_nb.replay import ReplayServer, Script, message_script
from claude_nb.replay._allowed import default_display
from claude_nb.replay._rules import sign_thinking
from claude_nb.replay._scenarios import THINKING

pytestmark = pytest.mark.sdk  # run again against the oldest supported SDK

TOOL = {"name": "get_weather", "input_schema": {"type": "object"}}
USE = {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}
THINK = {"type": "enabled", "budget_tokens": 1024}


def _client(server: ReplayServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="sk-test", base_url=server.base_url, max_retries=0)


def _send(server: ReplayServer, messages: list[dict[str, Any]], **params: Any) -> anthropic.types.Message:
    request = {"model": "claude-sonnet-5-5", "max_tokens": 2000, "messages": messages, **params}
    with _client(server).messages.stream(**request) as stream:
        return stream.get_final_message()


def _rejected(server: ReplayServer, messages: list[dict[str, Any]], **params: Any) -> str:
    with pytest.raises(anthropic.BadRequestError) as caught:
        _send(server, messages, **params)
    body = caught.value.body
    assert isinstance(body, dict) and body["error"]["type"] == "invalid_request_error"
    return str(body["error"]["message"])


def _assistant(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": list(blocks)}


def test_tool_use_needs_results_in_the_next_turn(server: ReplayServer) -> None:
    history = [{"role": "user", "content": "weather?"}, _assistant(USE)]
    message = _rejected(server, [*history, {"role": "user", "content": "and now?"}], tools=[TOOL])
    assert message.startswith("messages.1: `tool_use` ids were found without `tool_result` blocks immediately after")
    assert "toolu_1" in message
    result = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"}
    assert _send(server, [*history, {"role": "user", "content": [result]}], tools=[TOOL]).stop_reason
    unknown = {"type": "tool_result", "tool_use_id": "toolu_9", "content": "?"}
    message = _rejected(server, [*history, {"role": "user", "content": [result, unknown]}], tools=[TOOL])
    assert message.startswith("messages.2.content.1: unexpected `tool_use_id` found in `tool_result` blocks: toolu_9")
    late = [{"type": "text", "text": "first"}, result]
    assert "must come first" in _rejected(server, [*history, {"role": "user", "content": late}], tools=[TOOL])


def test_empty_content_and_trailing_whitespace(server: ReplayServer) -> None:
    assert _rejected(server, [{"role": "user", "content": []}]).startswith("messages.0: all messages must have")
    assert _rejected(server, []) == "messages: at least one message is required"
    prefill = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Sure, "}]
    assert _rejected(server, prefill) == "messages: final assistant content cannot end with trailing whitespace"
    prefill[1]["content"] = "Sure,"
    assert _send(server, prefill).stop_reason == "end_turn"
    empty_text = [{"role": "user", "content": [{"type": "text", "text": ""}]}]
    assert "text content blocks must be non-empty" in _rejected(server, empty_text)


def test_thinking_must_come_back_unchanged_and_kept(server: ReplayServer) -> None:
    good = {"type": "thinking", "thinking": THINKING, "signature": sign_thinking(THINKING)}
    text = {"type": "text", "text": "Answer."}
    turn = [{"role": "user", "content": "q"}]
    follow = {"role": "user", "content": "more"}
    assert _send(server, [*turn, _assistant(good, text), follow], thinking=THINK).content
    altered = {**good, "thinking": THINKING + " (edited)"}
    message = _rejected(server, [*turn, _assistant(altered, text), follow], thinking=THINK)
    assert message == "messages.1.content.0: Invalid `signature` in `thinking` block"
    message = _rejected(server, [*turn, _assistant(text, good), follow], thinking=THINK)
    assert "the first block must be `thinking` or `redacted_thinking`. Found `text`" in message
    # Mid tool loop with thinking on, the assistant turn must keep its thinking.
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "x"}]}
    message = _rejected(server, [*turn, _assistant(text, USE), result], thinking=THINK, tools=[TOOL])
    assert "Expected `thinking` or `redacted_thinking`, but found `text`" in message
    assert _send(server, [*turn, _assistant(good, text, USE), result], thinking=THINK, tools=[TOOL]).content


def test_thinking_parameters(server: ReplayServer) -> None:
    user = [{"role": "user", "content": "q"}]
    assert "greater than or equal to 1024" in _rejected(server, user, thinking={"type": "enabled", "budget_tokens": 5})
    big = {"type": "enabled", "budget_tokens": 4096}
    assert _rejected(server, user, thinking=big, max_tokens=4096).startswith("`max_tokens` must be greater than")
    assert "display" in _rejected(server, user, thinking={"type": "adaptive", "display": "loud"})
    assert "temperature" in _rejected(server, user, thinking={"type": "adaptive"}, extra_body={"temperature": 0.2})


def test_missing_key_and_version_headers(server: ReplayServer) -> None:
    def post(headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        body = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "x"}]}
        conn.request("POST", "/v1/messages", json.dumps(body), {"content-type": "application/json", **headers})
        response = conn.getresponse()
        return response.status, json.loads(response.read())

    status, body = post({"anthropic-version": "2023-06-01"})
    assert status == 401 and body["error"]["type"] == "authentication_error"
    status, body = post({"x-api-key": "k"})
    assert status == 400 and "anthropic-version" in body["error"]["message"]
    status, body = post({"authorization": "Bearer k", "anthropic-version": "2023-06-01"})
    assert status == 200 and body["type"] == "message"  # a non-streaming request gets the whole Message


def test_answers_only_what_the_request_allows(server: ReplayServer) -> None:
    ask = [{"role": "user", "content": "replay:tools go"}]
    plain = _send(server, ask, model="claude-haiku-4-5")
    assert [b.type for b in plain.content] == ["text"] and plain.stop_reason == "end_turn"
    # Today's models think when thinking is left out, and show none of it.
    quiet = _send(server, ask)
    assert [b.type for b in quiet.content] == ["thinking", "text"]
    assert quiet.content[0].thinking == "" and quiet.content[0].signature  # type: ignore[union-attr]
    full = _send(server, ask, tools=[TOOL], thinking={**THINK, "display": "summarized"})
    assert [b.type for b in full.content] == ["thinking", "text", "tool_use"] and full.stop_reason == "tool_use"
    assert full.content[0].thinking == "I need the weather tool."  # type: ignore[union-attr]
    search = [{"role": "user", "content": "replay:web_search go"}]
    assert {b.type for b in _send(server, search).content} == {"text"}
    assert not any(b.citations for b in _send(server, search).content)  # type: ignore[union-attr]
    tool = {"type": "web_search_20250305", "name": "web_search"}
    kinds = [b.type for b in _send(server, search, tools=[tool]).content]
    assert kinds == ["text", "server_tool_use", "web_search_tool_result", "text"]


def test_thinking_display_follows_the_request_and_the_model(server: ReplayServer) -> None:
    ask = [{"role": "user", "content": "replay:thinking go"}]
    hidden = _send(server, ask, thinking=THINK)  # claude-sonnet-5-5 omits by default
    block = hidden.content[0]
    assert block.type == "thinking" and block.thinking == "" and block.signature == sign_thinking("")
    shown = _send(server, ask, thinking={**THINK, "display": "summarized"})
    assert shown.content[0].thinking == THINKING  # type: ignore[union-attr]
    old = _send(server, ask, thinking=THINK, model="claude-sonnet-4-5")
    assert old.content[0].thinking == THINKING  # type: ignore[union-attr]
    assert default_display("claude-opus-4-7") == "omitted" and default_display("claude-sonnet-4-5") == "summarized"
    assert default_display("claude-haiku-4-5-20251001") == "summarized" and default_display("mystery") == "omitted"


def test_a_broken_scenario_is_a_visible_500(server: ReplayServer) -> None:
    def broken(_request: dict[str, Any]) -> Script:
        raise KeyError("no such block")

    with ReplayServer(chooser=broken) as bad, pytest.raises(anthropic.InternalServerError) as caught:
        _send(bad, [{"role": "user", "content": "x"}])
    assert "loopback scenario failed: KeyError" in str(caught.value)


def _raw_chunks(server: ReplayServer, body: dict[str, Any]) -> list[bytes]:
    """The HTTP chunks of a streamed answer, as they were framed on the wire."""
    payload = json.dumps(body).encode()
    head = (
        f"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        f"x-api-key: k\r\nanthropic-version: 2023-06-01\r\ncontent-length: {len(payload)}\r\n"
        "connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head + payload)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    rest = data.split(b"\r\n\r\n", 1)[1]
    chunks = []
    while True:
        size_line, rest = rest.split(b"\r\n", 1)
        size = int(size_line, 16)
        if size == 0:
            return chunks
        chunks.append(rest[:size])
        rest = rest[size + 2 :]


def test_events_share_chunks_and_straddle_them(server: ReplayServer) -> None:
    server.queue(message_script([{"type": "text", "text": "word " * 400}]))
    chunks = _raw_chunks(
        server, {"model": "m", "max_tokens": 10, "stream": True, "messages": [{"role": "user", "content": "x"}]}
    )
    assert max(c.count(b"event: ") for c in chunks) >= 2  # several events in one chunk
    assert any(not c.endswith(b"\n\n") for c in chunks)  # an event split across chunks
    frames = b"".join(chunks).decode().split("\n\n")
    deltas = [json.loads(f.split("data: ", 1)[1])["delta"]["text"] for f in frames if "text_delta" in f]
    assert "".join(deltas) == "word " * 400
    assert len({len(d) for d in deltas}) > 5  # token-sized pieces of varying length


@pytest.mark.parametrize("name, value", [("temperature", 1.0), ("temperature", 0.2), ("top_p", 0.9), ("top_k", 5)])
def test_the_sdks_api_version_refuses_sampling_parameters(server: ReplayServer, name: str, value: float) -> None:
    user = [{"role": "user", "content": "q"}]
    assert _rejected(server, user, extra_body={name: value}) == f"{name}: Extra inputs are not permitted"


def test_the_sdks_api_version_refuses_documents_from_the_assistant_and_cited_user_text(server: ReplayServer) -> None:
    doc = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "a note"}}
    cited = {
        "type": "text",
        "text": "quoted",
        "citations": [
            {
                "type": "char_location",
                "cited_text": "a",
                "document_index": 0,
                "start_char_index": 0,
                "end_char_index": 1,
            }
        ],
    }
    turn = [{"role": "user", "content": "q"}]
    message = _rejected(server, [*turn, _assistant({"type": "text", "text": "a"}, doc), *turn])
    assert message == "messages.1.content.1: `document` blocks are not permitted in `assistant` messages"
    message = _rejected(server, [{"role": "user", "content": [cited]}])
    assert message == "messages.0.content.0: `citations` are not permitted on text in `user` messages"
    result = {"type": "search_result", "source": "s", "title": "t", "content": [cited]}
    assert "citations" in _rejected(server, [{"role": "user", "content": [result]}])
    # The same blocks without what the version refuses are fine.
    assert _send(server, [{"role": "user", "content": [doc, {**cited, "citations": []}]}]).content


def test_an_older_api_version_took_what_the_new_one_refuses(server: ReplayServer) -> None:
    client = anthropic.Anthropic(
        api_key="sk-test", base_url=server.base_url, max_retries=0, default_headers={"anthropic-version": "2023-06-01"}
    )
    request = {"model": "claude-sonnet-5-5", "max_tokens": 100, "messages": [{"role": "user", "content": "q"}]}
    assert client.messages.create(**request, extra_body={"temperature": 0.2}).content


def test_effort_takes_the_apis_levels(server: ReplayServer) -> None:
    user = [{"role": "user", "content": "q"}]
    assert _send(server, user, extra_body={"output_config": {"effort": "xhigh"}}).content
    assert "output_config.effort" in _rejected(server, user, extra_body={"output_config": {"effort": "extreme"}})
