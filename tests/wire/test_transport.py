"""The raw stream (what the magic asks for, and what ``consume`` makes of an unopened
``messages.stream()`` manager) gives the same Message as the stream helper."""

from __future__ import annotations

from typing import Any

import anthropic
import pytest

from claude_nb import IncompleteStreamError, StreamView
from claude_nb.reduce.reducer import OPENED, SYNTHESIZED
from claude_nb.replay import SCENARIOS, HttpError, ReplayServer, Script, Step, message_script
from claude_nb.view import stream_view as _view
from claude_nb.wire.transport import (
    AsyncRawStreamRequest,
    RawMessageStream,
    RawStreamRequest,
    open_stream,
    without_helper,
)

from ..scenarios import FAULTS

pytestmark = pytest.mark.sdk  # run again against the oldest supported SDK

# Asks for everything the scenarios hold (the loopback server answers only what is asked for).
REQUEST = {
    "model": "m",
    "max_tokens": 2000,
    "messages": [{"role": "user", "content": "x"}],
    "thinking": {"type": "enabled", "budget_tokens": 1024, "display": "summarized"},
    "tools": [{"name": name, "input_schema": {"type": "object"}} for name in ("get_weather", "run_tests")]
    + [{"type": "web_search_20250305", "name": "web_search"}],
}
COMPLETE = ["rich", "thinking", "tools", "redacted", "web_search", "future", "echo", "showcase"]


class QuietView(StreamView):
    def send(self, content: Any, buffers: Any = None) -> None:
        pass


def _client(server: ReplayServer, **kwargs: Any) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="sk-test", base_url=server.base_url, **kwargs)


def _script(name: str) -> Script:
    script = {**SCENARIOS, **FAULTS}[name](REQUEST)
    script.pace = 0.0
    return script


def _helper_message(server: ReplayServer, script: Script) -> Any:
    server.queue(script)
    with _client(server).messages.stream(**REQUEST) as stream:  # type: ignore[arg-type]
        return stream.get_final_message()


@pytest.fixture
def entered(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What ``consume`` made of each stream it was given."""
    made: list[Any] = []

    def spy(stream: Any) -> Any:
        made.append(without_helper(stream))
        return made[-1]

    monkeypatch.setattr(_view, "without_helper", spy)
    return made


@pytest.mark.parametrize("how", ["open_stream", "manager"])
@pytest.mark.parametrize("name", COMPLETE)
def test_same_message_as_the_sdk_helper(server: ReplayServer, name: str, how: str, entered: list[Any]) -> None:
    expected = _helper_message(server, _script(name))
    server.queue(_script(name))
    view = QuietView()
    client = _client(server)
    if how == "manager":
        message = view.consume(client.messages.stream(**REQUEST))  # type: ignore[arg-type]
    else:
        message = view.consume(open_stream(client, REQUEST))
    assert isinstance(entered[0], RawStreamRequest)
    assert type(message) is type(expected)
    assert message.model_dump(warnings=False) == expected.model_dump(warnings=False)
    assert message.to_param() == expected.to_param()
    assert view.message is message
    assert view.status == "done"


def test_only_raw_events_arrive(server: ReplayServer) -> None:
    server.queue(_script("tools"))
    with open_stream(_client(server), REQUEST) as stream:
        assert isinstance(stream, RawMessageStream)
        events = list(stream)
    # Ahead of them, the view hears the request id the response carried (provenance).
    assert events[0]["type"] == OPENED and events[0]["request_id"].startswith("req_")
    kinds = [event.type for event in events[1:]]
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


@pytest.mark.parametrize("how", ["raw", "opened helper"])
def test_error_before_message_start_is_shown_not_masked(server: ReplayServer, how: str) -> None:
    script = Script()
    script.event("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    server.queue(script)
    client = _client(server)
    view = QuietView()
    with pytest.raises(anthropic.APIStatusError):
        if how == "raw":
            view.consume(open_stream(client, REQUEST))
        else:
            with client.messages.stream(**REQUEST) as stream:  # type: ignore[arg-type]
                view.consume(stream)
    assert view.status == "error" and "overloaded_error" in (view.error or "")
    assert view.message is None


def test_an_opened_helper_is_read_as_it_is(server: ReplayServer) -> None:
    """Its owner may still ask it for the Message: it must have seen every event."""
    server.queue(_script("tools"))
    with _client(server).messages.stream(**REQUEST) as stream:  # type: ignore[arg-type]
        assert without_helper(stream) is stream
        message = QuietView().consume(stream)
        assert stream.get_final_message() is message
    kinds = {e.type for e in message.content}
    assert "tool_use" in kinds


def test_only_the_plain_managers_are_replaced(server: ReplayServer) -> None:
    client = _client(server)
    beta = client.beta.messages.stream(**REQUEST)  # type: ignore[arg-type]
    assert without_helper(beta) is beta
    events: list[Any] = [{"type": "message_start"}]
    assert without_helper(events) is events
    manager = client.messages.stream(**REQUEST)  # type: ignore[arg-type]
    assert without_helper(manager, accumulate=None) is manager
    assert isinstance(without_helper(manager), RawStreamRequest)


def test_a_manager_failing_before_the_stream_is_shown(server: ReplayServer) -> None:
    server.queue(Script(error=HttpError(404, "not_found_error", "model: nope")))
    view = QuietView()
    with pytest.raises(anthropic.NotFoundError):
        view.consume(_client(server, max_retries=0).messages.stream(**REQUEST))  # type: ignore[arg-type]
    assert view.status == "error" and "not_found_error" in (view.error or "")


def test_structured_output_is_parsed_as_by_the_helper(server: ReplayServer) -> None:
    from pydantic import BaseModel

    class Answer(BaseModel):
        city: str
        population: int

    def script() -> Script:
        return message_script([{"type": "text", "text": '{"city": "Oslo", "population": 717710}'}])

    request = {**REQUEST, "output_format": Answer}
    server.queue(script())
    with _client(server).messages.stream(**request) as stream:  # type: ignore[arg-type]
        expected = stream.get_final_message()
    server.queue(script())
    message = QuietView().consume(_client(server).messages.stream(**request))  # type: ignore[arg-type]
    assert message.content[0].parsed_output == Answer(city="Oslo", population=717710)  # type: ignore[union-attr]
    assert message.model_dump(warnings=False) == expected.model_dump(warnings=False)
    assert server.requests[-1].body["output_config"] == server.requests[-2].body["output_config"]


async def _helper_and_raw_async(server: ReplayServer, name: str) -> tuple[Any, Any, Any]:
    client = anthropic.AsyncAnthropic(api_key="sk-test", base_url=server.base_url)
    server.queue(_script(name))
    async with client.messages.stream(**REQUEST) as stream:  # type: ignore[arg-type]
        expected = await stream.get_final_message()
    server.queue(_script(name))
    manager = client.messages.stream(**REQUEST)  # type: ignore[arg-type]
    assert isinstance(without_helper(manager), AsyncRawStreamRequest)
    view = QuietView()
    message = await view.aconsume(manager)
    return expected, message, view


@pytest.mark.parametrize("name", ["tools", "thinking", "web_search"])
def test_aconsume_reads_a_manager_raw_with_the_same_message(server: ReplayServer, name: str) -> None:
    import asyncio

    expected, message, view = asyncio.run(_helper_and_raw_async(server, name))
    assert type(message) is type(expected)
    assert message.model_dump(warnings=False) == expected.model_dump(warnings=False)
    assert view.status == "done" and view.message is message


def test_the_installed_sdk_offers_its_accumulator() -> None:
    """Else the magic silently falls back to the slower stream helper."""
    from claude_nb.wire import transport as _transport

    assert _transport.sdk_accumulator() is not None
    assert isinstance(open_stream(anthropic.Anthropic(api_key="sk-test"), REQUEST), RawStreamRequest)


def _span_attributes(server: ReplayServer, how: str) -> dict[str, Any]:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    client = _client(server, open_telemetry={"tracer_provider": provider, "traces": {"content_mode": "content"}})
    server.queue(_script("tools"))
    if how == "helper":
        with client.messages.stream(**REQUEST) as stream:  # type: ignore[arg-type]
            QuietView().consume(stream)
    elif how == "manager":
        QuietView().consume(client.messages.stream(**REQUEST))  # type: ignore[arg-type]
    else:
        QuietView().consume(open_stream(client, REQUEST))
    (span,) = exporter.get_finished_spans()
    return {k: v for k, v in (span.attributes or {}).items() if "time" not in k and k != "anthropic.request.id"}


@pytest.mark.parametrize("how", ["manager", "open_stream"])
def test_the_sdk_tracing_span_records_the_answer_as_with_the_helper(server: ReplayServer, how: str) -> None:
    """The helper shares the Message it accumulates with the span of its API call;
    the raw stream shares its own, so a traced notebook loses no output content."""
    expected = _span_attributes(server, "helper")
    assert "get_weather" in str(expected["gen_ai.output.messages"])
    assert _span_attributes(server, how) == expected


def test_a_recorded_answer_says_so_through_any_client_of_the_offline_endpoint() -> None:
    """Demo mode's endpoint marks its answers; a view fed through ``claude_nb.client()``
    (the widget API) says so once, as ``%%claude`` does, and a real answer says nothing."""
    import asyncio

    from claude_nb import resumable
    from claude_nb.offline import demo as _demo
    from claude_nb.offline import endpoint as _offline

    _offline.set_speed(0)
    client = _offline.client(timeouts=(5, 30))
    request = {"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": [{"role": "user", "content": "hi"}]}

    view = QuietView()
    view.consume(client.messages.stream(**request))
    assert view.to_html().count(_demo.NOTE) == 1 and _demo.NOTE in view.to_markdown()

    looped = QuietView()
    looped.feed({"type": "claude_nb.note", "text": _demo.NOTE})  # as %%claude feeds it before the stream
    looped.consume(resumable(client, **request))
    assert looped.to_html().count(_demo.NOTE) == 1

    async def main() -> list[str]:
        aclient = _offline.client(asynchronous=True, timeouts=(5, 30))
        shown = []
        for stream in (aclient.messages.stream(**request), resumable(aclient, **request)):
            aview = QuietView()
            await aview.aconsume(stream)
            shown.append(aview.to_html())
        return shown

    assert [html.count(_demo.NOTE) for html in asyncio.run(main())] == [1, 1]


def test_an_answer_from_elsewhere_carries_no_note(server: ReplayServer) -> None:
    server.queue(SCENARIOS["rich"]({}))
    view = QuietView()
    request = {"model": "m", "max_tokens": 100, "messages": [{"role": "user", "content": "x"}]}
    view.consume(_client(server).messages.stream(**request))
    assert view.status == "done" and "recorded answer" not in view.to_html()
