"""Event → state reduction, with plain dict events (no SDK, no Jupyter)."""

from __future__ import annotations

from typing import Any

from claude_nb.reduce.reducer import StreamState, reduce_event
from claude_nb.replay import SCENARIOS, Script
from claude_nb.replay._rules import sign_thinking
from claude_nb.replay._scenarios import THINKING

from ..scenarios import FAULTS


def events_of(script: Script) -> list[dict[str, Any]]:
    return [step.data for step in script.steps if step.kind == "event"]


def reduce_all(events: list[dict[str, Any]]) -> StreamState:
    state = StreamState()
    for i, event in enumerate(events):
        reduce_event(state, event, now=float(i))
    return state


def test_text_thinking_and_usage() -> None:
    state = reduce_all(events_of(SCENARIOS["thinking"]({"model": "m"})))
    assert state.status == "done"
    assert state.text == "## Answer\n\n1. first\n2. second\n"
    assert state.thinking.startswith("The user wants a short answer.")
    assert state.blocks[0].signature == sign_thinking(THINKING)
    assert state.usage["cache_read_input_tokens"] == 7
    assert state.stop_reason == "end_turn"
    assert state.first_token_at is not None and state.ended_at is not None


def test_tool_input_parsed_once_at_block_stop() -> None:
    events = events_of(SCENARIOS["tools"]({"model": "m"}))
    state = StreamState()
    stop_index = next(i for i, e in enumerate(events) if e["type"] == "content_block_stop" and e["index"] == 2)
    for i, event in enumerate(events[:stop_index]):
        reduce_event(state, event, float(i))
    assert state.tool_calls == []  # not shown until the block closes
    reduce_event(state, events[stop_index], 99.0)
    assert state.tool_calls == [
        {
            "id": "toolu_01A",
            "name": "get_weather",
            "input": {"city": "Zürich", "units": "celsius", "days": [1, 2, 3]},
            "type": "tool_use",
        }
    ]


def test_adjacent_text_blocks_join_and_tool_blocks_separate() -> None:
    state = reduce_all(events_of(SCENARIOS["web_search"]({"model": "m"})))
    assert state.text == "I'll search for that.\n\nTomorrow will be sunny."
    assert state.citations[0]["url"] == "https://example.org/weather"
    assert state.tool_calls[0]["result"][0]["title"] == "Weather report"


def test_unknown_types_are_kept_not_fatal() -> None:
    state = reduce_all(events_of(SCENARIOS["future"]({"model": "m"})))
    assert state.status == "done"
    assert "future_event" in state.unknown_events
    assert [b.type for b in state.other_blocks] == ["hologram"]
    # An unknown delta sets the fields it names (as compaction_delta does): the block
    # goes back as the stream left it.
    assert state.other_blocks[0].data["frame"] == 1
    assert "_deltas" not in state.other_blocks[0].data


def test_error_event_keeps_what_arrived() -> None:
    state = reduce_all(events_of(FAULTS["overloaded_midstream"]({"model": "m"})))
    assert state.status == "error"
    assert state.error == "overloaded_error: Overloaded"
    assert state.text == "This answer is cut off half way through"


def test_redacted_thinking() -> None:
    state = reduce_all(events_of(SCENARIOS["redacted"]({"model": "m"})))
    assert state.redacted_thinking_count == 1
    assert state.thinking == ""


def test_delta_for_missing_block_does_not_crash() -> None:
    state = reduce_all([{"type": "content_block_delta", "index": 7, "delta": {"type": "text_delta", "text": "x"}}])
    assert state.text == ""
    assert state.unknown_events
