"""``{name}`` interpolation of notebook variables into a prompt, without evaluation.

Only ``{name}``, ``{name.attr}`` and ``{name[key]}`` chains whose root exists in the
namespace are replaced (by ``str()`` of the value). Every other brace passes through
untouched, so dicts, f-strings and JSON in a prompt survive; ``{{name}}`` yields a
literal ``{name}``. Code blocks and inline code in the prompt are never touched: a
pasted snippet with ``f"{name}"`` is sent as written even when ``name`` exists.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ._code import code_segments

_PART = r"(?:\.[A-Za-z_]\w*|\[(?:'[^'\]]*'|\"[^\"\]]*\"|-?\d+|[A-Za-z_][\w\- ]*)\])"
_REF = re.compile(r"\{\{(?P<esc>[A-Za-z_]\w*" + _PART + r"*)\}\}|\{(?P<ref>[A-Za-z_]\w*" + _PART + r"*)\}")
_STEP = re.compile(r"\.(?P<attr>[A-Za-z_]\w*)|\[(?P<key>[^\]]*)\]")
_MISSING = object()


def _resolve(expr: str, namespace: Mapping[str, Any]) -> Any:
    root = re.match(r"[A-Za-z_]\w*", expr)
    assert root is not None
    if root.group(0) not in namespace:
        return _MISSING
    value = namespace[root.group(0)]
    for step in _STEP.finditer(expr, root.end()):
        attr, key = step.group("attr"), step.group("key")
        try:
            if attr is not None:
                if attr.startswith("__"):
                    return _MISSING
                value = getattr(value, attr)
            else:
                value = value[_key(key, value)]
        except Exception:
            return _MISSING
    return value


def _key(raw: str, container: Any) -> Any:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    if re.fullmatch(r"-?\d+", raw) and not isinstance(container, Mapping):
        return int(raw)
    if re.fullmatch(r"-?\d+", raw) and isinstance(container, Mapping) and raw not in container:
        return int(raw)
    return raw


def interpolate(template: str, namespace: Mapping[str, Any]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group("esc") is not None:
            return "{" + match.group("esc") + "}"
        value = _resolve(match.group("ref"), namespace)
        return match.group(0) if value is _MISSING else str(value)

    return "".join(part if is_code else _REF.sub(replace, part) for part, is_code in code_segments(template))
