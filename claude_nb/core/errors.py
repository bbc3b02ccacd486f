"""Failures as one short, key-free message instead of a traceback wall.

``ClaudeError`` renders itself through IPython's ``_render_traceback_`` hook, which
the shell honours for exceptions that know how to show themselves: the cell fails
(so "Run All" stops) with a few lines that say what happened and what to do.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from .secrets import memory_key

_MAX_LINES = 12


def redact(text: str) -> str:
    """Remove anything that looks like an Anthropic key, and the configured key itself."""
    text = re.sub(r"sk-ant-[A-Za-z0-9_\-]{6,}", "sk-ant-…(redacted)", text)
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"):
        secret = os.environ.get(name)
        if secret and len(secret) >= 6:
            text = text.replace(secret, "…(redacted)")
    secret = memory_key()  # from %claude login, if any
    if secret and len(secret) >= 6:
        text = text.replace(secret, "…(redacted)")
    return text


class ClaudeError(Exception):
    """A failure worth one short message, shown without a traceback in IPython."""

    def __init__(self, message: str, *, partial: Any = None) -> None:
        super().__init__(redact(message))
        self.partial = partial

    def _render_traceback_(self) -> list[str]:
        lines = str(self).splitlines()[:_MAX_LINES]
        return [f"\x1b[31mClaudeError\x1b[0m: {lines[0]}" if lines else "ClaudeError", *lines[1:]]


class IncompleteStreamError(ClaudeError):
    """The connection ended cleanly but before ``message_stop``: the answer is partial."""

    def __init__(self, partial: Any = None) -> None:
        super().__init__("the stream ended before message_stop; the partial answer is kept", partial=partial)


class MissingKeyError(ClaudeError):
    """No key is configured. A library raises it (it never ends the process): a web app, a
    test run or a script's own ``except`` decides what to do. The first line names
    the variable to set; the rest says how, for a notebook or for a script."""

    def __init__(self, *, notebook: bool = True) -> None:
        how = (
            "(e.g. `export ANTHROPIC_API_KEY=...` in your shell), or run `%claude login`\n"
            "to type it into a hidden prompt that keeps it in memory only.\n"
            "Never type the key into a cell: it would be saved with the notebook.\n"
            "No key? `%claude demo` plays recorded answers (no key or network needed)."
            if notebook
            else "(e.g. `export ANTHROPIC_API_KEY=...`), or CLAUDE_NB_DEMO=1 for recorded answers."
        )
        where = "the environment that starts Jupyter" if notebook else "the environment"
        super().__init__(f"no API key: set ANTHROPIC_API_KEY in {where}\n{how}")


@dataclass(frozen=True)
class Described:
    summary: str
    """One line for the view's footer."""
    detail: str
    """A few lines for the cell's error."""


_NETWORK = ("httpx", "httpcore")
"""The HTTP library's modules: ``httpx2``/``httpcore2`` in SDK 2.x, ``httpx`` before."""


def network_cause(exc: BaseException) -> BaseException:
    """The HTTP library's own error behind an SDK connection error, else ``exc``.

    Before 2.17 the SDK let a failure to read the body (a stalled or dropped stream)
    out as the HTTP library raised it; from 2.17 it wraps it as ``APITimeoutError`` or
    ``APIConnectionError``, the same types as a failure to connect, with the original
    as ``__cause__``. Only the cause tells a stream that went silent from a request
    that never got through."""
    import anthropic

    cause = exc.__cause__
    if isinstance(exc, anthropic.APIConnectionError) and cause is not None:
        if type(cause).__module__.startswith(_NETWORK):
            return cause
    return exc


def unanswered(exc: BaseException) -> bool:
    """A request that reached the API (the connection was made) and got no answer
    within the read timeout: waiting longer, or trying again, would make the user wait
    several read timeouts in a row for a server that does not answer."""
    import anthropic

    return isinstance(exc, anthropic.APITimeoutError) and type(exc.__cause__).__name__ == "ReadTimeout"


def describe_exception(exc: BaseException, *, mid_stream: bool = False) -> Described:
    """``mid_stream``: the answer had started, so a network failure broke the stream
    (its cause says how) rather than the request."""
    import anthropic  # imported by whoever raised an SDK error already; not at load time

    if mid_stream:
        exc = network_cause(exc)
    if isinstance(exc, anthropic.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        error = body.get("error") if isinstance(body.get("error"), dict) else body
        etype = (error or {}).get("type") or getattr(exc, "type", None) or "api_error"
        message = (error or {}).get("message") or str(exc)
        status = exc.status_code
        where = "during the stream" if status == 200 else f"HTTP {status}"
        request_id = exc.request_id or "?"
        summary = f"{etype}: {message} ({where}, request {request_id})"
        hint = {
            401: "Check the key in ANTHROPIC_API_KEY (or `%claude login`).",
            403: "The key has no access to this resource.",
            404: "Check the model name (-m / %config Claude.model).",
            429: "Rate limited: wait a moment and run the cell again.",
            529: "The API is overloaded: run the cell again shortly.",
        }.get(status, "Run the cell again to retry." if status in (200, 500, 529) else "")
        detail = f"{etype} ({where}): {message}\nrequest-id: {request_id}" + (f"\n{hint}" if hint else "")
        return Described(redact(summary), redact(detail))
    if unanswered(exc):
        text = "no answer from the API: the connection was made, but nothing came within the read timeout"
        return Described(text, f"{text} (Claude.read_timeout). Run the cell again, or check Claude.base_url.")
    if isinstance(exc, anthropic.APITimeoutError):
        return Described("timed out connecting to the API", "timed out connecting to the API; run the cell again")
    if isinstance(exc, anthropic.APIConnectionError):
        return Described("could not reach the API", f"could not reach the API: {exc.__cause__ or exc}")
    name = type(exc).__name__
    module = type(exc).__module__
    if module.startswith(_NETWORK):
        text = {
            "ReadTimeout": "the stream stalled longer than the read timeout",
            "RemoteProtocolError": "the connection dropped mid-stream",
            "ReadError": "the connection dropped mid-stream",
            "ConnectTimeout": "timed out connecting to the API",
            "ConnectError": "could not reach the API",
        }.get(name, f"network error mid-stream ({name})")
        return Described(text, f"{text}; the partial answer is kept. Run the cell again to retry.")
    if isinstance(exc, ClaudeError):
        return Described(str(exc).splitlines()[0], str(exc))
    return Described(redact(f"{name}: {exc}"), redact(f"{name}: {exc}"))
