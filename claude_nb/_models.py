"""The Models API at hand: ``%claude models`` lists what the endpoint offers, and an
option the chosen model does not support is refused before anything is sent.

Each model's entry (context window, most output, what it supports) comes from the
API itself, never from a table kept here. It is looked up only when a request asks
for something a model may lack (thinking, effort, a schema), once per endpoint and
model in a kernel, with a short timeout; a model the API does not list, or an
endpoint without the Models API (a gateway, a proxy), is sent as asked.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from ._errors import ClaudeError

_TIMEOUT = 3.0
_cache: dict[tuple[str, str], dict[str, bool] | None] = {}
_lock = threading.Lock()
FEATURES = {"thinking": "thinking", "effort": "effort", "structured_outputs": "a schema (structured outputs)"}


@dataclass(frozen=True)
class Model:
    id: str
    name: str
    created: str
    context: int | None
    max_output: int | None
    supports: dict[str, bool]


def _supports(info: Any) -> dict[str, bool]:
    caps = getattr(info, "capabilities", None)
    if caps is None and getattr(info, "model_extra", None):
        caps = info.model_extra.get("capabilities")
    out = {}
    for feature in FEATURES:
        entry = caps.get(feature) if isinstance(caps, dict) else getattr(caps, feature, None)
        supported = entry.get("supported") if isinstance(entry, dict) else getattr(entry, "supported", None)
        if isinstance(supported, bool):
            out[feature] = supported
    return out


def _field(info: Any, name: str) -> Any:
    value = getattr(info, name, None)
    if value is None and getattr(info, "model_extra", None):
        value = info.model_extra.get(name)
    return value


def _model(info: Any) -> Model:
    created = _field(info, "created_at")
    return Model(
        id=str(info.id),
        name=str(_field(info, "display_name") or info.id),
        created=created.isoformat()[:10] if hasattr(created, "isoformat") else str(created or "")[:10],
        context=_field(info, "max_input_tokens"),
        max_output=_field(info, "max_tokens"),
        supports=_supports(info),
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

    header = ("id", "name", "released", "context", "max output", "thinking", "effort", "schema")
    rows = [
        (m.id, m.name, m.created, number(m.context), number(m.max_output), *(mark(m, f) for f in FEATURES))
        for m in models
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]
    )


def _asked(request: dict[str, Any]) -> list[str]:
    config = request.get("output_config") or {}
    thinking = request.get("thinking") or {}
    asked = []
    if isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive"):
        asked.append("thinking")
    if isinstance(config, dict) and config.get("effort"):
        asked.append("effort")
    if isinstance(config, dict) and config.get("format"):
        asked.append("structured_outputs")
    return asked


def supports(client: Any, model: str) -> dict[str, bool] | None:
    """What the Models API says ``model`` supports, or None when it cannot say."""
    key = (str(getattr(client, "base_url", "")), model)
    with _lock:
        if key in _cache:
            return _cache[key]
    try:
        info = client.with_options(timeout=_TIMEOUT, max_retries=0).models.retrieve(model)
        found: dict[str, bool] | None = _supports(info) or None
    except Exception:  # not listed, no Models API here, offline: send as asked
        found = None
    with _lock:
        _cache[key] = found
    return found


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
