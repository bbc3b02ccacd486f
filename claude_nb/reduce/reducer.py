"""Stream events reduced to plain state: blocks, text, thinking, tool calls, usage, status.

Pure and Jupyter-free. Events may be the SDK's objects or plain dicts from any other
source; dispatch is on the ``type`` strings because the SDK builds types it does not
know loosely (an unknown block arrives looking like a ``TextBlock``), so
``isinstance`` would lie. Unknown event, block and delta types are kept, never fatal.
"""

from __future__ import annotations

import json
from typing import Any

from ..core.events import FORMAT as FORMAT
from ..core.events import NOTE as NOTE
from ..core.events import NOTICE as NOTICE
from ..core.events import OPENED as OPENED
from ..core.events import REQUEST as REQUEST
from ..core.events import RESUME as RESUME

# Re-exported: the stages after the reducer read events and usage through it.
from ..core.events import SYNTHESIZED as SYNTHESIZED
from ..core.events import TOOL as TOOL
from ..core.events import TURN as TURN
from ..core.plain import as_plain as as_plain
from ..core.plain import field_of as field_of
from ..core.plain import sum_usage as sum_usage
from .state import TOOL_BLOCKS as _TOOL_BLOCKS
from .state import Block as Block
from .state import Status as Status
from .state import StreamState as StreamState


def _merge_usage(state: StreamState, usage: Any) -> None:
    if usage is None:
        return
    for key, value in as_plain(usage).items():
        if value is not None:
            state.usage[key] = value


def _block_for(state: StreamState, index: Any) -> Block | None:
    # Blocks arrive in index order; look from the end, where the live one is.
    for block in reversed(state.blocks):
        if block.index == index:
            return block
    return None


def reduce_event(state: StreamState, event: Any, now: float, kind: Any = None) -> None:
    """Apply one event to ``state`` in place. ``now`` is a monotonic clock reading;
    ``kind`` is the event's type when the caller has read it already."""
    if kind is None:
        kind = field_of(event, "type")
    if kind == "content_block_delta" and state.blocks and not isinstance(event, dict):
        # The hot path (thousands per answer): a text delta for the newest block.
        delta = event.delta
        block = state.blocks[-1]
        if (
            delta.type == "text_delta"
            and block.index == event.index + state.index_offset
            and state.first_token_at is not None
        ):
            block.pieces.append(delta.text)
            state.version += 1
            return
    if state.started_at is None:
        state.started_at = now
    if kind == "content_block_delta":
        _apply_delta(state, event, now)
    elif kind == "content_block_start":
        content = field_of(event, "content_block")
        _start_block(state, field_of(event, "index", len(state.blocks)) + state.index_offset, content, now)
    elif kind == "content_block_stop":
        _stop_block(state, event)
    elif kind == "message_start":
        message = field_of(event, "message")
        state.status = "streaming"
        state.notice = None
        state.model = field_of(message, "model", "") or state.model
        state.message_id = field_of(message, "id", "") or ""
        _merge_usage(state, field_of(message, "usage"))
        _whole_message(state, message, now)
    elif kind == "message_delta":
        delta = field_of(event, "delta")
        state.stop_reason = field_of(delta, "stop_reason") or state.stop_reason
        details = field_of(delta, "stop_details")
        if details is not None:
            state.stop_details = as_plain(details) or {}
        for name in ("container", "context_management"):
            value = field_of(delta, name) if name == "container" else field_of(event, name)
            if value is not None:
                state.message_extra[name] = as_plain(value)
        _merge_usage(state, field_of(event, "usage"))
    elif kind == "message_stop":
        state.status = "done"
        state.ended_at = now
    elif kind == "error":
        err = field_of(event, "error")
        fail(state, f"{field_of(err, 'type', 'error')}: {field_of(err, 'message', '')}", now)
    elif kind == NOTICE:
        state.notice = field_of(event, "text")
    elif kind == RESUME:
        _resume(state, event)
    elif kind == TOOL:
        _tool(state, event)
    elif kind == TURN:
        _turn(state, event)
    elif kind == NOTE:
        note = str(field_of(event, "text", ""))
        if note not in state.notes:  # the transport repeats a recorded answer's note each turn
            state.notes.append(note)
    elif kind == FORMAT:
        state.answer_format = str(field_of(event, "format", "") or "")
    elif kind == OPENED:
        state.request_id = str(field_of(event, "request_id", "") or "") or state.request_id
    elif kind == REQUEST:
        pass  # the start time is set above
    elif kind == "ping" or kind in SYNTHESIZED:
        # ping carries nothing; the rest are the SDK's synthesized copies of raw deltas.
        return
    else:
        state.unknown_events.append(str(kind))
    state.version += 1


def _whole_message(state: StreamState, message: Any, now: float) -> None:
    """A ``message_start`` that already holds the turn (a cache, a replay, a gateway that
    buffers): its blocks are the answer, each closed, and its stop reason stands."""
    content = field_of(message, "content") or []
    for i, block in enumerate(content):
        started = _start_block(state, i + state.index_offset, block, now)
        started.closed = True
        if started.type in _TOOL_BLOCKS:
            started.input = as_plain(started.data.get("input")) or {}
        if started.type == "thinking":
            started.signature = str(started.data.get("signature") or "")
        if started.type == "text":
            started.citations = list(started.data.get("citations") or [])
    state.stop_reason = field_of(message, "stop_reason") or state.stop_reason
    details = field_of(message, "stop_details")
    if details is not None:
        state.stop_details = as_plain(details) or {}


def _start_block(state: StreamState, index: int, content: Any, now: float) -> Block:
    plain = as_plain(content) or {}
    kind = str(plain.get("type", "unknown"))
    block = Block(index=index, type=kind, data=plain)
    if kind == "text" and plain.get("text"):
        block.pieces.append(plain["text"])
    elif kind == "thinking" and plain.get("thinking"):
        block.pieces.append(plain["thinking"])
    if kind == "redacted_thinking" or kind.endswith("_tool_result"):
        block.closed = True
    if kind == "fallback":
        # Another model answers from here on (server-side fallbacks): the footer, the
        # Message and its provenance name the one that wrote the answer.
        state.model = str(field_of(plain.get("to"), "model", "") or state.model)
    state.blocks.append(block)
    if kind in ("text", "thinking", "redacted_thinking") and state.first_token_at is None:
        state.first_token_at = now
    return block


def _tool(state: StreamState, event: Any) -> None:
    wanted = field_of(event, "id")
    for block in reversed(state.blocks):
        if block.type in _TOOL_BLOCKS and block.data.get("id") == wanted:
            block.tool_status = str(field_of(event, "status", ""))
            block.tool_result = field_of(event, "content")
            block.tool_seconds = field_of(event, "seconds")
            state.tools_version += 1
            return


def _turn(state: StreamState, event: Any) -> None:
    state.exchanged.extend(field_of(event, "messages", []) or [])
    state.earlier_usage = sum_usage(state.earlier_usage, state.usage)
    state.usage = {}
    state.turn_base = max((b.index for b in state.blocks), default=-1) + 1
    state.index_offset = state.turn_base
    state.stop_reason = None
    state.stop_details = {}


def _resume(state: StreamState, event: Any) -> None:
    drop = {state.turn_base + int(i) for i in field_of(event, "discard", [])}
    state.blocks = [b for b in state.blocks if b.index not in drop]
    texts = [b for b in state.blocks if b.type == "text"]
    if texts and texts[-1] is state.blocks[-1]:
        last = texts[-1]
        last.pieces[:] = [last.content.rstrip()]
    state.index_offset = state.turn_base + int(field_of(event, "offset", 0))
    state.resumes.append(str(field_of(event, "reason", "")))
    state.notice = None
    state.status = "streaming"


def _apply_delta(state: StreamState, event: Any, now: float) -> None:
    block = _block_for(state, field_of(event, "index") + state.index_offset)
    delta = field_of(event, "delta")
    kind = field_of(delta, "type")
    if block is None:
        state.unknown_events.append(f"delta for unknown block {field_of(event, 'index')}")
        return
    if kind == "text_delta":
        block.pieces.append(field_of(delta, "text", ""))
        if state.first_token_at is None:
            state.first_token_at = now
    elif kind == "thinking_delta":
        block.pieces.append(field_of(delta, "thinking", ""))
    elif kind == "input_json_delta":
        block.json_pieces.append(field_of(delta, "partial_json", ""))
        state.tools_version += 1
    elif kind == "signature_delta":
        block.signature += field_of(delta, "signature", "")
    elif kind == "citations_delta":
        block.citations.append(as_plain(field_of(delta, "citation")))
    else:
        # A delta of a kind not known here sets the fields it names, as the one such
        # delta the API documents does (``compaction_delta``: the summary, assigned):
        # the block then goes back as it came.
        for name, value in (as_plain(delta) or {}).items():
            if name != "type":
                block.data[name] = value


def _stop_block(state: StreamState, event: Any) -> None:
    block = _block_for(state, field_of(event, "index") + state.index_offset)
    if block is None:
        return
    block.closed = True
    if block.type in _TOOL_BLOCKS:
        # The SDK hands the finished block over; from other sources parse the JSON once.
        finished = field_of(event, "content_block")
        parsed = field_of(finished, "input") if finished is not None else None
        if parsed is None:
            raw = "".join(block.json_pieces)
            try:
                # No input deltas: the input came whole with the block's start (a replay,
                # a cache, a gateway), and that is the call's input.
                parsed = json.loads(raw) if raw.strip() else (block.data.get("input") or {})
            except ValueError:
                parsed = {"_unparsed": raw}
        block.input = as_plain(parsed)


def fail(state: StreamState, message: str, now: float, *, stopped: bool = False) -> None:
    """End the stream as failed (or stopped by the user), keeping everything received."""
    state.status = "stopped" if stopped else "error"
    state.error = message
    state.ended_at = now
    state.version += 1
