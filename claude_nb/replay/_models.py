"""What the loopback's Models API lists: a few models, newest first, each with the
capabilities the real API reports (``{"supported": bool}`` per feature). A model it
does not list is still described (with everything supported), so a test may name any
model; ids starting ``claude-unlisted`` get the API's 404 instead."""

from __future__ import annotations

from typing import Any

UNLISTED = "claude-unlisted"


def _caps(*, effort: bool = True, structured: bool = True, thinking: bool = True) -> dict[str, Any]:
    return {
        "thinking": {"supported": thinking},
        "effort": {"supported": effort},
        "structured_outputs": {"supported": structured},
        "image_input": {"supported": True},
        "pdf_input": {"supported": True},
        "citations": {"supported": True},
        "batch": {"supported": True},
    }


LISTED = [
    ("claude-sonnet-5-5", "Claude Sonnet 5.5", "2026-09-30T00:00:00Z", 64_000, _caps()),
    ("claude-opus-5", "Claude Opus 5", "2026-08-05T00:00:00Z", 32_000, _caps()),
    ("claude-haiku-4-5", "Claude Haiku 4.5", "2025-10-15T00:00:00Z", 64_000, _caps(effort=False)),
]


def model_info(model: str, context_window: int) -> dict[str, Any] | None:
    """The Models API's entry for ``model``, or None for the 404 of an unlisted one."""
    if model.startswith(UNLISTED):
        return None
    for listed, name, created, max_tokens, caps in LISTED:
        if listed == model:
            return _entry(listed, name, created, context_window, max_tokens, caps)
    return _entry(model, model, "2025-01-01T00:00:00Z", context_window, 64_000, _caps())


def model_list(context_window: int) -> dict[str, Any]:
    data = [_entry(m, n, c, context_window, t, caps) for m, n, c, t, caps in LISTED]
    return {"data": data, "has_more": False, "first_id": data[0]["id"], "last_id": data[-1]["id"]}


def _entry(model: str, name: str, created: str, window: int, max_tokens: int, caps: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "model",
        "id": model,
        "display_name": name,
        "created_at": created,
        "max_input_tokens": window,
        "max_tokens": max_tokens,
        "capabilities": caps,
    }
