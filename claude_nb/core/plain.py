"""Reading SDK models and plain dicts alike, and adding up usage records.

Events and blocks reach the reducer as the SDK's objects (from a live stream) or as
plain dicts (a recording, a test, another client): these helpers read both the same
way, so nothing downstream has to ask which it got.
"""

from __future__ import annotations

from typing import Any


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


def path_of(obj: Any, *names: str) -> Any:
    """``obj.a.b.c`` (or ``obj["a"]["b"]["c"]``, or extra fields an older SDK did not
    type), None where any step is missing."""
    for name in names:
        if obj is None:
            return None
        value = field_of(obj, name)
        if value is None:
            extra = getattr(obj, "model_extra", None)
            value = extra.get(name) if isinstance(extra, dict) else None
        obj = value
    return obj


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
