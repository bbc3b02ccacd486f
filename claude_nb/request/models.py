"""The Models API at hand: ``%claude models`` lists what the endpoint offers, and an
option the chosen model does not support is refused before anything is sent.

Each model's entry (context window, most output, what it supports, which thinking
types it takes, when it retires) comes from the API itself, never from a table kept
here. It is looked up once per endpoint and model in a kernel, with a short timeout;
a model the API does not list, or an endpoint without the Models API (a gateway, a
proxy), is sent as asked.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import ClaudeError
from ..core.plain import path_of

_TIMEOUT = 3.0
_cache: dict[tuple[str, str], Model | None] = {}
_lock = threading.Lock()
FEATURES = {"thinking": "thinking", "effort": "effort", "structured_outputs": "a schema (structured outputs)"}
THINKING_TYPES = ("adaptive", "enabled", "disabled", "between_tools")


@dataclass(frozen=True)
class Model:
    id: str
    name: str
    created: str
    context: int | None
    max_output: int | None
    supports: dict[str, bool]
    thinking_types: dict[str, bool] = field(default_factory=dict)
    """Which ``thinking.type`` values the model takes (``capabilities.thinking.types``);
    a type the entry does not mention is missing here, and is sent as asked."""
    lifecycle: str = ""
    deprecated_at: str = ""
    retires_at: str = ""


def _supported(node: Any, names: Any) -> dict[str, bool]:
    """Each of ``names`` whose entry under ``node`` says ``supported`` true or false
    (a name the entry does not mention is left out: unknown, sent as asked)."""
    out = {}
    for name in names:
        supported = path_of(node, name, "supported")
        if isinstance(supported, bool):
            out[name] = supported
    return out


def _supports(info: Any) -> dict[str, bool]:
    return _supported(path_of(info, "capabilities"), FEATURES)


def _thinking_types(info: Any) -> dict[str, bool]:
    return _supported(path_of(info, "capabilities", "thinking", "types"), THINKING_TYPES)


def _date(value: Any) -> str:
    return value.isoformat()[:10] if hasattr(value, "isoformat") else str(value or "")[:10]


def _model(info: Any) -> Model:
    return Model(
        id=str(info.id),
        name=str(path_of(info, "display_name") or info.id),
        created=_date(path_of(info, "created_at")),
        context=path_of(info, "max_input_tokens"),
        max_output=path_of(info, "max_tokens"),
        supports=_supports(info),
        thinking_types=_thinking_types(info),
        lifecycle=str(path_of(info, "lifecycle") or ""),
        deprecated_at=_date(path_of(info, "deprecated_at")),
        retires_at=_date(path_of(info, "retires_at")),
    )


def list_models(client: Any) -> list[Model]:
    """The endpoint's models, newest first."""
    models = [_model(info) for info in client.models.list(limit=100)]
    return sorted(models, key=lambda m: m.created, reverse=True)


def table(models: list[Model]) -> str:
    def mark(model: Model, feature: str) -> str:
        value = model.supports.get(feature)
        return "?" if value is None else ("yes" if value else "no")

    def number(value: int | None) -> str:
        return f"{value:,}" if value else "?"

    def thinking(model: Model) -> str:
        taken = [kind for kind in THINKING_TYPES if model.thinking_types.get(kind)]
        return ",".join(taken) if taken else mark(model, "thinking")

    def lifecycle(model: Model) -> str:
        if model.retires_at:
            return f"{model.lifecycle or 'active'}, retires {model.retires_at}"
        return model.lifecycle or "?"

    header = ("id", "name", "released", "context", "max output", "thinking", "effort", "schema", "lifecycle")
    rows = [
        (
            m.id,
            m.name,
            m.created,
            number(m.context),
            number(m.max_output),
            thinking(m),
            mark(m, "effort"),
            mark(m, "structured_outputs"),
            lifecycle(m),
        )
        for m in models
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]
    )


def _asked(request: dict[str, Any]) -> list[str]:
    config = request.get("output_config") or {}
    asked = []
    if isinstance(config, dict) and config.get("effort"):
        asked.append("effort")
    if isinstance(config, dict) and config.get("format"):
        asked.append("structured_outputs")
    return asked


def entry(client: Any, model: str, *, timeout: float = _TIMEOUT) -> Model | None:
    """The Models API's entry for ``model``, or None when it cannot say."""
    key = (str(getattr(client, "base_url", "")), model)
    with _lock:
        if key in _cache:
            return _cache[key]
    try:
        info = client.with_options(timeout=timeout, max_retries=0).models.retrieve(model)
        found: Model | None = _model(info)
    except Exception:  # not listed, no Models API here, offline: send as asked
        found = None
    with _lock:
        _cache[key] = found
    return found


def supports(client: Any, model: str) -> dict[str, bool] | None:
    """What the Models API says ``model`` supports, or None when it cannot say."""
    found = entry(client, model)
    return (found.supports or None) if found is not None else None


def refuse_unsupported(client: Any, request: dict[str, Any]) -> None:
    """One line instead of the API's 400 when the model says it lacks what is asked."""
    asked = _asked(request)
    if not asked:
        return
    known = supports(client, str(request.get("model", "")))
    if not known:
        return
    lacking = [FEATURES[f] for f in asked if known.get(f) is False]
    if lacking:
        raise ClaudeError(
            f"{request['model']} does not support {' or '.join(lacking)} (the Models API says so): "
            "leave the option out or pick another model (%claude models lists them)"
        )


def retirement_note(found: Model | None) -> str:
    """The footer's word on a deprecated model ("" for an active or unknown one)."""
    if found is None or found.lifecycle != "deprecated":
        return ""
    when = f"retires on {found.retires_at}" if found.retires_at else "is deprecated"
    return f"{found.id} {when} (the Models API says so; %claude models lists the others)"
