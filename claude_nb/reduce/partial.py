"""The Message of a view fed event by event, or of an answer cut short: the SDK's own
when an event carries it, else one built from the reducer's state.

Every block goes back as it came (an MCP call's input, a compaction summary, a block
of a type this version does not know), since the next turn sends the Message back:
a block lost or altered here is a conversation the API refuses or misreads. The
Message is the SDK's GA type when every block is one it knows, else its beta type
(which knows the beta blocks), else built as it stands.
"""

from __future__ import annotations

from typing import Any

from ..core.message import build_message, made_for_its_type, validated
from .reducer import StreamState, as_plain, field_of
from .state import TOOL_BLOCKS


def message_from(event: Any, state: StreamState) -> Any:
    carried = field_of(event, "message")
    if carried is not None and not isinstance(carried, dict):
        return carried
    return build_message(message_data(state))


def message_data(state: StreamState) -> dict[str, Any]:
    """The Message the state holds, as the API's JSON."""
    content: list[dict[str, Any]] = []
    for block in state.blocks:
        data = dict(block.data)
        if block.type == "text":
            data["text"] = block.content
            if block.citations:
                data["citations"] = block.citations
        elif block.type == "thinking":
            data.update(thinking=block.content, signature=block.signature or data.get("signature", ""))
        elif block.type in TOOL_BLOCKS:
            data["input"] = block.input if block.input is not None else (data.get("input") or {})
        content.append(data)
    data = {
        "id": state.message_id or "msg_unknown",
        "type": "message",
        "role": "assistant",
        "model": state.model,
        "content": content,
        "stop_reason": state.stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 0, "output_tokens": 0, **as_plain(state.usage)},
        **state.message_extra,
    }
    if state.stop_details:
        data["stop_details"] = state.stop_details
    return data


def kept_whole(final: Any, state: StreamState) -> Any:
    """``final`` as the SDK accumulated it, unless the SDK's accumulator lost blocks it
    does not know (the GA one keeps an MCP call's input as ``{}`` and a compaction's
    summary as None): then the same Message with the blocks as the stream sent them,
    as the SDK's beta type. A block no SDK type knows stays as the SDK built it.
    After a ``fallback`` block the Message names the model that went on (the beta
    accumulator does so; the GA one keeps the first model's name)."""
    content = list(getattr(final, "content", None) or [])
    fell_back = any(b.type == "fallback" for b in state.blocks) and state.model
    lost = bool(content) and len(content) == len(state.blocks) and not all(made_for_its_type(b) for b in content)
    if not lost and not (fell_back and getattr(final, "model", None) != state.model):
        return final
    data = final.model_dump(mode="json", exclude_none=True, warnings=False)
    if lost:
        data["content"] = message_data(state)["content"]
    if fell_back:
        data["model"] = state.model
    return validated(data) or final
