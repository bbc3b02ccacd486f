"""Answers with no key and no network: an in-process loopback endpoint for demo mode
and for cassette replay.

Requests still go through the real SDK and the real transport (retries, resumes,
tool loop) to a Messages endpoint on 127.0.0.1 that speaks the wire format and
rejects what the API rejects (``claude_nb.replay``); only the answers are recorded.
So a demo or a replayed notebook shows exactly what a live one shows.
"""

from __future__ import annotations

import threading
from typing import Any

from . import demo as _demo
from .cassette import Cassette
from .playback import script_of, set_speed

__all__ = ["client", "endpoint", "queue_replay", "set_speed"]

PLACEHOLDER_KEY = "offline-no-key"
"""Sent as the key header to the in-process endpoint, which needs one: not a key."""

_lock = threading.Lock()
_server: Any = None


def endpoint() -> Any:
    """The kernel's one in-process endpoint, started when first needed."""
    global _server
    with _lock:
        if _server is None:
            from ..replay import ReplayServer

            _server = ReplayServer(chooser=_demo.choose).start()
            _server.batches.seconds = _demo.BATCH_SECONDS
        return _server


def client(*, asynchronous: bool = False, timeouts: tuple[float, float] | None = None) -> Any:
    import anthropic

    cls = anthropic.AsyncAnthropic if asynchronous else anthropic.Anthropic
    kwargs: dict[str, Any] = {"api_key": PLACEHOLDER_KEY, "base_url": endpoint().base_url, "max_retries": 0}
    if timeouts is not None:
        kwargs["timeout"] = anthropic.Timeout(timeouts[1], connect=timeouts[0])
    return cls(**kwargs)


def queue_replay(cassette: Cassette) -> None:
    """The next requests to the endpoint get the cassette's turns, in order."""
    server = endpoint()
    server.clear()
    server.queue(*(script_of(turn) for turn in cassette.turns))
