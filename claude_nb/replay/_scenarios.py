"""Named streams the loopback server can replay: the content of a demo or a test.

Each builder takes the request body so a scenario can echo the conversation
(the ``echo`` scenario answers with what it was sent, which is how the tests see
the conversation from the model's side).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ._agent_scenarios import AGENT_SCENARIOS
from ._script import Script, Step, message_script
from ._stop_scenarios import STOP_SCENARIOS
from ._tool_scenarios import REPLY_AFTER_RESULTS, TOOL_SCENARIOS, tool_reply, tool_results

RICH_MARKDOWN = """# Streaming report

Here is **bold**, *italic*, ~~struck~~ and `inline code`, with a [link](https://example.com).

## A table

| language | typing | year |
|----------|--------|-----:|
| Python   | dynamic | 1991 |
| Rust     | static  | 2015 |

## Steps

1. Parse the events
2. Reduce them to state
3. Render the blocks

- one bullet
- another bullet

> A quote worth keeping.

```python
def greet(name: str) -> str:
    return f"Hello, {name}!"
```

Raw <b>html</b> stays text. Done.
"""

THINKING = (
    "The user wants a short answer. Let me think about the structure first: "
    "a heading, then a list. I should keep it brief and check the numbers twice."
)

Builder = Callable[[dict[str, Any]], Script]


def _last_user_text(request: dict[str, Any]) -> str:
    for message in reversed(request.get("messages", [])):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def rich(request: dict[str, Any]) -> Script:
    return message_script([{"type": "text", "text": RICH_MARKDOWN}], model=request.get("model", ""))


MATH_MARKDOWN = (
    "Energy $E = mc^2$ and \\(a^2 + b^2 = c^2\\), for $5 or $10.\n\n"
    "$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$\n\n"
    "| quantity | value |\n|---|---|\n| mass | 3 kg |\n\n"
    "```python\nresult = compute(" + ", ".join(f"argument_{i}" for i in range(30)) + ")\n```\n\n"
)
MATH_AFTER_PAUSE = "\\[\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}\\]\n\nDone.\n"


def math(request: dict[str, Any]) -> Script:
    """Every kind of math, a table and a long code line, then a silence of two and a
    half seconds mid-answer (the page's clock keeps going), then the rest."""
    model = request.get("model", "")
    script = message_script([{"type": "text", "text": MATH_MARKDOWN + MATH_AFTER_PAUSE}], model=model, chunk=6)
    sent, cut = 0, 0
    while sent < len(MATH_MARKDOWN) and cut < len(script.steps):
        step = script.steps[cut]
        if step.kind == "event" and isinstance(step.data, dict):
            sent += len(str((step.data.get("delta") or {}).get("text", "")))
        cut += 1
    script.steps.insert(cut, Step("sleep", seconds=2.5))
    script.pace = 0.01
    return script


def thinking(request: dict[str, Any]) -> Script:
    return message_script(
        [
            {"type": "thinking", "thinking": THINKING},
            {"type": "text", "text": "## Answer\n\n1. first\n2. second\n"},
        ],
        model=request.get("model", ""),
        usage_extra={"cache_read_input_tokens": 7, "cache_creation_input_tokens": 3},
    )


def tools(request: dict[str, Any]) -> Script:
    """Thinking, text, then a tool call whose input JSON is split mid-token."""
    return message_script(
        [
            {"type": "thinking", "thinking": "I need the weather tool."},
            {"type": "text", "text": "Let me check the weather."},
            {
                "type": "tool_use",
                "id": "toolu_01A",
                "name": "get_weather",
                "input": {"city": "Zürich", "units": "celsius", "days": [1, 2, 3]},
            },
        ],
        model=request.get("model", ""),
        stop_reason="tool_use",
        chunk=5,
    )


def parallel_tools(request: dict[str, Any]) -> Script:
    """Two calls in one turn, the second with no arguments (only an empty input delta)."""
    return message_script(
        [
            {"type": "text", "text": "I'll look both up."},
            {"type": "tool_use", "id": "toolu_01P", "name": "get_weather", "input": {"city": "Oslo"}},
            {"type": "tool_use", "id": "toolu_02P", "name": "get_time", "input": {}},
        ],
        model=request.get("model", ""),
        stop_reason="tool_use",
    )


def redacted(request: dict[str, Any]) -> Script:
    return message_script(
        [
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT"},
            {"type": "text", "text": "Answer after redacted thinking."},
        ],
        model=request.get("model", ""),
    )


def web_search(request: dict[str, Any]) -> Script:
    citation = {
        "type": "web_search_result_location",
        "url": "https://example.org/weather",
        "title": "Weather report",
        "encrypted_index": "Eo8BCioIAhgB",
        "cited_text": "It will be sunny.",
    }
    return message_script(
        [
            {"type": "text", "text": "I'll search for that."},
            {
                "type": "server_tool_use",
                "id": "srvtoolu_01",
                "name": "web_search",
                "input": {"query": "weather tomorrow"},
            },
            {
                "type": "web_search_tool_result",
                "tool_use_id": "srvtoolu_01",
                "content": [
                    {
                        "type": "web_search_result",
                        "url": "https://example.org/weather",
                        "title": "Weather report",
                        "encrypted_content": "EqgfCioIARgB",
                        "page_age": "1 day ago",
                    }
                ],
            },
            {"type": "text", "text": "Tomorrow will be sunny.", "citations": [citation]},
        ],
        model=request.get("model", ""),
        usage_extra={"server_tool_use": {"web_search_requests": 1}},
    )


def future(request: dict[str, Any]) -> Script:
    """Types this client has never heard of: an event, a block and a delta."""
    script = message_script([{"type": "text", "text": "Before the future. "}], model=request.get("model", ""))
    stop = script.steps[-2:]
    del script.steps[-2:]
    script.event("future_event", {"type": "future_event", "payload": {"x": 1}})
    script.event(
        "content_block_start",
        {"type": "content_block_start", "index": 1, "content_block": {"type": "hologram", "frames": 3}},
    )
    script.event(
        "content_block_delta",
        {"type": "content_block_delta", "index": 1, "delta": {"type": "hologram_delta", "frame": 1}},
    )
    script.event("content_block_stop", {"type": "content_block_stop", "index": 1})
    script.event(
        "content_block_start",
        {"type": "content_block_start", "index": 2, "content_block": {"type": "text", "text": ""}},
    )
    script.event(
        "content_block_delta",
        {"type": "content_block_delta", "index": 2, "delta": {"type": "text_delta", "text": "After it."}},
    )
    script.event("content_block_stop", {"type": "content_block_stop", "index": 2})
    script.steps.extend(stop)
    return script


def showcase(request: dict[str, Any]) -> Script:
    """Everything at a readable pace: thinking, rich markdown, then a tool call."""
    return message_script(
        [
            {"type": "thinking", "thinking": THINKING * 2},
            {"type": "text", "text": RICH_MARKDOWN},
            {
                "type": "tool_use",
                "id": "toolu_showcase",
                "name": "run_tests",
                "input": {"suite": "browser", "fast": True},
            },
        ],
        model=request.get("model", ""),
        stop_reason="tool_use",
        chunk=8,
        pace=0.012,
    )


def echo(request: dict[str, Any]) -> Script:
    """Answers with a summary of the request, so a test can read what was sent."""
    summary = {
        "turns": len(request.get("messages", [])),
        "last": _last_user_text(request),
    }
    return message_script([{"type": "text", "text": json.dumps(summary)}], model=request.get("model", ""))


def _continuation_of(request: dict[str, Any]) -> str | None:
    """What the answer already holds when ``request`` continues a broken one: the
    assistant text sent back (as a prefill, or before the user's "continue" turn)."""
    messages = request.get("messages", [])
    if len(messages) >= 2 and messages[-1].get("role") == "assistant":
        said = messages[-1]
    elif len(messages) >= 3 and "previous response was interrupted" in _last_user_text(request):
        said = messages[-2]
    else:
        return None
    content = said.get("content")
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") for b in content or [] if isinstance(b, dict) and b.get("type") == "text")


SCENARIOS: dict[str, Builder] = {
    "rich": rich,
    "math": math,
    "thinking": thinking,
    "tools": tools,
    "parallel_tools": parallel_tools,
    "redacted": redacted,
    "web_search": web_search,
    "future": future,
    "echo": echo,
    "showcase": showcase,
    **TOOL_SCENARIOS,
    **STOP_SCENARIOS,
    **AGENT_SCENARIOS,
}


def _tag(request: dict[str, Any], scenarios: Mapping[str, Builder]) -> str | None:
    """The ``replay:NAME`` tag of the newest user message that has one (a continuation
    request after a break ends with the client's own turns, after the tagged prompt)."""
    for message in reversed(request.get("messages", [])):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        text = (
            content
            if isinstance(content, str)
            else " ".join(part.get("text", "") for part in content or [] if isinstance(part, dict))
        )
        for word in text.split():
            if word.startswith("replay:") and word[7:] in scenarios:
                return word[7:]
    return None


def pick_scenario(request: dict[str, Any], scenarios: Mapping[str, Builder] | None = None) -> Script:
    """Choose by a ``replay:NAME`` tag in the prompt; otherwise by what the request asks
    for (tools, thinking), so an untagged demo notebook still shows each part.
    ``scenarios``: the named ones (the built-in ``SCENARIOS`` by default; tests add
    the faults they inject)."""
    named = SCENARIOS if scenarios is None else scenarios
    tag = _tag(request, named)
    if tag in REPLY_AFTER_RESULTS and tool_results(request):
        return tool_reply(request)
    if tag is not None:
        return named[tag](request)
    if tool_results(request):
        return tool_reply(request)
    if request.get("tools"):
        return tools(request)
    if (request.get("thinking") or {}).get("type") in ("enabled", "adaptive"):
        return thinking(request)
    return rich(request)
