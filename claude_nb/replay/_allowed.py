"""An answer cut down to what the request allows, as the real API would answer it.

A scripted stream may hold thinking, tool calls and server-tool results; the real
API sends thinking only when thinking was asked for (and its text only when the
display mode shows it), ``tool_use`` only when tools were sent, and server-tool
blocks only for the server tools the request named. Cutting every answer here keeps
the scenarios simple and the tests honest: a client that forgets to ask for
something does not get it.
"""

from __future__ import annotations

import re
from typing import Any

from ._rules import sign_thinking, thinking_enabled
from ._script import Step

_FAMILY = re.compile(r"claude-(opus|sonnet|haiku)-(\d+)(?:-(\d{1,2}))?(?:\D|$)")


def default_display(model: str) -> str:
    """What the API does without ``display``: Opus 4.6 and earlier, Sonnet and Haiku 4.x
    and earlier summarize; Opus 4.7 and the 5 family omit; a model this cannot place
    is treated as new (omitted), the safer guess for a client."""
    match = _FAMILY.search(model)
    if match is None:
        return "omitted"
    family, major, minor = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    if major >= 5 or (family == "opus" and (major, minor) >= (4, 7)):
        return "omitted"
    return "summarized"


def thinking_display(body: dict[str, Any]) -> str:
    thinking = body.get("thinking") or {}
    display = thinking.get("display") if isinstance(thinking, dict) else None
    return str(display) if display else default_display(str(body.get("model", "")))


def _tool_kinds(body: dict[str, Any]) -> tuple[bool, set[str]]:
    """Whether client tools were sent, and the names of the server tools asked for."""
    client, server = False, set()
    for tool in body.get("tools") or []:
        if not isinstance(tool, dict):
            continue
        if tool.get("type") in (None, "custom"):
            client = True
        else:
            name = str(tool.get("name", ""))
            server.add(name)
            if name == "code_execution":  # its newer versions run bash and edit files too
                server.update({"bash_code_execution", "text_editor_code_execution"})
    return client, server


def _keep_block(block: dict[str, Any], body: dict[str, Any], dropped_servers: set[str]) -> bool:
    kind = str(block.get("type", ""))
    client, server = _tool_kinds(body)
    if kind in ("thinking", "redacted_thinking"):
        return thinking_enabled(body)
    if kind == "tool_use":
        return client
    if kind == "server_tool_use":
        if str(block.get("name", "")) in server:
            return True
        dropped_servers.add(str(block.get("id", "")))
        return False
    if kind.endswith("_tool_result"):
        return str(block.get("tool_use_id", "")) not in dropped_servers
    return True


def restrict(steps: list[Step], body: dict[str, Any]) -> list[Step]:
    """``steps`` without the blocks the request did not allow, indices renumbered."""
    hide_thinking = thinking_display(body) == "omitted"
    dropped_servers: set[str] = set()
    new_index: dict[int, int | None] = {}
    hidden: set[int] = set()
    kept_tool_use = False
    out: list[Step] = []
    for step in steps:
        data = step.data
        if step.kind != "event" or not isinstance(data, dict) or "index" not in data:
            if step.kind == "event" and isinstance(data, dict) and data.get("type") == "message_delta":
                step = _fix_stop_reason(step, kept_tool_use)
            out.append(step)
            continue
        index = int(data["index"])
        if data.get("type") == "content_block_start":
            block = data.get("content_block") or {}
            if _keep_block(block, body, dropped_servers):
                new_index[index] = len([v for v in new_index.values() if v is not None])
                kept_tool_use = kept_tool_use or block.get("type") == "tool_use"
                if block.get("type") == "thinking" and hide_thinking:
                    hidden.add(index)
            else:
                new_index[index] = None
        target = new_index.get(index)
        if target is None:
            continue
        data = {**data, "index": target}
        delta = data.get("delta") or {}
        if index in hidden and delta.get("type") == "thinking_delta":
            continue
        if index in hidden and delta.get("type") == "signature_delta":
            data["delta"] = {**delta, "signature": sign_thinking("")}
        if delta.get("type") == "citations_delta" and _cites_dropped(delta, body):
            continue
        out.append(Step(step.kind, step.name, data, step.seconds))
    return out


def _cites_dropped(delta: dict[str, Any], body: dict[str, Any]) -> bool:
    citation = delta.get("citation") or {}
    return citation.get("type") == "web_search_result_location" and "web_search" not in _tool_kinds(body)[1]


def _fix_stop_reason(step: Step, kept_tool_use: bool) -> Step:
    delta = step.data.get("delta") or {}
    if delta.get("stop_reason") != "tool_use" or kept_tool_use:
        return step
    return Step(step.kind, step.name, {**step.data, "delta": {**delta, "stop_reason": "end_turn"}}, step.seconds)
