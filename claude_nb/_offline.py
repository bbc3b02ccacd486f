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

from ._cassette import Cassette, Turn

PLACEHOLDER_KEY = "offline-no-key"
"""Sent as the key header to the in-process endpoint, which needs one: not a key."""

_lock = threading.Lock()
_server: Any = None
_speed = {"tokens_per_second": 80.0}


def set_speed(tokens_per_second: float) -> None:
    """How fast recorded answers stream: tokens per second (0: as fast as possible)."""
    _speed["tokens_per_second"] = max(0.0, float(tokens_per_second))


def endpoint() -> Any:
    """The kernel's one in-process endpoint, started when first needed."""
    global _server
    with _lock:
        if _server is None:
            from . import _demo
            from .replay import ReplayServer

            _server = ReplayServer(chooser=_demo.choose).start()
        return _server


def client(*, asynchronous: bool = False, timeouts: tuple[float, float] | None = None) -> Any:
    import anthropic

    cls = anthropic.AsyncAnthropic if asynchronous else anthropic.Anthropic
    kwargs: dict[str, Any] = {"api_key": PLACEHOLDER_KEY, "base_url": endpoint().base_url, "max_retries": 0}
    if timeouts is not None:
        kwargs["timeout"] = anthropic.Timeout(timeouts[1], connect=timeouts[0])
    return cls(**kwargs)


def pace_for(events: list[tuple[float, str, dict[str, Any]]]) -> float:
    """The pause after each event that makes its deltas arrive at the set tokens per
    second (about four characters a token, as the API's tokenizer averages in English)."""
    rate = _speed["tokens_per_second"]
    deltas = [d for _, name, d in events if name == "content_block_delta"]
    if not rate or not deltas:
        return 0.0
    chars = 0
    for data in deltas:
        delta = data.get("delta") or {}
        chars += len(str(delta.get("text") or delta.get("thinking") or delta.get("partial_json") or ""))
    return min(0.25, chars / 4 / rate / len(deltas))


def script_of(turn: Turn) -> Any:
    """The loopback's answer for one recorded turn."""
    from .replay import Script, Step

    steps = [Step("event", name, data) for _, name, data in turn.events]
    if turn.broke:
        steps.append(Step("drop"))
    return Script(steps=steps, pace=pace_for(turn.events))


def queue_replay(cassette: Cassette) -> None:
    """The next requests to the endpoint get the cassette's turns, in order."""
    server = endpoint()
    server.clear()
    server.queue(*(script_of(turn) for turn in cassette.turns))
