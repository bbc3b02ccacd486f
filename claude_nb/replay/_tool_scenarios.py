"""Scenarios for tool loops: the model calls tools, reads their results, answers.

A tool scenario is asked twice or more in one answer: first it calls a tool, and when
the request ends with the ``tool_result`` blocks for those calls it answers in text
that quotes them (so a test can see what the model was sent). ``tool_forever``
never stops asking; ``pause_turn`` pauses a server-tool turn and finishes when the
paused turn is sent back.
"""

from __future__ import annotations

from typing import Any

from ._rules import thinking_enabled
from ._script import Script, message_script


def tool_results(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``tool_result`` blocks of the request's last message when it holds only those."""
    messages = request.get("messages") or []
    last = messages[-1] if messages else {}
    content = last.get("content") if last.get("role") == "user" else None
    if not isinstance(content, list):
        return []
    results = [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]
    # A prompt typed after unanswered calls carries their results and text: not a loop.
    return results if len(results) == len(content) else []


def _result_text(block: dict[str, Any]) -> str:
    content = block.get("content")
    if isinstance(content, list):
        content = " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    flag = " (error)" if block.get("is_error") else ""
    return f"`{block.get('tool_use_id')}`{flag}: {content}"


def tool_reply(request: dict[str, Any]) -> Script:
    """The answer after tool results: each result quoted on a line of its own."""
    lines = [f"- {_result_text(b)}" for b in tool_results(request)]
    text = "Here is what the tools returned:\n\n" + "\n".join(lines) + "\n\nThat is all."
    return message_script([{"type": "text", "text": text}], model=request.get("model", ""), message_id="msg_reply")


def _client_tools(request: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in request.get("tools") or [] if isinstance(t, dict) and t.get("type") in (None, "custom")]


def _example(schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    return {
        "string": "Zürich",
        "integer": 3,
        "number": 2.5,
        "boolean": True,
        "array": [1, 2],
        "object": {},
    }.get(str(kind), "x")


def _call_first_tool(request: dict[str, Any], call_id: str) -> dict[str, Any]:
    """A call of the request's first tool with an input its schema allows (required
    properties only), so any notebook function can be the one called."""
    tools = _client_tools(request)
    tool: dict[str, Any] = tools[0] if tools else {"name": "get_weather", "input_schema": {}}
    schema = tool.get("input_schema") or {}
    props = schema.get("properties") or {}
    args = {name: _example(props.get(name) or {}) for name in schema.get("required") or []}
    return {"type": "tool_use", "id": call_id, "name": tool["name"], "input": args}


def call_tool(request: dict[str, Any]) -> Script:
    """One call of the first tool the request defines; then the reply."""
    if tool_results(request):
        return tool_reply(request)
    return message_script(
        [{"type": "text", "text": "Let me call the tool."}, _call_first_tool(request, "toolu_call_01")],
        model=request.get("model", ""),
        stop_reason="tool_use",
        chunk=4,
    )


def tool_forever(request: dict[str, Any]) -> Script:
    """Asks for another call on every turn: only a turn limit ends it."""
    turn = sum(1 for m in request.get("messages") or [] if m.get("role") == "assistant") + 1
    return message_script(
        [{"type": "text", "text": f"Turn {turn}: one more call."}, _call_first_tool(request, f"toolu_again_{turn}")],
        model=request.get("model", ""),
        stop_reason="tool_use",
    )


def tool_unknown(request: dict[str, Any]) -> Script:
    """Calls a tool nobody defined."""
    if tool_results(request):
        return tool_reply(request)
    call = {"type": "tool_use", "id": "toolu_unknown", "name": "no_such_tool", "input": {"x": 1}}
    return message_script([call], model=request.get("model", ""), stop_reason="tool_use")


def tool_cut(request: dict[str, Any], stop: str = "max_tokens") -> Script:
    """The turn hits max_tokens inside a call's input: the JSON never closes."""
    said = [{"type": "text", "text": "Calling now."}]
    script = message_script(said, model=request.get("model", ""), stop_reason=stop)
    tail = script.steps[-2:]
    del script.steps[-2:]
    start = {"type": "tool_use", "id": "toolu_cut", "name": "get_weather", "input": {}}
    script.event("content_block_start", {"type": "content_block_start", "index": 1, "content_block": start})
    for piece in ("", '{"city": "Be'):
        delta = {"type": "input_json_delta", "partial_json": piece}
        script.event("content_block_delta", {"type": "content_block_delta", "index": 1, "delta": delta})
    script.event("content_block_stop", {"type": "content_block_stop", "index": 1})
    script.steps.extend(tail)
    return script


NARRATION = (
    "I'll look the weather up first.",
    "It says sunny; one more look, to be sure.",
    "Both looks agree, so I can answer.",
)
"""What ``narrated_tools`` says before each call and before its answer."""


def _narration(request: dict[str, Any], words: str) -> dict[str, Any]:
    """Words between calls as today's models send them: in a thinking block (its text
    only where the request asked for it; ``display`` defaults to omitted), or as text
    where thinking is off."""
    if not thinking_enabled(request):
        return {"type": "text", "text": words}
    shown = (request.get("thinking") or {}).get("display") == "summarized"
    return {"type": "thinking", "thinking": words if shown else ""}


def narrated_tools(request: dict[str, Any]) -> Script:
    """Two calls, one per turn, then the answer; each turn opens with the model's own
    words about what it does next."""
    turn = sum(1 for m in request.get("messages") or [] if m.get("role") == "assistant")
    blocks = [_narration(request, NARRATION[min(turn, 2)])]
    if turn < 2:
        blocks.append(_call_first_tool(request, f"toolu_narrated_{turn + 1}"))
        return message_script(blocks, model=request.get("model", ""), stop_reason="tool_use", chunk=6)
    blocks.append({"type": "text", "text": "Sunny, by both looks."})
    return message_script(blocks, model=request.get("model", ""), chunk=6)


def tool_cut_by_window(request: dict[str, Any]) -> Script:
    """The context window ends the turn inside a call's input."""
    return tool_cut(request, "model_context_window_exceeded")


_HIT = {
    "type": "web_search_result",
    "url": "https://example.org/tides",
    "title": "Tide tables",
    "encrypted_content": "EqgfCioIARgB",
    "page_age": "2 days ago",
}


def pause_turn(request: dict[str, Any]) -> Script:
    """A server-tool turn that pauses; sent back unchanged, it finishes in text."""
    messages = request.get("messages") or []
    if messages and messages[-1].get("role") == "assistant":
        citation = {
            "type": "web_search_result_location",
            "url": _HIT["url"],
            "title": _HIT["title"],
            "encrypted_index": "Eo8BCioIAhgB",
            "cited_text": "High tide at noon.",
        }
        return message_script(
            [{"type": "text", "text": "After the pause: high tide is at noon.", "citations": [citation]}],
            model=request.get("model", ""),
            message_id="msg_after_pause",
        )
    call = {"type": "server_tool_use", "id": "srvtoolu_p1", "name": "web_search", "input": {"query": "tides"}}
    result = {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_p1", "content": [_HIT]}
    return message_script(
        [{"type": "text", "text": "Searching first."}, call, result],
        model=request.get("model", ""),
        stop_reason="pause_turn",
    )


def server_results(request: dict[str, Any]) -> Script:
    """Every server-tool result kind, and an error, in one answer."""
    blocks: list[dict[str, Any]] = [{"type": "text", "text": "Fetching, then running code."}]

    def pair(i: int, name: str, tool_input: dict[str, Any], kind: str, content: Any) -> None:
        call_id = f"srvtoolu_{i}"
        blocks.append({"type": "server_tool_use", "id": call_id, "name": name, "input": tool_input})
        blocks.append({"type": kind, "tool_use_id": call_id, "content": content})

    document = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "Hi"}}
    fetched = {"type": "web_fetch_result", "url": "https://example.org/page", "retrieved_at": "2026-12-01T10:00:00Z"}
    pair(
        1,
        "web_fetch",
        {"url": "https://example.org/page"},
        "web_fetch_tool_result",
        {**fetched, "content": {**document, "title": "A page"}},
    )
    code_result = {"type": "code_execution_result", "stdout": "42\n", "stderr": "", "return_code": 0, "content": []}
    pair(2, "code_execution", {"code": "print(6*7)"}, "code_execution_tool_result", code_result)
    bash = {"type": "bash_code_execution_result", "stdout": "", "stderr": "ls: nope\n", "return_code": 2, "content": []}
    pair(3, "bash_code_execution", {"command": "ls nope"}, "bash_code_execution_tool_result", bash)
    edit = {"type": "text_editor_code_execution_view_result", "file_type": "text", "content": "line one\n"}
    pair(
        4,
        "text_editor_code_execution",
        {"command": "view", "path": "a.txt"},
        "text_editor_code_execution_tool_result",
        edit,
    )
    error = {"type": "web_fetch_tool_result_error", "error_code": "url_not_accessible"}
    pair(5, "web_fetch", {"url": "https://example.org/gone"}, "web_fetch_tool_result", error)
    blocks.append({"type": "text", "text": "All done."})
    return message_script(blocks, model=request.get("model", ""))


TOOL_SCENARIOS = {
    "call_tool": call_tool,
    "tool_forever": tool_forever,
    "tool_unknown": tool_unknown,
    "tool_cut": tool_cut,
    "tool_cut_by_window": tool_cut_by_window,
    "pause_turn": pause_turn,
    "server_results": server_results,
    "narrated_tools": narrated_tools,
}
REPLY_AFTER_RESULTS = frozenset({"tools", "parallel_tools", "call_tool", "tool_unknown"})
"""Scenarios that answer in text once their calls' results come back."""
