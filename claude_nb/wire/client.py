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
from typing import TYPE_CHECKING, Any, TypeVar

from ..core.errors import MissingKeyError
from ..core.secrets import memory_key, set_memory_key

__all__ = ["get_async_client", "get_client", "key_source", "memory_key", "require_key", "set_memory_key"]

if TYPE_CHECKING:
    import anthropic

_clients: dict[tuple[object, ...], anthropic.Anthropic] = {}
_async_clients: dict[tuple[object, ...], anthropic.AsyncAnthropic] = {}
_lock = threading.Lock()


def key_source() -> str | None:
    """Where the key will come from, for display; never the key itself."""
    if memory_key():
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
    key = memory_key() or os.environ.get("ANTHROPIC_API_KEY") or os.environ.get("ANTHROPIC_AUTH_TOKEN") or ""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


# Connections kept for reuse across cells: enough for a few concurrent streams, and
# closed after a minute idle (the API's load balancers drop idle ones anyway).
_KEEPALIVE: dict[str, Any] = {"max_connections": 20, "max_keepalive_connections": 10, "keepalive_expiry": 60.0}


def new_client(
    cls: type[ClientT], base_url: str | None, timeouts: tuple[float, float], max_retries: int, connections: int
) -> ClientT:
    """A client of its own (not shared with the cells; the caller closes it), with a
    pool of ``connections`` kept alive: ``map`` runs many requests at once."""
    require_key()
    return cls(**_kwargs(cls, base_url, timeouts, max_retries, connections))  # type: ignore[arg-type]


def _kwargs(
    cls: type[Any],
    base_url: str | None,
    timeouts: tuple[float, float] | None,
    max_retries: int,
    connections: int | None = None,
) -> dict[str, object]:
    import anthropic

    kwargs: dict[str, object] = {"max_retries": max_retries}
    if memory_key():
        kwargs["api_key"] = memory_key()
    if base_url:
        kwargs["base_url"] = base_url
    if timeouts is not None:
        connect, read = timeouts
        # read: the longest silence between bytes of a stream (pings keep a live one going).
        kwargs["timeout"] = anthropic.Timeout(read, connect=connect)
    limits = _limits() if connections is None else pool_limits(connections)
    if limits is not None:
        pooled = anthropic.DefaultAsyncHttpxClient if cls is anthropic.AsyncAnthropic else anthropic.DefaultHttpxClient
        kwargs["http_client"] = pooled(limits=limits)
    return kwargs


def pool_limits(connections: int) -> Any:
    """Limits for a pool of ``connections`` (all kept alive), in the HTTP library this
    SDK uses; None when neither is importable."""
    return _limits({"max_connections": connections, "max_keepalive_connections": connections})


def _limits(values: dict[str, Any] | None = None) -> Any:
    """Keep-alive limits in the HTTP library this SDK uses (httpx2 in 2.x)."""
    try:
        import httpx2 as httpx
    except ImportError:
        try:
            import httpx  # type: ignore[no-redef]
        except ImportError:
            return None
    return httpx.Limits(**(values or _KEEPALIVE))


def require_key() -> None:
    if key_source() is None:
        raise MissingKeyError(notebook=_in_ipython())


def _in_ipython() -> bool:
    import sys

    ipython = sys.modules.get("IPython")
    return ipython is not None and ipython.get_ipython() is not None


ClientT = TypeVar("ClientT", "anthropic.Anthropic", "anthropic.AsyncAnthropic")


def _cached(
    cls: type[ClientT],
    cache: dict[tuple[object, ...], ClientT],
    base_url: str | None,
    timeouts: tuple[float, float] | None,
    retries: int,
) -> ClientT:
    """One client per key, endpoint, timeouts and retries: a changed setting gets a new
    pooled client on the next cell; unchanged ones reuse their connections."""
    require_key()
    ident = (_fingerprint(), base_url or os.environ.get("ANTHROPIC_BASE_URL"), timeouts, retries)
    with _lock:
        client = cache.get(ident)
        if client is None:
            client = cache[ident] = cls(**_kwargs(cls, base_url, timeouts, retries))  # type: ignore[arg-type]
        return client


def get_client(
    *, base_url: str | None = None, timeouts: tuple[float, float] | None = None, max_retries: int = 2
) -> anthropic.Anthropic:
    """``timeouts`` is (connect, read) in seconds."""
    import anthropic

    return _cached(anthropic.Anthropic, _clients, base_url, timeouts, max_retries)


def get_async_client(
    *, base_url: str | None = None, timeouts: tuple[float, float] | None = None, max_retries: int = 2
) -> anthropic.AsyncAnthropic:
    import anthropic

    return _cached(anthropic.AsyncAnthropic, _async_clients, base_url, timeouts, max_retries)
