"""Recorded streams (``tests/streams/*.sse``) and what each says of itself.

``expected`` folds a stream's events the plain way the wire format documents, with
no claude_nb or SDK code: the Message it ends with (every block as it arrived), the
answer's text, the thinking, and each tool call's input. The tests hold the view and
the bound Message to that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STREAMS = Path(__file__).parent / "streams"


def events(path: Path) -> list[dict[str, Any]]:
    out = []
    for frame in path.read_text(encoding="utf-8").split("\n\n"):
        for line in frame.splitlines():
            if line.startswith("data: "):
                out.append(json.loads(line[len("data: ") :]))
    return out


def all_streams() -> list[Path]:
    return sorted(STREAMS.glob("*.sse"))


@dataclass
class Expected:
    message: dict[str, Any]
    text: str
    thinking: str
    tool_inputs: dict[str, Any]


def expected(stream: list[dict[str, Any]]) -> Expected:
    message: dict[str, Any] = {}
    buffers: dict[int, str] = {}
    for event in stream:
        kind = event["type"]
        if kind == "message_start":
            message = json.loads(json.dumps(event["message"]))
        elif kind == "content_block_start":
            message["content"].append(json.loads(json.dumps(event["content_block"])))
        elif kind == "content_block_delta":
            block, delta = message["content"][event["index"]], event["delta"]
            dtype = delta["type"]
            if dtype == "text_delta":
                block["text"] += delta["text"]
            elif dtype == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif dtype == "signature_delta":
                block["signature"] = delta["signature"]
            elif dtype == "input_json_delta":
                buffers[event["index"]] = buffers.get(event["index"], "") + delta.get("partial_json", "")
            elif dtype == "citations_delta":
                block.setdefault("citations", None)
                block["citations"] = [*(block["citations"] or []), delta["citation"]]
            else:
                block.update({k: v for k, v in delta.items() if k != "type"})
        elif kind == "content_block_stop":
            raw = buffers.pop(event["index"], "")
            if raw.strip():
                message["content"][event["index"]]["input"] = json.loads(raw)
        elif kind == "message_delta":
            message["stop_reason"] = event["delta"].get("stop_reason")
            if event["delta"].get("stop_details") is not None:
                message["stop_details"] = event["delta"]["stop_details"]
            message["usage"].update({k: v for k, v in (event.get("usage") or {}).items() if v is not None})
    content = message["content"]
    text, previous_text = [], True
    for block in content:
        if block["type"] == "text":
            if text and not previous_text:
                text.append("\n\n")
            text.append(block["text"])
        previous_text = block["type"] == "text"
    return Expected(
        message=message,
        text="".join(text),
        thinking="\n\n".join(b["thinking"] for b in content if b["type"] == "thinking"),
        tool_inputs={b["id"]: b.get("input") for b in content if b["type"].endswith("tool_use")},
    )


def without_nulls(value: Any) -> Any:
    """JSON as the SDK dumps it (``exclude_none``): comparisons ignore absent-vs-null."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value
