"""The size of a request before it is sent, and a stop when it cannot fit.

A notebook that puts a few DataFrames, a PDF and a long conversation into one cell
can exceed the model's context window; the API would refuse it only after the whole
upload. Below ``Claude.budget_tokens`` (by the local estimate) nothing is asked. Above
it, the API's free counting endpoint gives the real size and the Models API the
model's context window (its ``max_input_tokens``); the view says how big the request
is, and a request over the window stops here with one clear message. When either
endpoint cannot answer, the estimate and the documented standard window (200,000
tokens; none assumed under a 1M-context beta) stand in, and the view says "about".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.errors import ClaudeError
from .tokens import input_tokens

STANDARD_WINDOW = 200_000
_TIMEOUT = 15.0
_COUNTED = ("model", "messages", "system", "tools", "tool_choice", "thinking")


def check(
    client: Any,
    request: dict[str, Any],
    threshold: int,
    as_sent: Callable[[dict[str, Any]], dict[str, Any]] = lambda r: r,
) -> str | None:
    """A note on the request's size for the view, or None when it is small; raises
    ``ClaudeError`` when it is over the model's context window. ``as_sent`` makes the
    request what the API will get (functions as tool definitions), only when counted."""
    estimate = input_tokens(request)
    if threshold <= 0 or estimate < threshold:
        return None
    request = as_sent(request)
    try:  # nothing is on screen yet: a slow answer must not hold the cell long
        client = client.with_options(timeout=_TIMEOUT, max_retries=0)
    except Exception:
        pass
    counted = _count(client, request)
    tokens = counted if counted is not None else estimate
    window = _window(client, request)
    about = "" if counted is not None else "about "
    if window is not None and tokens > window:
        raise ClaudeError(
            f"this request is {about}{tokens:,} input tokens, over the context window of {request['model']} "
            f"({window:,}): start a new conversation (--new or %claude reset) or send less context"
        )
    of = f" of {window:,}" if window is not None else ""
    return f"request: {about}{tokens:,} input tokens{of}"


def _count(client: Any, request: dict[str, Any]) -> int | None:
    try:
        result = client.messages.count_tokens(**{k: request[k] for k in _COUNTED if k in request})
        return int(result.input_tokens)
    except Exception:  # no counting endpoint, offline, an old SDK: the estimate stands
        return None


def _window(client: Any, request: dict[str, Any]) -> int | None:
    try:
        info = client.models.retrieve(request["model"])
        reported = getattr(info, "max_input_tokens", None)
        if reported is None and getattr(info, "model_extra", None):
            reported = info.model_extra.get("max_input_tokens")
        if reported:
            return int(reported)
    except Exception:
        pass
    betas = str((request.get("extra_headers") or {}).get("anthropic-beta", ""))
    return None if "context-1m" in betas else STANDARD_WINDOW
