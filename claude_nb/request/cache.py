"""Prompt-cache breakpoints, placed on a copy of each request as it is sent.

Every cell resends the conversation before it. With a ``cache_control`` breakpoint
on the end of that history, the API keeps the prefix, and the next cell reads it at
a tenth of the input price, faster. Breakpoints go where each request needs them:

* the end of the history (the last message before this cell's prompt): written now,
  read by the next cell;
* the end of the history one cell earlier: read now (written by the previous cell),
  whatever the number of blocks in between;
* the last tool results of a tool loop in progress, so each further turn of the same
  cell reads the turns before it;
* a long system prompt (it, and the tool definitions before it, are the same for
  every cell).

That is at most four, the API's limit. The conversation the magic keeps never holds
a breakpoint (the next cell would send it again); a request that already carries
``cache_control`` anywhere is the caller's own placement and is left alone. Below the
model's minimum cacheable length the API ignores breakpoints, at no cost.
"""

from __future__ import annotations

from typing import Any

EPHEMERAL: dict[str, str] = {"type": "ephemeral"}
MAX_BREAKPOINTS = 4
LONG_SYSTEM_CHARS = 2000
"""About 500 tokens: shorter system prompts are cached with the history anyway."""
_UNMARKABLE = ("thinking", "redacted_thinking")


def place(request: dict[str, Any]) -> dict[str, Any]:
    """``request`` with breakpoints, the messages it changes copied, not altered."""
    if _has_breakpoint(request):
        return request
    messages = list(request.get("messages") or [])
    prompts = [i for i, m in enumerate(messages) if _is_prompt(m)]
    targets: list[int] = []
    if prompts:
        last = prompts[-1]
        if len(prompts) > 1 and prompts[-2] > 0:
            targets.append(prompts[-2] - 1)
        if last > 0:
            targets.append(last - 1)
        tail = len(messages) - 1
        if tail > last and messages[tail].get("role") == "user":
            targets.append(tail)
    out = dict(request)
    system = request.get("system")
    if isinstance(system, str) and len(system) >= LONG_SYSTEM_CHARS:
        out["system"] = [{"type": "text", "text": system, "cache_control": EPHEMERAL}]
    room = MAX_BREAKPOINTS - (1 if "system" in out and out["system"] is not system else 0)
    for index in targets[-room:]:
        marked = _marked(messages[index])
        if marked is not None:
            messages[index] = marked
    out["messages"] = messages
    return out


def _has_breakpoint(request: dict[str, Any]) -> bool:
    """Whether the caller placed breakpoints of their own (on a block, not in any text)."""
    system = request.get("system")
    blocks = list(system) if isinstance(system, list) else []
    for message in request.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else getattr(message, "content", None)
        if isinstance(content, list):
            blocks.extend(content)
    blocks.extend(request.get("tools") or [])
    return any(
        "cache_control" in b if isinstance(b, dict) else getattr(b, "cache_control", None) is not None for b in blocks
    )


def _is_prompt(message: Any) -> bool:
    """A user turn that says something (not only the tool results of a loop)."""
    if not isinstance(message, dict) or message.get("role") != "user":
        return False
    content = message.get("content")
    if isinstance(content, str):
        return True
    return any(isinstance(b, dict) and b.get("type") != "tool_result" for b in content or [])


def _marked(message: dict[str, Any]) -> dict[str, Any] | None:
    """The message with a breakpoint on its last block that can carry one."""
    content = message.get("content")
    blocks = [{"type": "text", "text": content}] if isinstance(content, str) else list(content or [])
    for i in range(len(blocks) - 1, -1, -1):
        block = blocks[i]
        if not isinstance(block, dict) or block.get("type") in _UNMARKABLE:
            continue
        if block.get("type") == "text" and not str(block.get("text", "")).strip():
            continue
        blocks[i] = {**block, "cache_control": EPHEMERAL}
        return {**message, "content": blocks}
    return None
