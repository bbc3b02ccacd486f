"""One SDK client per kernel and settings, so the connection pool is reused across
cells, and the key check that runs before anything is sent.

The key is read where the SDK reads it (``ANTHROPIC_API_KEY``, then
``ANTHROPIC_AUTH_TOKEN``) unless ``%claude login`` put one in memory; it is never
stored in a setting, a variable or an output.
"""

from __future__ import annotations

import hashlib
import os
import threading
from typing import TYPE_CHECKING, TypeVar

from ._errors import MissingKeyError

if TYPE_CHECKING:
    import anthropic

_memory_key: str | None = None
_clients: dict[tuple[object, ...], anthropic.Anthropic] = {}
_async_clients: dict[tuple[object, ...], anthropic.AsyncAnthropic] = {}
_lock = threading.Lock()


def memory_key() -> str | None:
    return _memory_key


def set_memory_key(key: str | None) -> None:
    global _memory_key
    _memory_key = key or None


def key_source() -> str | None:
    """Where the key will come from, for display; never the key itself."""
    if _memory_key:
        return "%claude login (in memory)"
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"):
        if os.environ.get(name):
            return name
    return None


_DEFAULT_BASE_URL = "https://api.anthropic.com"


def describe_endpoint(base_url: str | None) -> str:
    """Where requests go, for display: the base URL and where it was set."""
    from urllib.parse import urlsplit

    if base_url:
        url, source = base_url, "Claude.base_url"
    elif os.environ.get("ANTHROPIC_BASE_URL"):
        url, source = os.environ["ANTHROPIC_BASE_URL"], "ANTHROPIC_BASE_URL"
    else:
        return f"{_DEFAULT_BASE_URL} (the SDK default)"
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    loopback = host in ("localhost", "::1") or host.startswith("127.")
    return f"{url} (from {source}{'; a loopback server on this machine' if loopback else ''})"


def sdk_version() -> str:
    """The installed SDK's version, read without importing it (that takes seconds)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"anthropic {version('anthropic')}"
    except PackageNotFoundError:
        return "anthropic (not installed)"


def _fingerprint() -> str:
    key = _memory_key or os.environ.get("ANTHROPIC_API_KEY") or os.environ.get("ANTHROPIC_AUTH_TOKEN") or ""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _kwargs(base_url: str | None, timeout: float | None, max_retries: int) -> dict[str, object]:
    kwargs: dict[str, object] = {"max_retries": max_retries}
    if _memory_key:
        kwargs["api_key"] = _memory_key
    if base_url:
        kwargs["base_url"] = base_url
    if timeout is not None:
        import anthropic

        kwargs["timeout"] = anthropic.Timeout(timeout, connect=5.0)
    return kwargs


def require_key() -> None:
    if key_source() is None:
        raise MissingKeyError()


ClientT = TypeVar("ClientT", "anthropic.Anthropic", "anthropic.AsyncAnthropic")


def _cached(
    cls: type[ClientT],
    cache: dict[tuple[object, ...], ClientT],
    base_url: str | None,
    timeout: float | None,
    retries: int,
) -> ClientT:
    require_key()
    ident = (_fingerprint(), base_url or os.environ.get("ANTHROPIC_BASE_URL"), timeout, retries)
    with _lock:
        client = cache.get(ident)
        if client is None:
            client = cache[ident] = cls(**_kwargs(base_url, timeout, retries))  # type: ignore[arg-type]
        return client


def get_client(
    *, base_url: str | None = None, timeout: float | None = None, max_retries: int = 2
) -> anthropic.Anthropic:
    import anthropic

    return _cached(anthropic.Anthropic, _clients, base_url, timeout, max_retries)


def get_async_client(
    *, base_url: str | None = None, timeout: float | None = None, max_retries: int = 2
) -> anthropic.AsyncAnthropic:
    import anthropic

    return _cached(anthropic.AsyncAnthropic, _async_clients, base_url, timeout, max_retries)
