"""The state a stream is reduced to: its blocks as far as they have arrived, and what
the view reads of them (text, thinking, tool calls, citations, usage).

Plain data, written only by the reducer; every derived view is computed from the
blocks, so the live view and the saved snapshot cannot disagree.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

from ..core.plain import sum_usage

Status = Literal["waiting", "streaming", "done", "error", "stopped"]

TOOL_BLOCKS = frozenset({"tool_use", "server_tool_use", "mcp_tool_use"})
"""Blocks that are calls of a tool (the client's, the API's own, an MCP server's)."""


_COMPACT = threading.Lock()
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>#|~])")


def fallback_seam(data: dict[str, Any]) -> str:
    """Markdown marking where another model went on with the answer."""
    to = data.get("to")
    model = str((to.get("model") if isinstance(to, dict) else "") or "another model")
    escaped = _MARKDOWN_SPECIALS.sub(r"\\\1", model)
    return f"\n\n---\n\n*continued on {escaped}*"


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
    stop_details: dict[str, Any] = field(default_factory=dict)
    """Why the model stopped, in the API's words (a refusal's category and explanation)."""
    message_extra: dict[str, Any] = field(default_factory=dict)
    """Fields of the Message the deltas set that the view does not show (``container``,
    ``context_management``): kept for the Message built from the state."""
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
        return self._joined_text(seams=False)

    @property
    def answer_markdown(self) -> str:
        """The text as the answer pane shows it: where another model took over
        (a ``fallback`` block), a seam that names it."""
        return self._joined_text(seams=True)

    def _joined_text(self, *, seams: bool) -> str:
        out: list[str] = []
        previous_was_text = True
        for block in self.blocks:
            if block.type == "text":
                if out and not previous_was_text:
                    out.append("\n\n")
                out.append(block.content)
                previous_was_text = True
            else:
                if seams and block.type == "fallback":
                    out.append(fallback_seam(block.data))
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
            if b.type in TOOL_BLOCKS and b.closed:
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
        known = {"text", "thinking", "redacted_thinking", "fallback", *TOOL_BLOCKS}
        return [b for b in self.blocks if b.type not in known and not b.type.endswith("_tool_result")]

    @property
    def output_tokens(self) -> int:
        return int(self.total_usage.get("output_tokens") or 0)
