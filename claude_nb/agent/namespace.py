"""What the agent may read without asking: the notebook's variables, one value
described, recent cells and the last error. Every result is bounded (and says when
it was cut) and whatever looks like a secret is redacted, by name or by shape."""

from __future__ import annotations

import re
import reprlib
import types
from collections.abc import Mapping
from typing import Any

from ..prompt import dataframes as _frames
from ..prompt import fix as _fix

RESULT_CHARS = 8_000
"""The most characters one read-only result sends (the rest is cut, and said so)."""
MAX_VARIABLES = 200
_SECRET_NAME = re.compile(r"key|token|secret|passw|pwd|credential|auth", re.IGNORECASE)
_SECRET_VALUE = re.compile(
    r"sk-ant-[A-Za-z0-9_-]{8,}|\bsk-[A-Za-z0-9_-]{16,}|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{20,}"
    r"|\bxox[abpr]-[A-Za-z0-9-]{10,}|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{16,}|\bAIza[0-9A-Za-z_-]{30,}"
)
REDACTED = "[redacted]"
_HIDDEN = frozenset({"In", "Out", "exit", "quit", "get_ipython", "open"})

_short = reprlib.Repr()
_short.maxstring, _short.maxother, _short.maxlist, _short.maxdict, _short.maxlevel = 60, 60, 6, 6, 2


def redact(text: str) -> str:
    """``text`` with every secret-shaped run replaced."""
    return _SECRET_VALUE.sub(REDACTED, text)


def bounded(text: str, limit: int = RESULT_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[… {len(text) - limit:,} more characters cut]"


def _is_secret(name: str, value: Any) -> bool:
    return bool(_SECRET_NAME.search(name)) or (
        isinstance(value, (str, bytes)) and bool(_SECRET_VALUE.search(str(value)))
    )


def _own(value: Any) -> bool:
    """claude_nb's own objects (views, handles, settings): not the user's data."""
    module = getattr(type(value), "__module__", "") or ""
    return module.split(".")[0] == "claude_nb"


def visible(namespace: Mapping[str, Any], hidden: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The user's variables: no private names, modules, IPython's own or claude_nb's."""
    hidden = hidden or {}
    found = {}
    for name, value in namespace.items():
        if name.startswith("_") or name in _HIDDEN or (name in hidden and hidden[name] is value):
            continue
        if isinstance(value, types.ModuleType) or _own(value):
            continue
        found[name] = value
    return found


def _one_line(value: Any) -> str:
    """A repr on one line: a frame by its columns, anything else shortened."""
    if _frames.is_frame(value):
        columns = [str(c) for c in list(getattr(value, "columns", []))]
        more = f", … {len(columns) - 12} more" if len(columns) > 12 else ""
        return "columns: " + ", ".join(columns[:12]) + more
    return " ".join(_short.repr(value).split())


def _size(value: Any) -> str:
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple):
        return "×".join(str(n) for n in shape)
    if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)):
        return f"len {len(value)}"
    return ""


def _kind(value: Any) -> str:
    kind = type(value)
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module.split('.')[0]}.{kind.__qualname__}"


def list_variables(namespace: Mapping[str, Any], hidden: Mapping[str, Any] | None = None) -> str:
    """One line a variable: name, type, shape or length, a short repr (secrets redacted)."""
    names = visible(namespace, hidden)
    lines = []
    for name, value in list(names.items())[:MAX_VARIABLES]:
        try:
            shown = REDACTED if _is_secret(name, value) else redact(_one_line(value))
        except Exception as exc:  # a repr that raises says so
            shown = f"<repr failed: {type(exc).__name__}>"
        size = _size(value)
        lines.append(f"{name}: {_kind(value)}{f' ({size})' if size else ''} = {shown}")
    if not lines:
        return "No user variables are defined yet."
    if len(names) > MAX_VARIABLES:
        lines.append(f"[… {len(names) - MAX_VARIABLES} more variables not listed]")
    return bounded("\n".join(lines))


def inspect_value(name: str, namespace: Mapping[str, Any], hidden: Mapping[str, Any] | None = None) -> str:
    """One variable described as a prompt describes it: a DataFrame's columns and rows,
    an array's shape and dtype, a callable's signature and docstring."""
    names = visible(namespace, hidden)
    if name not in names:
        known = ", ".join(sorted(names)[:30]) or "none"
        raise KeyError(f"no user variable named {name!r} (defined: {known})")
    value = names[name]
    if _is_secret(name, value):
        return f"{name}: {_kind(value)} = {REDACTED} (it looks like a secret)"
    if _frames.is_frame(value):
        return redact(_frames.describe(name, value, RESULT_CHARS).text)
    if callable(value):
        import inspect

        try:
            signature = str(inspect.signature(value, eval_str=True))
        except Exception:  # names in its annotations not defined: as written
            try:
                signature = str(inspect.signature(value))
            except (TypeError, ValueError):
                signature = "(…)"
        doc = inspect.getdoc(value) or "no docstring"
        return bounded(redact(f"{name}{signature}: {_kind(value)}\n{doc}"))
    head = f"{name}: {_kind(value)}"
    size = _size(value)
    if size:
        head += f" ({size})"
    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        head += f", dtype {dtype}"
    try:
        body = repr(value)
    except Exception as exc:
        body = f"<repr failed: {type(exc).__name__}: {exc}>"
    return bounded(redact(f"{head}\n{body}"))


def read_cells(shell: Any, count: int = 5) -> str:
    """The last ``count`` cells run: input, and the output IPython kept (``Out``)."""
    history = list(getattr(shell, "user_ns", {}).get("In", []))
    outputs = getattr(shell, "user_ns", {}).get("Out", {})
    count = max(1, min(int(count), 20))
    start = max(1, len(history) - count - 1)  # the running cell itself is the last one
    lines = []
    for number in range(start, len(history) - 1):
        source = history[number]
        lines.append(f"In [{number}]:\n{source}")
        if number in outputs:
            lines.append(f"Out[{number}]: {_short.repr(outputs[number])}")
    error = _fix.last_error()
    if error is not None:
        lines.append(f"Last error: {type(error).__name__}: {error}")
    return bounded(redact("\n".join(lines) or "No cells have run before this one."))


def get_error() -> str:
    """The last exception, as ``%claude fix`` summarises it."""
    error = _fix.last_error()
    if error is None:
        return "No cell has raised an error in this kernel."
    return bounded(redact(_fix.report(error, question=False)))
