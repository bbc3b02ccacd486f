"""The raw stream the magic uses gives the same Message as ``messages.stream()``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import pytest

from claude_nb import IncompleteStreamError, StreamView
from claude_nb._reducer import SYNTHESIZED
from claude_nb._transport import RawMessageStream, RawStreamRequest, open_stream
from claude_nb.replay import SCENARIOS, HttpError, ReplayServer, Script, Step, message_script

REQUEST = {"model": "m", "max_tokens": 100, "messages": [{"role": "user", "content": "x"}]}
COMPLETE = ["rich", "thinking", "tools", "redacted", "web_search", "future", "echo", "showcase"]


class QuietView(StreamView):
    def send(self, content: Any, buffers: Any = None) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as s:
        yield s


def _client(server: ReplayServer, **kwargs: Any) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="sk-test", base_url=server.base_url, **kwargs)


def _script(name: str) -> Script:
    script = SCENARIOS[name](REQUEST)
    script.pace = 0.0
    return script


def _helper_message(server: ReplayServer, script: Script) -> Any:
    server.queue(script)
    with _client(server).messages.stream(**REQUEST) as stream:  # type: ignore[arg-type]
        return stream.get_final_message()


@pytest.mark.parametrize("name", COMPLETE)
def test_same_message_as_the_sdk_helper(server: ReplayServer, name: str) -> None:
    expected = _helper_message(server, _script(name))
    server.queue(_script(name))
    view = QuietView()
    message = view.consume(open_stream(_client(server), REQUEST))
    assert type(message) is type(expected)
    assert message.model_dump(warnings=False) == expected.model_dump(warnings=False)
    assert message.to_param() == expected.to_param()
    assert view.message is message
    assert view.status == "done"


def test_only_raw_events_arrive(server: ReplayServer) -> None:
    server.queue(_script("tools"))
    with open_stream(_client(server), REQUEST) as stream:
        assert isinstance(stream, RawMessageStream)
        kinds = [event.type for event in stream]
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert not SYNTHESIZED & set(kinds)
    assert "content_block_delta" in kinds


def test_request_is_sent_only_when_entered(server: ReplayServer) -> None:
    before = len(server.requests)
    pending = open_stream(_client(server), REQUEST)
    assert isinstance(pending, RawStreamRequest)
    assert len(server.requests) == before
    server.queue(message_script([{"type": "text", "text": "now"}]))
    with pending as stream:
        assert stream.get_final_message().content[0].text == "now"  # type: ignore[union-attr]
    assert len(server.requests) == before + 1


def test_fields_the_sdk_does_not_name_go_in_extra_body(server: ReplayServer) -> None:
    server.queue(message_script([{"type": "text", "text": "ok"}]))
    with open_stream(_client(server), {**REQUEST, "future_field": {"a": 1}}) as stream:
        stream.get_final_message()
    body = server.requests[-1].body
    assert body["future_field"] == {"a": 1}
    assert body["stream"] is True


def test_error_event_midstream_keeps_the_partial_message(server: ReplayServer) -> None:
    server.queue(_script("overloaded_midstream"))
    view = QuietView()
    with pytest.raises(anthropic.APIStatusError) as info:
        view.consume(open_stream(_client(server), REQUEST))
    assert info.value.status_code == 200
    assert view.status == "error"
    assert view.text == "This answer is cut off half way through"
    assert view.message is not None
    assert view.message.content[0].text == view.text  # type: ignore[union-attr]


def test_clean_eof_is_incomplete(server: ReplayServer) -> None:
    server.queue(_script("eof"))
    view = QuietView()
    with pytest.raises(IncompleteStreamError):
        view.consume(open_stream(_client(server), REQUEST))
    assert view.status == "error"
    assert view.message is not None and view.message.stop_reason is None


def test_http_error_before_the_stream_is_shown(server: ReplayServer) -> None:
    server.queue(Script(error=HttpError(404, "not_found_error", "model: nope")))
    view = QuietView()
    with pytest.raises(anthropic.NotFoundError):
        view.consume(open_stream(_client(server, max_retries=0), REQUEST))
    assert view.status == "error" and "not_found_error" in (view.error or "")


def _bad_tool_json() -> Script:
    script = message_script([{"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": 1}}])
    steps = []
    for step in script.steps:
        data = step.data
        if step.kind == "event" and step.name == "content_block_delta":
            data = {**data, "delta": {"type": "input_json_delta", "partial_json": '{"a": nope}'}}
        steps.append(Step(step.kind, step.name, data, step.seconds))
    script.steps[:] = steps
    return script


def test_invalid_tool_json_fails_as_with_the_helper(server: ReplayServer) -> None:
    server.queue(_bad_tool_json())
    with pytest.raises(ValueError) as helper:
        with _client(server).messages.stream(**REQUEST) as stream:  # type: ignore[arg-type]
            stream.get_final_message()
    server.queue(_bad_tool_json())
    with pytest.raises(ValueError) as raw:
        with open_stream(_client(server), REQUEST) as stream:
            stream.get_final_message()
    assert str(raw.value) == str(helper.value)


def test_without_the_sdk_accumulator_the_helper_is_used(server: ReplayServer) -> None:
    pending = open_stream(_client(server), REQUEST, accumulate=None)
    assert isinstance(pending, anthropic.lib.streaming.MessageStreamManager)
    server.queue(_script("rich"))
    message = QuietView().consume(pending)
    assert message.content[0].text.startswith("# Streaming report")  # type: ignore[union-attr]


@pytest.mark.parametrize("raw", [True, False])
def test_error_before_message_start_is_shown_not_masked(server: ReplayServer, raw: bool) -> None:
    script = Script()
    script.event("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    server.queue(script)
    client = _client(server)
    pending = open_stream(client, REQUEST) if raw else client.messages.stream(**REQUEST)  # type: ignore[arg-type]
    view = QuietView()
    with pytest.raises(anthropic.APIStatusError):
        view.consume(pending)
    assert view.status == "error" and "overloaded_error" in (view.error or "")
    assert view.message is None


def test_the_installed_sdk_offers_its_accumulator() -> None:
    """Else the magic silently falls back to the slower stream helper."""
    from claude_nb import _transport

    assert _transport._ACCUMULATE is not None
    assert isinstance(open_stream(anthropic.Anthropic(api_key="sk-test"), REQUEST), RawStreamRequest)
