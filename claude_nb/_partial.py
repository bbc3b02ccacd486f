"""The Message of a view fed event by event, or of an answer cut short: the SDK's own
when an event carries it, else one built from the reducer's state."""

from __future__ import annotations

from typing import Any

import anthropic

from ._reducer import StreamState, as_plain, field_of


def message_from(event: Any, state: StreamState) -> anthropic.types.Message:
    carried = field_of(event, "message")
    if carried is not None and not isinstance(carried, dict):
        return carried  # type: ignore[no-any-return]
    content: list[dict[str, Any]] = []
    for block in state.blocks:
        if block.type == "text":
            content.append({"type": "text", "text": block.content, "citations": block.citations or None})
        elif block.type == "thinking":
            content.append({"type": "thinking", "thinking": block.content, "signature": block.signature})
        elif block.type in ("tool_use", "server_tool_use"):
            content.append({**{k: v for k, v in block.data.items() if k != "_deltas"}, "input": block.input or {}})
        else:
            content.append({k: v for k, v in block.data.items() if k != "_deltas"})
    data = {
        "id": state.message_id or "msg_unknown",
        "type": "message",
        "role": "assistant",
        "model": state.model,
        "content": content,
        "stop_reason": state.stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 0, "output_tokens": 0, **as_plain(state.usage)},
    }
    try:
        return anthropic.types.Message.model_validate(data)
    except Exception:
        return anthropic.types.Message.model_construct(None, **data)
