"""Stream events reduced to plain state: blocks, text, thinking, tool calls, usage, status.

Pure and Jupyter-free. Events may be the SDK's objects or plain dicts from any other
source; dispatch is on the ``type`` strings because the SDK builds types it does not
know loosely (an unknown block arrives looking like a ``TextBlock``), so
``isinstance`` would lie. Unknown event, block and delta types are kept, never fatal.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["waiting", "streaming", "done", "error", "stopped"]

_TOOL_BLOCKS = frozenset({"tool_use", "server_tool_use", "mcp_tool_use"})
SYNTHESIZED = frozenset({"text", "thinking", "signature", "citation", "input_json"})
"""Events the SDK adds after each raw delta (copies of it): nothing new to reduce."""

REQUEST = "claude_nb.request"
"""Client event: a request is being sent (times count from here)."""
NOTICE = "claude_nb.notice"
"""Client event: ``text`` says what the transport is doing (waiting to retry, resuming)."""
RESUME = "claude_nb.resume"
"""Client event: a broken stream continues. ``discard``: indices of unfinished blocks
to drop; the kept text loses its trailing whitespace; later block indices are shifted
by ``offset``; ``reason`` is why it broke."""
TOOL = "claude_nb.tool"
"""Client event: a tool call (``id``) is ``running``, or ended ``done``/``error``/``skipped``
with ``content`` (what the model is sent) after ``seconds``."""
TURN = "claude_nb.turn"
"""Client event: the model's turn ended and another follows in the same view (tool
results sent, or a paused turn continued). ``messages``: what the turn added to the
conversation (the assistant turn, then the user turn of tool results, if any)."""
NOTE = "claude_nb.note"
"""Client event: ``text`` is a lasting remark on the answer (why a tool loop stopped)."""
FORMAT = "claude_nb.format"
"""Client event: the answer is ``format`` (``"json"``, asked for with a schema), shown as code."""
OPENED = "claude_nb.opened"
"""Client event: an attempt's response arrived; ``request_id`` is the API's id for it
(its ``request-id`` header), kept with the answer as its provenance."""


def field_of(obj: Any, name: str, default: Any = None) -> Any:
    """Read ``name`` from an SDK model or a dict alike."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def as_plain(obj: Any) -> Any:
    """A JSON-able copy of an SDK model (extra fields of unknown types included) or dict."""
    dump = getattr(obj, "model_dump", None)
    if dump is not None:
        return dump(mode="json", exclude_none=True)
    if isinstance(obj, dict):
        return {k: as_plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [as_plain(v) for v in obj]
    return obj


_COMPACT = threading.Lock()


@dataclass
class Block:
    """One content block as far as it has arrived.

    Text and thinking are kept as lists of pieces (joined on read) so each delta is
    an O(1) append however long the block grows.
    """

    index: int
    type: str
    pieces: list[str] = field(default_factory=list)
    json_pieces: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    citations: list[dict[str, Any]] = field(default_factory=list)
    signature: str = ""
    closed: bool = False
    input: Any = None
    tool_status: str = ""
    """For a tool call run here: ``running``, ``done``, ``error`` or ``skipped``."""
    tool_result: str | None = None
    tool_seconds: float | None = None

    @property
    def content(self) -> str:
        # Read once per frame: join what arrived since the last read into one piece, so
        # each read copies the text once instead of walking thousands of small pieces.
        # Safe against a reader in another thread: the feeding thread only appends
        # (without a lock, on the hot path), and only the pieces joined here are
        # replaced, so an append racing with the join is kept; readers take turns.
        pieces = self.pieces
        if len(pieces) == 1:
            return pieces[0]
        with _COMPACT:
            count = len(pieces)
            joined = "".join(pieces[:count])
            pieces[:count] = [joined] if joined else []
        return joined


@dataclass
class StreamState:
    """Everything the view shows, derived only from events (and the clock readings given)."""

    status: Status = "waiting"
    model: str = ""
    message_id: str = ""
    request_id: str = ""
    answer_format: str = ""
    blocks: list[Block] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)
    stop_reason: str | None = None
    error: str | None = None
    started_at: float | None = None
    first_token_at: float | None = None
    ended_at: float | None = None
    unknown_events: list[str] = field(default_factory=list)
    notice: str | None = None
    """What the transport is doing right now (retrying, resuming), shown in the footer."""
    resumes: list[str] = field(default_factory=list)
    """Why the stream broke, once per time it was resumed."""
    index_offset: int = 0
    turn_base: int = 0
    """Global index of the current model turn's first block (tool loops: one view, many turns)."""
    exchanged: list[dict[str, Any]] = field(default_factory=list)
    """Messages of the turns before the current one (assistant turns, tool results)."""
    earlier_usage: dict[str, Any] = field(default_factory=dict)
    """Usage of the turns before the current one, summed."""
    notes: list[str] = field(default_factory=list)
    tools_version: int = 0
    """Bumped when a tool call's input grows or its run changes, so the table is rebuilt."""
    version: int = 0
    """Bumped on every change, so a renderer can tell cheaply whether to look again."""

    # -- derived views -------------------------------------------------------------
    @property
    def text(self) -> str:
        """Markdown of all text blocks in order: adjacent text blocks join directly
        (citations split one paragraph into several blocks), blocks separated by a
        tool call or other block get a paragraph break."""
        out: list[str] = []
        previous_was_text = True
        for block in self.blocks:
            if block.type == "text":
                if out and not previous_was_text:
                    out.append("\n\n")
                out.append(block.content)
                previous_was_text = True
            else:
                previous_was_text = False
        return "".join(out)

    def text_chars_started(self) -> bool:
        """Whether the newest block is text that has begun: cheap, for every event."""
        return bool(self.blocks) and self.blocks[-1].type == "text" and any(self.blocks[-1].pieces)

    @property
    def thinking(self) -> str:
        return "\n\n".join(b.content for b in self.blocks if b.type == "thinking")

    @property
    def redacted_thinking_count(self) -> int:
        return sum(1 for b in self.blocks if b.type == "redacted_thinking")

    @property
    def hidden_thinking_count(self) -> int:
        """Finished thinking blocks that came with a signature and no text: the API
        hid the thinking (``display: "omitted"``, the default of newer models)."""
        return sum(1 for b in self.blocks if b.type == "thinking" and b.closed and b.signature and not any(b.pieces))

    @property
    def thinking_chars(self) -> int:
        return sum(len(p) for b in self.blocks if b.type == "thinking" for p in b.pieces)

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        """Closed tool-use blocks, with results attached: a server tool's result block,
        or what running a notebook function gave (``status``, ``is_error``, ``seconds``)."""
        results = {b.data.get("tool_use_id"): b for b in self.blocks if b.type.endswith("_tool_result")}
        calls = []
        for b in self.blocks:
            if b.type in _TOOL_BLOCKS and b.closed:
                call = {"id": b.data.get("id", ""), "name": b.data.get("name", ""), "input": b.input, "type": b.type}
                result = results.get(call["id"])
                if result is not None:
                    call["result"] = result.data.get("content")
                    call["result_type"] = result.type
                if b.tool_status:
                    call["status"] = b.tool_status
                    if b.tool_result is not None:
                        call["result"] = b.tool_result
                        call["is_error"] = b.tool_status in ("error", "skipped")
                        call["seconds"] = b.tool_seconds
                calls.append(call)
        return calls

    @property
    def total_usage(self) -> dict[str, Any]:
        """Usage of every model turn shown in this view, summed."""
        if not self.earlier_usage:
            return self.usage
        return sum_usage(self.earlier_usage, self.usage)

    @property
    def citations(self) -> list[dict[str, Any]]:
        return [c for b in self.blocks if b.type == "text" for c in b.citations]

    @property
    def other_blocks(self) -> list[Block]:
        """Blocks of types the view has no dedicated place for (future types included)."""
        known = {"text", "thinking", "redacted_thinking", *_TOOL_BLOCKS}
        return [b for b in self.blocks if b.type not in known and not b.type.endswith("_tool_result")]

    @property
    def output_tokens(self) -> int:
        return int(self.total_usage.get("output_tokens") or 0)


def sum_usage(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two usage records added up (nested counters too); other fields from ``b`` win."""
    out = dict(a)
    for key, value in b.items():
        if isinstance(value, bool) or not isinstance(value, (int, dict)):
            out[key] = value if key not in out or value is not None else out[key]
        elif isinstance(value, int) and isinstance(out.get(key, 0), int):
            out[key] = out.get(key, 0) + value
        elif isinstance(value, dict) and isinstance(out.get(key, {}), dict):
            out[key] = sum_usage(out.get(key, {}), value)
    return out


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
    elif kind == "message_delta":
        delta = field_of(event, "delta")
        state.stop_reason = field_of(delta, "stop_reason") or state.stop_reason
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


def _start_block(state: StreamState, index: int, content: Any, now: float) -> None:
    plain = as_plain(content) or {}
    kind = str(plain.get("type", "unknown"))
    block = Block(index=index, type=kind, data=plain)
    if kind == "text" and plain.get("text"):
        block.pieces.append(plain["text"])
    elif kind == "thinking" and plain.get("thinking"):
        block.pieces.append(plain["thinking"])
    if kind == "redacted_thinking" or kind.endswith("_tool_result"):
        block.closed = True
    state.blocks.append(block)
    if kind in ("text", "thinking", "redacted_thinking") and state.first_token_at is None:
        state.first_token_at = now


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
        block.data.setdefault("_deltas", []).append(as_plain(delta))


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
                parsed = json.loads(raw) if raw.strip() else {}
            except ValueError:
                parsed = {"_unparsed": raw}
        block.input = as_plain(parsed)


def fail(state: StreamState, message: str, now: float, *, stopped: bool = False) -> None:
    """End the stream as failed (or stopped by the user), keeping everything received."""
    state.status = "stopped" if stopped else "error"
    state.error = message
    state.ended_at = now
    state.version += 1
