"""``{name}`` interpolation of notebook variables into a prompt, without evaluation.

Only ``{name}``, ``{name.attr}`` and ``{name[key]}`` chains whose root exists in the
namespace are replaced (by ``str()`` of the value). Every other brace passes through
untouched, so dicts, f-strings and JSON in a prompt survive; ``{{name}}`` yields a
literal ``{name}``. Code blocks and inline code in the prompt are never touched: a
pasted snippet with ``f"{name}"`` is sent as written even when ``name`` exists.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping
from typing import Any

from ..render.code import code_segments

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


class Reference:
    """A ``{name}`` found in a prompt: the text as written and the value it names."""

    __slots__ = ("expr", "value")

    def __init__(self, expr: str, value: Any) -> None:
        self.expr = expr
        self.value = value


def pieces(template: str, namespace: Mapping[str, Any]) -> list[str | Reference]:
    """The prompt as literal text and the references in it, in order: what turns a
    value into text, an image or a document decides later, one place for all of them."""
    out: list[str | Reference] = []
    for piece in compile_template(template, namespace):
        value = _MISSING if isinstance(piece, str) else _resolve(piece[0], namespace)
        if value is not _MISSING:
            out.append(Reference(piece[0], value))
            continue
        part = piece if isinstance(piece, str) else "{" + piece[0] + "}"
        if out and isinstance(out[-1], str):
            out[-1] += part
        else:
            out.append(part)
    return out


def interpolate(template: str, namespace: Mapping[str, Any]) -> str:
    """The prompt with every reference as ``str()`` of its value."""
    return "".join(p if isinstance(p, str) else str(p.value) for p in pieces(template, namespace))


def compile_template(template: str, names: Container[str]) -> list[str | tuple[str]]:
    """``template`` split once into literal text and the references (as 1-tuples) whose
    root is one of ``names``, so a prompt made for each of 100,000 rows costs a join, not
    a parse. The same rules as ``pieces``: code is left alone, ``{{x}}`` is ``{x}``."""
    out: list[str | tuple[str]] = []

    def text(part: str) -> None:
        if out and isinstance(out[-1], str):
            out[-1] += part
        elif part:
            out.append(part)

    for part, is_code in code_segments(template):
        if is_code:
            text(part)
            continue
        last = 0
        for match in _REF.finditer(part):
            text(part[last : match.start()])
            last = match.end()
            esc, ref = match.group("esc"), match.group("ref")
            root = re.match(r"[A-Za-z_]\w*", ref or "")
            if esc is not None:
                text("{" + esc + "}")
            elif root is not None and root.group(0) in names:
                out.append((ref,))
            else:
                text(match.group(0))
        text(part[last:])
    return out


def fill(compiled: list[str | tuple[str]], row: Mapping[str, Any]) -> str:
    """A compiled template with one row's values (``str()`` of each; a missing
    attribute or key leaves the reference as written)."""
    parts: list[str] = []
    for piece in compiled:
        if isinstance(piece, str):
            parts.append(piece)
            continue
        expr = piece[0]
        value = row[expr] if expr in row else _resolve(expr, row)
        parts.append("{" + expr + "}" if value is _MISSING else str(value))
    return "".join(parts)
