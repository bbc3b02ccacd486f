"""What the loopback's Models API lists: today's kinds of model, newest first, each
with the capabilities the real API reports (``{"supported": bool}`` per feature and
per thinking type), its lifecycle and retirement date.

The listed models stand for the shapes a client must handle: one that takes every
thinking type but ``disabled`` (Sonnet 5.5: off means ``between_tools``), one that
refuses a thinking budget (Opus 5.5, always adaptive), one that refuses ``disabled``
and a budget (Fable 5.2), one without adaptive thinking (Haiku 4.5), and a
deprecated one with a retirement date (Opus 4.5). A model it does not list is still
described (with everything supported), so a test may name any model; ids starting
``claude-unlisted`` get the API's 404 instead. Requests are checked against the
same entries (``thinking_refusal``), as the real API refuses a type a model lacks.
"""

from __future__ import annotations

from typing import Any

UNLISTED = "claude-unlisted"
THINKING_TYPES = ("adaptive", "enabled", "disabled", "between_tools")


def _caps(
    *, effort: bool = True, structured: bool = True, refuses: tuple[str, ...] = (), between_tools: bool = True
) -> dict[str, Any]:
    types = {kind: {"supported": kind not in refuses} for kind in THINKING_TYPES}
    types["between_tools"] = {"supported": between_tools and "between_tools" not in refuses}
    return {
        "thinking": {"supported": True, "types": types},
        "effort": {"supported": effort},
        "structured_outputs": {"supported": structured},
        "image_input": {"supported": True},
        "pdf_input": {"supported": True},
        "citations": {"supported": True},
        "batch": {"supported": True},
    }


_ACTIVE: dict[str, Any] = {"lifecycle": "active", "deprecated_at": None, "retires_at": None}
LISTED = [
    (
        "claude-fable-5-2",
        "Claude Fable 5.2",
        "2026-11-09T00:00:00Z",
        128_000,
        _caps(refuses=("enabled", "disabled")),
        _ACTIVE,
    ),
    ("claude-sonnet-5-5", "Claude Sonnet 5.5", "2026-09-28T00:00:00Z", 128_000, _caps(refuses=("disabled",)), _ACTIVE),
    (
        "claude-opus-5-5",
        "Claude Opus 5.5",
        "2026-09-20T00:00:00Z",
        128_000,
        _caps(refuses=("enabled",), between_tools=False),
        _ACTIVE,
    ),
    ("claude-opus-5", "Claude Opus 5", "2026-08-05T00:00:00Z", 128_000, _caps(between_tools=False), _ACTIVE),
    (
        "claude-haiku-4-5",
        "Claude Haiku 4.5",
        "2025-10-15T00:00:00Z",
        64_000,
        _caps(effort=False, refuses=("adaptive",), between_tools=False),
        _ACTIVE,
    ),
    (
        "claude-opus-4-5",
        "Claude Opus 4.5",
        "2025-11-24T00:00:00Z",
        64_000,
        _caps(refuses=("adaptive",), between_tools=False),
        {"lifecycle": "deprecated", "deprecated_at": "2026-11-23T00:00:00Z", "retires_at": "2027-01-22T00:00:00Z"},
    ),
]


def model_info(model: str, context_window: int) -> dict[str, Any] | None:
    """The Models API's entry for ``model``, or None for the 404 of an unlisted one."""
    if model.startswith(UNLISTED):
        return None
    for listed, name, created, max_tokens, caps, life in LISTED:
        if listed == model:
            return _entry(listed, name, created, context_window, max_tokens, caps, life)
    return _entry(model, model, "2025-01-01T00:00:00Z", context_window, 64_000, _caps(), _ACTIVE)


def model_list(context_window: int) -> dict[str, Any]:
    data = [_entry(*row[:3], context_window, *row[3:]) for row in LISTED]
    return {"data": data, "has_more": False, "first_id": data[0]["id"], "last_id": data[-1]["id"]}


def thinking_refusal(body: dict[str, Any]) -> str | None:
    """The API's words when the request's thinking type is one its model refuses."""
    thinking = body.get("thinking")
    info = model_info(str(body.get("model", "")), 0)
    if not isinstance(thinking, dict) or info is None:
        return None
    kind = str(thinking.get("type"))
    types = info["capabilities"]["thinking"]["types"]
    if kind in types and not types[kind]["supported"]:
        hint = {
            "enabled": ' Use `thinking.type: "adaptive"` and `output_config.effort` instead.',
            "disabled": ' Use `thinking.type: "between_tools"` to turn off up-front thinking.',
        }.get(kind, "")
        return f"thinking.type: '{kind}' is not supported for model {body['model']}.{hint}"
    return None


def _entry(
    model: str,
    name: str,
    created: str,
    window: int,
    max_tokens: int,
    caps: dict[str, Any],
    life: dict[str, Any],
) -> dict[str, Any]:
    return {
        "type": "model",
        "id": model,
        "display_name": name,
        "created_at": created,
        "max_input_tokens": window,
        "max_tokens": max_tokens,
        "capabilities": caps,
        **life,
    }
