"""What the ``anthropic-version`` a request names changes in what the API accepts.

Every SDK 2.x sends ``2026-10-21``. Under it the API refuses the sampling parameters
(``temperature``, ``top_p``, ``top_k``, even at their defaults), a ``document`` block
inside an assistant message and a user message's text that carries ``citations``
(directly or inside a ``search_result``). Older versions accepted all three; a
loopback server that accepted them too would hide a client that sends them.
"""

from __future__ import annotations

from typing import Any

from ._rules import Rejection

STRICT_VERSION = "2026-10-21"
SAMPLING = ("temperature", "top_p", "top_k")


def _bad(message: str) -> Rejection:
    return Rejection(400, "invalid_request_error", message)


def check_version(headers: dict[str, str], body: dict[str, Any]) -> Rejection | None:
    """The first rule of the request's API version that ``body`` breaks, or None."""
    version = headers.get("anthropic-version", "")
    if version < STRICT_VERSION:  # dates in ISO form compare as strings
        return None
    for name in SAMPLING:
        if name in body:
            return _bad(f"{name}: Extra inputs are not permitted")
    messages = body.get("messages")
    for i, message in enumerate(messages if isinstance(messages, list) else []):
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            continue
        role = message.get("role")
        for j, block in enumerate(content):
            if not isinstance(block, dict):
                continue
            where = f"messages.{i}.content.{j}"
            if role == "assistant" and block.get("type") == "document":
                return _bad(f"{where}: `document` blocks are not permitted in `assistant` messages")
            if role == "user" and _cites(block):
                return _bad(f"{where}: `citations` are not permitted on text in `user` messages")
    return None


def _cites(block: dict[str, Any]) -> bool:
    if block.get("type") == "text":
        return bool(block.get("citations"))
    if block.get("type") == "search_result":
        return any(isinstance(b, dict) and _cites(b) for b in block.get("content") or [])
    return False
