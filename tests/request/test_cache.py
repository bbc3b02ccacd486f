"""Prompt-cache breakpoints: where each request gets them, within the API's rules, and
what the loopback's cache then reports, through the real SDK."""

from __future__ import annotations

import copy
import json
from typing import Any

import anthropic
import pytest

from claude_nb.replay import ReplayServer, message_script
from claude_nb.request import cache as _cache
from claude_nb.wire.resume import ResumingStream

pytestmark = pytest.mark.sdk  # run again against the oldest supported SDK

EPH = {"type": "ephemeral"}


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": [{"type": "text", "text": text}]}


def marks(request: dict[str, Any]) -> list[str]:
    """Where the breakpoints are, as ``message index`` or ``system``."""
    out = ["system"] if isinstance(request.get("system"), list) else []
    for i, message in enumerate(request["messages"]):
        content = message["content"]
        if isinstance(content, list) and any("cache_control" in b for b in content):
            out.append(str(i))
    return out


def conversation(cells: int) -> list[dict[str, Any]]:
    messages = []
    for i in range(cells - 1):
        messages += [user(f"question {i}"), assistant(f"answer {i}")]
    return [*messages, user("the new question")]


def test_the_first_cell_has_nothing_to_cache_and_later_cells_mark_the_history() -> None:
    assert marks(_cache.place({"messages": conversation(1)})) == []
    assert marks(_cache.place({"messages": conversation(2)})) == ["1"]  # the end of the history
    # ...and the end of the history one cell earlier, which the previous cell wrote.
    assert marks(_cache.place({"messages": conversation(3)})) == ["1", "3"]
    assert marks(_cache.place({"messages": conversation(9)})) == ["13", "15"]


def test_the_breakpoint_sits_on_the_last_block_and_copies_not_alters() -> None:
    request = {"messages": conversation(3)}
    before = copy.deepcopy(request)
    placed = _cache.place(request)
    assert request == before  # the conversation kept by the magic stays clean
    assert placed["messages"][3]["content"] == [{"type": "text", "text": "answer 1", "cache_control": EPH}]
    assert placed["messages"][0] is request["messages"][0]  # untouched messages are shared


def test_a_tool_loop_in_progress_marks_its_latest_results() -> None:
    loop = [
        *conversation(2),
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "f", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "4"}]},
    ]
    placed = _cache.place({"messages": loop})
    assert marks(placed) == ["1", "4"]
    assert placed["messages"][4]["content"][0]["cache_control"] == EPH
    # A resumed answer ends with the assistant's partial turn: no breakpoint on a prefill.
    assert marks(_cache.place({"messages": [*conversation(2), assistant("partial")]})) == ["1"]


def test_long_system_prompts_and_the_limit_of_four() -> None:
    loop = [
        *conversation(4),
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "f", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "4"}]},
    ]
    placed = _cache.place({"system": "s" * 3000, "messages": loop})
    assert placed["system"] == [{"type": "text", "text": "s" * 3000, "cache_control": EPH}]
    assert marks(placed) == ["system", "3", "5", "8"]
    assert json.dumps(placed).count("cache_control") == 4
    assert "system" not in marks(_cache.place({"system": "short", "messages": loop}))


def test_thinking_blocks_are_never_marked_and_own_breakpoints_are_respected() -> None:
    thought = {
        "role": "assistant",
        "content": [{"type": "thinking", "thinking": "hm", "signature": "s"}, {"type": "text", "text": "ok"}],
    }
    placed = _cache.place({"messages": [user("q"), thought, user("next")]})
    assert "cache_control" not in placed["messages"][1]["content"][0]
    assert placed["messages"][1]["content"][1]["cache_control"] == EPH
    only_thinking = {"role": "assistant", "content": [thought["content"][0]]}
    assert marks(_cache.place({"messages": [user("q"), only_thinking, user("n")]})) == []
    own = {"messages": [{"role": "user", "content": [{"type": "text", "text": "x", "cache_control": EPH}]}]}
    assert _cache.place(own) is own


# -- through the loopback's cache --------------------------------------------------------
def send(server: ReplayServer, messages: list[dict[str, Any]], **extra: Any) -> Any:
    server.queue(message_script([{"type": "text", "text": "fine"}]))
    client = anthropic.Anthropic(api_key="sk-test", base_url=server.base_url, max_retries=0)
    request = {"model": "claude-sonnet-5-5", "max_tokens": 100, "messages": messages, **extra}
    stream = ResumingStream(client, request, cache=True)
    for _ in stream:
        pass
    return stream.get_final_message()


def test_each_cell_reads_the_ones_before_it_from_the_cache(server: ReplayServer) -> None:
    long = "a long answer about the data. " * 300  # over the minimum a cache entry needs
    history = [user("first question"), assistant(long)]
    first = send(server, [user("first question")])
    assert first.usage.cache_read_input_tokens in (0, None)
    second = send(server, [*history, user("second question")])
    assert not second.usage.cache_read_input_tokens and second.usage.cache_creation_input_tokens > 2000
    written = second.usage.cache_creation_input_tokens
    third = send(server, [*history, user("second question"), assistant("short"), user("third")])
    assert third.usage.cache_read_input_tokens == written  # cells 1-2 read, not resent at full price
    sent = server.requests[-1].body["messages"]
    assert "cache_control" in sent[1]["content"][-1] and "cache_control" in sent[3]["content"][-1]


def test_the_loopback_refuses_breakpoints_the_api_refuses(server: ReplayServer) -> None:
    client = anthropic.Anthropic(api_key="sk-test", base_url=server.base_url, max_retries=0)
    text = {"type": "text", "text": "x", "cache_control": EPH}
    cases = [
        ([{"role": "user", "content": [text] * 5}], "A maximum of 4 blocks with cache_control"),
        ([{"role": "user", "content": [{**text, "text": " "}]}], "cannot be set for empty text blocks"),
        ([{"role": "user", "content": [{**text, "cache_control": {"type": "forever"}}]}], "'ephemeral'"),
        (
            [
                user("q"),
                {
                    "role": "assistant",
                    "content": [
                        {"type": "thinking", "thinking": "t", "signature": "s", **{"cache_control": EPH}},
                        {"type": "text", "text": "a"},
                    ],
                },
                user("n"),
            ],
            "thinking.cache_control: Extra inputs are not permitted",
        ),
    ]
    for messages, says in cases:
        with pytest.raises(anthropic.BadRequestError, match=says):
            client.messages.create(model="claude-sonnet-5-5", max_tokens=10, messages=messages)


def test_a_prompt_that_merely_mentions_cache_control_is_still_cached() -> None:
    messages = [user('what does "cache_control" do?'), assistant("It marks a breakpoint."), user("and then?")]
    assert marks(_cache.place({"messages": messages})) == ["1"]
