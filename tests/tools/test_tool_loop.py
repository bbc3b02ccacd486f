"""The tool loop through the real SDK over real HTTP against the loopback server: the
definitions sent, the calls run, the results sent back, every turn in one view."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import anthropic
import pandas as pd
import pytest

from claude_nb import StreamView
from claude_nb.api.stream import resumable
from claude_nb.core.errors import ClaudeError
from claude_nb.replay import ReplayServer
from claude_nb.tools.loop import AsyncToolLoop
from claude_nb.tools.toolbox import Toolbox, lookup_functions, server_tool

from ..wire.test_resume import Recorder

pytestmark = pytest.mark.sdk  # run again against the oldest supported SDK

ran: list[tuple[str, Any]] = []


def get_weather(city: str, units: str = "celsius", days: list[int] | None = None) -> str:
    """Today's weather for a city.

    Args:
        city: The city to look up.
        units: celsius or fahrenheit.
        days: How many days ahead.
    """
    ran.append(("get_weather", {"city": city, "units": units, "days": days}))
    return f"sunny in {city}, 21 {units}"


def get_time() -> str:
    """The time now."""
    ran.append(("get_time", {}))
    return "12:00"


def explode(reason: str) -> str:
    """Always fails.

    Args:
        reason: Why.
    """
    raise RuntimeError(f"boom: {reason}")


async def slow_lookup(key: str) -> dict[str, Any]:
    """Looks a key up, asynchronously.

    Args:
        key: The key.
    """
    await asyncio.sleep(0.01)
    return {"key": key, "value": 7}


@pytest.fixture(autouse=True)
def _fresh() -> None:
    ran.clear()


def _client(server: ReplayServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="sk-test", base_url=server.base_url, max_retries=0)


def _run(server: ReplayServer, prompt: str, tools: list[Any], **extra: Any) -> tuple[Recorder, Any, list[Any]]:
    before = len(server.requests)
    view = Recorder()
    request = {"model": "claude-sonnet-5-5", "max_tokens": 1000, "messages": [{"role": "user", "content": prompt}]}
    try:
        message = view.consume(resumable(_client(server), tools=tools, **request, **extra))
    except Exception as exc:
        message = exc
    return view, message, server.requests[before:]


def test_the_definition_comes_from_the_signature_and_docstring() -> None:
    (definition,) = Toolbox([get_weather]).definitions
    assert definition["name"] == "get_weather"
    assert definition["description"] == "Today's weather for a city."
    schema = definition["input_schema"]
    assert schema["required"] == ["city"]
    assert schema["properties"]["city"]["type"] == "string"
    assert schema["properties"]["city"]["description"] == "The city to look up."
    assert schema["properties"]["days"]["description"] == "How many days ahead."
    assert definition["eager_input_streaming"] is True  # inputs stream as generated
    assert Toolbox([get_time]).definitions[0]["input_schema"]["properties"] == {}


def test_one_call_is_run_and_its_result_sent_back(server: ReplayServer) -> None:
    view, message, sent = _run(server, "replay:tools what is the weather", [get_weather])
    assert isinstance(message, anthropic.types.Message), message
    assert len(sent) == 2
    assert sent[0].body["tools"][0]["name"] == "get_weather"
    # The input JSON arrived split mid-token; the function ran once with the parsed input.
    assert ran == [("get_weather", {"city": "Zürich", "units": "celsius", "days": [1, 2, 3]})]
    second = sent[1].body["messages"]
    assert [m["role"] for m in second] == ["user", "assistant", "user"]
    assert second[1]["content"][-1]["type"] == "tool_use"
    assert second[2]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_01A", "content": "sunny in Zürich, 21 celsius"}
    ]
    assert message.id == "msg_reply" and message.stop_reason == "end_turn"  # the final turn is bound
    (call,) = view.tool_calls
    assert call["status"] == "done" and call["result"] == "sunny in Zürich, 21 celsius" and not call["is_error"]
    assert "sunny in Zürich, 21 celsius" in view.to_html()
    assert "Let me check the weather." in view.text and "That is all." in view.text
    assert [m["role"] for m in view.messages] == ["assistant", "user", "assistant"]
    assert view.status == "done"


def test_parallel_calls_and_one_without_arguments(server: ReplayServer) -> None:
    view, message, sent = _run(server, "replay:parallel_tools both", [get_weather, get_time])
    assert len(sent) == 2 and isinstance(message, anthropic.types.Message)
    assert ran == [("get_weather", {"city": "Oslo", "units": "celsius", "days": None}), ("get_time", {})]
    results = sent[1].body["messages"][-1]["content"]
    assert [r["tool_use_id"] for r in results] == ["toolu_01P", "toolu_02P"]
    assert [c["input"] for c in view.tool_calls] == [{"city": "Oslo"}, {}]


def test_a_raising_tool_becomes_an_error_result(server: ReplayServer) -> None:
    view, message, sent = _run(server, "replay:call_tool go", [explode])
    assert isinstance(message, anthropic.types.Message)
    (result,) = sent[1].body["messages"][-1]["content"]
    assert result["is_error"] is True and result["content"] == "RuntimeError: boom: Zürich"
    assert view.tool_calls[0]["status"] == "error"
    assert "boom: Zürich" in view.to_html()


def test_an_async_tool_is_awaited_in_both_loops(server: ReplayServer) -> None:
    _view, _message, sent = _run(server, "replay:call_tool go", [slow_lookup])
    assert json.loads(sent[1].body["messages"][-1]["content"][0]["content"]) == {"key": "Zürich", "value": 7}

    async def go() -> tuple[StreamView, Any]:
        client = anthropic.AsyncAnthropic(api_key="sk-test", base_url=server.base_url, max_retries=0)
        request = {"model": "m", "max_tokens": 100, "messages": [{"role": "user", "content": "replay:call_tool x"}]}
        pending = resumable(client, tools=[slow_lookup], **request)
        assert isinstance(pending, AsyncToolLoop)
        view = StreamView(frame_interval=0)
        return view, await view.aconsume(pending)

    aview, amessage = asyncio.run(go())
    assert amessage.stop_reason == "end_turn" and '"value": 7' in aview.text
    assert aview.tool_calls[0]["status"] == "done"


def test_an_undefined_tool_name_is_an_error_result_and_the_answer_goes_on(server: ReplayServer) -> None:
    view, message, sent = _run(server, "replay:tool_unknown", [get_time])
    assert isinstance(message, anthropic.types.Message) and len(sent) == 2
    (result,) = sent[1].body["messages"][-1]["content"]
    assert result["is_error"] is True and "no_such_tool" in result["content"]
    assert ran == [] and view.status == "done"


def test_max_turns_bounds_the_requests_and_says_why(server: ReplayServer) -> None:
    view, message, sent = _run(server, "replay:tool_forever", [get_time], max_turns=3)
    assert len(sent) == 3 and len(ran) == 2  # the third turn's call is not run
    assert message.stop_reason == "tool_use"
    assert view.tool_calls[-1]["status"] == "skipped"
    footer = view.to_html()
    assert "stopped after 3 turns (max turns 3); the model still asked for tools" in footer
    assert view.status == "done"


@pytest.mark.parametrize(
    ("scenario", "stop", "why"),
    [
        ("tool_cut", "max_tokens", "hit max_tokens"),
        ("tool_cut_by_window", "model_context_window_exceeded", "the context window ended the turn"),
    ],
)
def test_input_cut_short_is_not_run(server: ReplayServer, scenario: str, stop: str, why: str) -> None:
    view, message, sent = _run(server, f"replay:{scenario}", [get_weather])
    assert len(sent) == 1 and ran == []
    assert message.stop_reason == stop
    (call,) = view.tool_calls
    assert call["status"] == "skipped" and why in call["result"]
    assert f"stop: {stop}" in view.to_html()


def test_a_paused_turn_is_sent_back_unchanged_and_continued(server: ReplayServer) -> None:
    view, message, sent = _run(server, "replay:pause_turn tides", [], server_tools=["web_search"])
    assert len(sent) == 2
    paused = sent[1].body["messages"][-1]
    assert paused["role"] == "assistant"
    assert [b["type"] for b in paused["content"]] == ["text", "server_tool_use", "web_search_tool_result"]
    assert view.text == "Searching first.\n\nAfter the pause: high tide is at noon."
    assert message.id == "msg_after_pause"
    assert "Tide tables" in view.to_html()


def test_server_tool_results_are_shown_readably(server: ReplayServer) -> None:
    view, message, sent = _run(server, "replay:server_results", [], server_tools="web_fetch,code_execution")
    assert isinstance(message, anthropic.types.Message)
    names = [t["name"] for t in sent[0].body["tools"]]
    assert names == ["web_fetch", "code_execution"]
    html = view.to_html()
    assert 'href="https://example.org/page"' in html and "A page" in html  # fetched page: title + URL
    assert "42" in html and "ls: nope" in html and "return code 2" in html  # stdout, stderr, return code
    assert "line one" in html  # a text editor result, shown generically
    assert "url_not_accessible" in html  # an error as an error


def test_search_hits_are_links_with_their_host(server: ReplayServer) -> None:
    view, _message, _ = _run(server, "replay:web_search weather", [], server_tools=["web_search"])
    html = view.to_html()
    assert 'href="https://example.org/weather"' in html and "<small>example.org</small>" in html


def test_the_table_shows_a_call_pending_with_its_input_growing(server: ReplayServer) -> None:
    view, _message, _ = _run(server, "replay:tools go", [get_weather])
    tables = [m["tools"] for m in view.sent if m.get("tools")]
    pending = [t for t in tables if "cnb-tool-pending" in t]
    assert pending, tables
    assert any("Zü" in t and "Zürich" not in t for t in pending)  # the input shown as it grows
    assert any("Zürich" in t and "celsius" not in t for t in pending)
    assert any("cnb-tool-running" in t for t in tables)
    assert "cnb-tool-done" in tables[-1]


def test_long_results_are_folded_in_the_table_and_capped_for_the_model(server: ReplayServer) -> None:
    def dump(city: str) -> str:
        """A long result.

        Args:
            city: Where.
        """
        return "row\n" * 50_000

    before = len(server.requests)
    view = StreamView(frame_interval=0)
    request = {"model": "m", "max_tokens": 100, "messages": [{"role": "user", "content": "replay:call_tool go"}]}
    view.consume(resumable(_client(server), tools=[dump], tool_result_chars=1_000, **request))
    sent = server.requests[before + 1].body["messages"][-1]["content"][0]["content"]
    assert sent.startswith("row\n") and len(sent) < 1_100 and "199,000 more characters cut" in sent
    html = view.to_html()
    assert "<details><summary>all 1,0" in html  # the table shows a preview, the rest folded


def test_server_tools_come_from_the_sdk_types() -> None:
    import anthropic.types as t

    definition, beta = server_tool("web_search")
    assert definition["name"] == "web_search" and definition["type"].startswith("web_search_")
    newest = max(n for n in dir(t) if n.startswith("WebSearchTool2") and n.endswith("Param"))
    assert definition["type"] == "web_search_" + newest[len("WebSearchTool") : -len("Param")]
    assert beta is None  # generally available: no beta header
    assert server_tool("web_search_20250305")[0] == {"type": "web_search_20250305", "name": "web_search"}
    with pytest.raises(ClaudeError, match="no server tool named 'teleport'"):
        server_tool("teleport")


def test_tools_are_looked_up_by_name_with_one_clear_error() -> None:
    namespace = {"f": get_time, "n": 3}
    assert lookup_functions("f", namespace) == [get_time]
    with pytest.raises(ClaudeError, match="not defined: g, h; not callable: n"):
        lookup_functions("f, g,h,n", namespace)


def test_a_function_returning_a_dataframe_sends_its_description() -> None:
    def sales(region: str) -> pd.DataFrame:
        """Daily sales of a region."""
        return pd.DataFrame({"units": range(5000)})

    outcome = Toolbox([sales]).run({"id": "t1", "name": "sales", "input": {"region": "north"}})
    assert outcome.status == "done"
    assert outcome.content.startswith("DataFrame `result` (shape (5000, 1)): 5,000 rows × 1 column (a sample")
    assert "| 4999 | 4999 |" in outcome.content and len(outcome.content) <= 4000


def plot(title: str) -> Any:
    """Draws a chart.

    Args:
        title: The chart's title.
    """
    from PIL import Image

    ran.append(("plot", {"title": title}))
    return Image.new("RGB", (3000, 1500), "white")  # past the API's 1.15 megapixels: sent scaled


def test_a_function_returning_an_image_sends_the_image(server: ReplayServer) -> None:
    """A figure or image a tool returns is what the model gets, as an image block in
    the tool result (scaled as the API would scale it); the table shows its name."""
    view, message, sent = _run(server, "replay:call_tool draw", [plot])
    assert isinstance(message, anthropic.types.Message), message
    assert ran == [("plot", {"title": "Zürich"})]
    (result,) = sent[1].body["messages"][-1]["content"]
    text, image = result["content"]
    assert text == {"type": "text", "text": "[image: result, 1516×758 PNG]"}
    assert image["type"] == "image" and image["source"]["media_type"] == "image/png"
    assert "is_error" not in result
    (call,) = view.tool_calls
    assert call["status"] == "done" and call["result"] == "[image: result, 1516×758 PNG]"
    assert image["source"]["data"][:40] not in view.to_html() + json.dumps(view.tool_calls)


def test_an_image_the_api_would_refuse_is_refused_by_the_loopback_too(server: ReplayServer) -> None:
    """An image inside a tool result is checked as the API checks it."""
    request = {
        "model": "claude-sonnet-5-5",
        "max_tokens": 100,
        "messages": [
            {"role": "user", "content": "go"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "plot", "input": {}}]},
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "t1",
                        "content": [
                            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}}
                        ],
                    }
                ],
            },
        ],
        "tools": [{"name": "plot", "input_schema": {"type": "object"}}],
    }
    with pytest.raises(anthropic.BadRequestError, match=r"messages\.2\.content\.0\.content\.0"):
        _client(server).messages.create(**request)


def test_images_in_tool_results_are_estimated_by_their_pixels() -> None:
    from PIL import Image

    from claude_nb.request.tokens import block_tokens

    def noise() -> Any:
        """A photo-like image: its PNG does not compress."""
        return Image.effect_noise((800, 600), 64)

    block = Toolbox([noise]).run({"id": "t1", "name": "noise", "input": {}}).result_block("t1")
    assert len(json.dumps(block)) > 400_000  # base64
    assert 600 < block_tokens(block) < 700  # 800×600 / 750, not the base64's length
