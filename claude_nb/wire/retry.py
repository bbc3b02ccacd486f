"""When to try a request again, how long to wait, and how to say why.

The SDK retries failed requests itself, silently: a 429 with ``retry-after: 3``
leaves a view blank for three seconds. So clients are built with ``max_retries=0``
and the loop runs here, where the view can say "retrying in 3 s (attempt 2/3: rate
limited)" while it waits. The rules stay the SDK's: whether a response is worth
retrying (408, 409, 429, 5xx, ``x-should-retry``) and how long to wait
(``retry-after-ms``, ``retry-after``, else exponential backoff with jitter) are asked
of the client's own methods. They are private; when a future SDK renames them (or
changes how they are called) the documented rules below are used instead. Tests run
both and check they agree, and one fails when the SDK's methods go, so the change is
seen.
"""

from __future__ import annotations

import email.utils
import random
import time
from typing import Any

from ..core.errors import network_cause, unanswered

_INITIAL_DELAY = 0.5
_MAX_DELAY = 8.0
_LONGEST_SLEEP = 4_294_967.0
"""The SDK's cap on an asked-for wait (what ``time.sleep`` takes on every platform)."""

NOT_RESUMABLE = frozenset(
    {
        "invalid_request_error",
        "authentication_error",
        "permission_error",
        "not_found_error",
        "billing_error",
        "request_too_large",
    }
)
"""Error types that a second try cannot fix (the request itself is wrong)."""


class _Options:
    """The one thing the SDK's delay calculation reads from request options."""

    def __init__(self, max_retries: int) -> None:
        self._max_retries = max_retries

    def get_max_retries(self, _default: int) -> int:
        return self._max_retries


def _sdk_method(client: Any, name: str) -> Any:
    method = getattr(client, name, None)
    return method if callable(method) else None


def should_retry_before_stream(client: Any, exc: BaseException) -> bool:
    """A failure before any byte of the stream arrived: retry it as the SDK would."""
    import anthropic

    if isinstance(exc, anthropic.APIStatusError):
        should = _sdk_method(client, "_should_retry")
        if should is not None:
            try:
                return bool(should(exc.response))
            except Exception:  # another signature: the documented rules below
                pass
        return documented_should_retry(exc.status_code, exc.response.headers)
    # A server that took the request and stayed silent for a whole read timeout is
    # not tried again: the wait for an answer stays bounded by one read timeout.
    return isinstance(exc, anthropic.APIConnectionError) and not unanswered(exc)


def documented_should_retry(status: int, headers: Any) -> bool:
    """The SDK's documented rule: ``x-should-retry`` decides when present; else 408,
    409, 429 and every 5xx are retried."""
    header = headers.get("x-should-retry") if headers is not None else None
    if header in ("true", "false"):
        return bool(header == "true")
    return status in (408, 409, 429) or status >= 500


def retry_delay(client: Any, retry: int, max_retries: int, headers: Any = None) -> float:
    """Seconds to wait before retry number ``retry`` (1-based) of ``max_retries``."""
    calculate = _sdk_method(client, "_calculate_retry_timeout")
    if calculate is not None:
        try:
            return float(calculate(max_retries - retry + 1, _Options(max_retries), headers))
        except Exception:  # another signature: the documented rules below
            pass
    return documented_delay(retry, headers)


def documented_delay(retry: int, headers: Any = None) -> float:
    """The SDK's documented wait: what the API asks (``retry-after-ms``, else
    ``retry-after`` in seconds or as an HTTP date), else ``0.5 × 2^(retry-1)`` seconds
    capped at 8, less up to a quarter of jitter."""
    asked = _retry_after(headers)
    if asked is not None and asked > 0:
        return min(asked, _LONGEST_SLEEP)
    return min(_INITIAL_DELAY * 2.0 ** (retry - 1), _MAX_DELAY) * (1 - 0.25 * random.random())


def _retry_after(headers: Any) -> float | None:
    if headers is None:
        return None
    try:
        return float(headers.get("retry-after-ms")) / 1000
    except (TypeError, ValueError):
        pass
    value = headers.get("retry-after")
    try:
        return float(value)
    except (TypeError, ValueError):
        pass
    parsed = email.utils.parsedate_tz(value) if isinstance(value, str) else None
    return None if parsed is None else float(email.utils.mktime_tz(parsed) - time.time())


def response_headers(exc: BaseException) -> Any:
    response = getattr(exc, "response", None)
    return getattr(response, "headers", None)


def failure_reason(exc: BaseException, *, mid_stream: bool = False) -> str:
    """A few words on why an attempt failed, for "retrying in 3 s (attempt 2/3: …)";
    ``mid_stream`` for a stream that broke after it started (see ``network_cause``)."""
    import anthropic

    if mid_stream:
        exc = network_cause(exc)
    if isinstance(exc, anthropic.APIStatusError):
        kind = _error_type(exc)
        named = {
            "rate_limit_error": "rate limited",
            "overloaded_error": "overloaded",
            "api_error": "API error",
            "timeout_error": "API timeout",
        }.get(kind)
        if exc.status_code == 200:
            return f"{named or kind} mid-stream"
        return named or f"HTTP {exc.status_code}"
    if unanswered(exc):
        return "no answer"
    if isinstance(exc, anthropic.APITimeoutError):
        return "timed out connecting"
    if isinstance(exc, anthropic.APIConnectionError):
        return "could not connect"
    name = type(exc).__name__
    return {
        "ReadTimeout": "stream went silent",
        "ConnectTimeout": "timed out connecting",
        "ConnectError": "could not connect",
        "RemoteProtocolError": "connection dropped",
        "ReadError": "connection dropped",
        "IncompleteStream": "stream ended early",
    }.get(name, name)


def _error_type(exc: Any) -> str:
    body = exc.body if isinstance(getattr(exc, "body", None), dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else body
    return str((error or {}).get("type") or getattr(exc, "type", None) or "api_error")


def resumable_mid_stream(exc: BaseException) -> bool:
    """A stream that broke after it started: worth continuing from what arrived?
    Error events the API sends in a 200 stream are, unless the request itself was
    wrong; so are dropped connections, read timeouts and an early end."""
    import anthropic

    if isinstance(exc, anthropic.APIStatusError):
        return exc.status_code == 200 and _error_type(exc) not in NOT_RESUMABLE
    if isinstance(exc, anthropic.APIConnectionError):
        return True
    name = type(exc).__name__
    module = type(exc).__module__
    return name == "IncompleteStream" or (
        module.startswith(("httpx", "httpcore")) and ("Timeout" in name or name in ("RemoteProtocolError", "ReadError"))
    )
