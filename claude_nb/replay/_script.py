"""Scripted SSE streams in the Messages API's wire format.

A script is a list of steps the server plays in order. Builders here produce the
event sequence the real API sends (``message_start`` with usage, one
start/delta.../stop triple per block, ``message_delta`` with cumulative usage,
``message_stop``, pings in between), so a script is faithful by construction and
the tests only choose content and faults.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any, Literal

from ._rules import Rejection, sign_thinking

StepKind = Literal["event", "sleep", "drop", "raw"]


@dataclass(frozen=True)
class Step:
    """One thing the server does while answering: send an SSE frame, pause, or fail."""

    kind: StepKind
    name: str = ""
    data: Any = None
    seconds: float = 0.0


@dataclass(frozen=True)
class HttpError:
    """An HTTP error answered before any stream, with the documented JSON body."""

    status: int
    error_type: str
    message: str
    retry_after_ms: int | None = None


@dataclass
class Script:
    """What one request is answered with: an HTTP error or a stream of steps.

    ``pace`` is the pause after every event (seconds); 0 sends as fast as possible.
    """

    steps: list[Step] = field(default_factory=list)
    error: HttpError | None = None
    pace: float = 0.0
    silent: float = 0.0
    """Seconds to hold the request before answering at all (a server that took the
    request and says nothing: no status, no headers)."""
    note: str = ""
    """Sent as the ``claude-nb-note`` response header (URL-quoted): where the answer comes
    from when it is not Claude's (demo mode), for the view to say so."""

    def event(self, name: str, data: dict[str, Any]) -> Script:
        self.steps.append(Step("event", name, data))
        return self


def _chunks(text: str, size: int) -> list[str]:
    """Token-sized pieces of varying length (1 to 2·size-1 characters, size on
    average), as the API's deltas vary; seeded by the text so a script is repeatable.
    Pieces may split a grapheme (an emoji sequence, a combining mark), as real ones do."""
    if size <= 1 or len(text) <= 1:
        return [text[i : i + 1] for i in range(len(text))] or [""]
    rng = random.Random(f"{size}:{len(text)}:{text[:64]}")
    pieces, i = [], 0
    while i < len(text):
        step = rng.randint(1, 2 * size - 1)
        pieces.append(text[i : i + step])
        i += step
    return pieces


def _usage(input_tokens: int, output_tokens: int, **extra: Any) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": extra.pop("cache_creation_input_tokens", 0),
        "cache_read_input_tokens": extra.pop("cache_read_input_tokens", 0),
    }
    usage.update(extra)
    return usage


def block_events(index: int, block: dict[str, Any], chunk: int = 12) -> list[Step]:
    """The start/delta/stop frames for one content block, split like the API splits them."""
    kind = block["type"]
    steps: list[Step] = []

    def ev(name: str, data: dict[str, Any]) -> None:
        steps.append(Step("event", name, {"type": name, **data}))

    if kind == "text":
        start: dict[str, Any] = {"type": "text", "text": ""}
        ev("content_block_start", {"index": index, "content_block": start})
        for piece in _chunks(block["text"], chunk):
            ev("content_block_delta", {"index": index, "delta": {"type": "text_delta", "text": piece}})
        for citation in block.get("citations", []):
            ev(
                "content_block_delta",
                {"index": index, "delta": {"type": "citations_delta", "citation": citation}},
            )
    elif kind == "thinking":
        ev(
            "content_block_start",
            {"index": index, "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
        )
        for piece in _chunks(block["thinking"], chunk):
            ev(
                "content_block_delta",
                {"index": index, "delta": {"type": "thinking_delta", "thinking": piece}},
            )
        ev(
            "content_block_delta",
            {"index": index, "delta": {"type": "signature_delta", "signature": sign_thinking(block["thinking"])}},
        )
    elif kind in ("tool_use", "server_tool_use"):
        ev(
            "content_block_start",
            {
                "index": index,
                "content_block": {"type": kind, "id": block["id"], "name": block["name"], "input": {}},
            },
        )
        # A call with no arguments gets only the empty delta, as the API sends it.
        raw = json.dumps(block["input"]) if block["input"] else ""
        pieces = ["", *(_chunks(raw, max(3, chunk // 3)) if raw else [])]
        for piece in pieces:
            ev(
                "content_block_delta",
                {"index": index, "delta": {"type": "input_json_delta", "partial_json": piece}},
            )
    else:
        # Blocks that arrive whole (redacted thinking, tool results, future types).
        ev("content_block_start", {"index": index, "content_block": block})
    ev("content_block_stop", {"index": index})
    return steps


def message_script(
    blocks: list[dict[str, Any]],
    *,
    model: str = "claude-sonnet-5-5",
    stop_reason: str | None = "end_turn",
    input_tokens: int = 25,
    output_tokens: int | None = None,
    usage_extra: dict[str, Any] | None = None,
    chunk: int = 12,
    ping_every: int = 40,
    message_id: str = "msg_replay_01",
    finish: bool = True,
    pace: float = 0.0,
    stop_details: dict[str, Any] | None = None,
) -> Script:
    """A complete, well-formed stream that ends in a message equal to ``blocks``.

    ``finish=False`` stops after the last block: no ``message_delta``/``message_stop``,
    which is how a clean EOF mid-answer looks.
    """
    out_tokens = output_tokens
    if out_tokens is None:
        out_tokens = max(1, sum(len(json.dumps(b)) for b in blocks) // 4)
    extra = dict(usage_extra or {})
    script = Script(pace=pace)
    script.event(
        "message_start",
        {
            "type": "message_start",
            "message": {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": _usage(input_tokens, 1, **dict(extra)),
            },
        },
    )
    script.event("ping", {"type": "ping"})
    count = 0
    for index, block in enumerate(blocks):
        for step in block_events(index, block, chunk):
            script.steps.append(step)
            count += 1
            if ping_every and count % ping_every == 0:
                script.event("ping", {"type": "ping"})
    if finish:
        script.event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {
                    "stop_reason": stop_reason,
                    "stop_sequence": None,
                    **({"stop_details": stop_details} if stop_details is not None else {}),
                },
                "usage": _usage(input_tokens, out_tokens, **dict(extra)),
            },
        )
        script.event("message_stop", {"type": "message_stop"})
    return script


_ERROR_STATUS = {"overloaded_error": 529, "api_error": 500, "rate_limit_error": 429, "invalid_request_error": 400}


def fold_steps(steps: list[Step]) -> dict[str, Any] | Rejection:
    """The whole Message a non-streaming request gets: the same answer, folded."""
    message: dict[str, Any] = {}
    buffers: dict[int, str] = {}
    for step in steps:
        data = step.data if step.kind == "event" and isinstance(step.data, dict) else {}
        kind = data.get("type")
        if kind == "message_start":
            message = {**data["message"], "content": []}
        elif kind == "content_block_start":
            message["content"].append(dict(data["content_block"]))
        elif kind == "content_block_delta":
            block, delta = message["content"][data["index"]], data["delta"]
            field = {"text_delta": "text", "thinking_delta": "thinking", "signature_delta": "signature"}.get(
                delta["type"]
            )
            if field is not None:
                block[field] = block.get(field, "") + delta[field]
            elif delta["type"] == "input_json_delta":
                buffers[data["index"]] = buffers.get(data["index"], "") + delta["partial_json"]
            elif delta["type"] == "citations_delta":
                block.setdefault("citations", []).append(delta["citation"])
        elif kind == "message_delta":
            message.update(data["delta"])
            message["usage"] = {**message.get("usage", {}), **data.get("usage", {})}
        elif kind == "error":
            error = data["error"]
            return Rejection(_ERROR_STATUS.get(error["type"], 500), error["type"], error["message"])
    for index, raw in buffers.items():
        message["content"][index]["input"] = json.loads(raw) if raw else {}
    return message


def note_signature(data: Any, thinking: dict[int, list[str]], issued: dict[str, str]) -> None:
    """Remember what a streamed thinking block said and the signature it came with, so
    the block is accepted when the client sends it back (a recording's signature was
    made by the real API, not by this server)."""
    delta = data.get("delta") if isinstance(data, dict) else None
    if not isinstance(delta, dict):
        return
    if delta.get("type") == "thinking_delta":
        thinking.setdefault(int(data.get("index", 0)), []).append(str(delta.get("thinking", "")))
    elif delta.get("type") == "signature_delta":
        issued[str(delta.get("signature"))] = "".join(thinking.get(int(data.get("index", 0)), []))


def is_text_delta(data: Any) -> bool:
    delta = data.get("delta") if isinstance(data, dict) else None
    return isinstance(delta, dict) and delta.get("type") == "text_delta"
