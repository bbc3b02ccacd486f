"""One controller for every request of a ``map`` call: how many may be in flight and
when the next may start.

The SDK retries each request on its own, so a burst of 429s makes every request
wait and retry at once; here the requests share what the API says instead. The
controller starts modestly, doubles its concurrency while answers come back clean,
halves it once per burst of 429s and pauses everyone for their ``retry-after``,
remembering how many the API took (it grows back to that by one per window of
answers, and past it only by a probe now and then), halves on an overload (529), and
spaces requests by the ``anthropic-ratelimit-requests-limit`` the API reports (a
limit of 600 a minute is a refilling bucket: about ten a second, not 600 at once),
waiting for ``…-requests-reset`` when ``…-remaining`` reaches zero.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

HEADROOM = 0.97
"""The share of the reported request rate aimed at, for clocks that differ a little."""
PROBE_AFTER = 50
"""Clean answers in a row before trying one more in flight than the API last took."""
CREDIT = 0.25
"""Seconds of unused rate that may be spent at once: a dispatcher that woke late catches
up instead of losing the time (the API's bucket holds about a second's worth)."""


@dataclass
class Pacing:
    """The controller's state; ``ready_at`` and ``may_start`` are asked by the one
    dispatcher, the ``on_*`` methods told by each finished request."""

    concurrency: float = 4.0
    ceiling: int = 64
    in_flight: int = 0
    rate: float | None = None
    """Requests a second the API allows (from its limit header), None until known."""
    limit_per_minute: int | None = None
    paused_until: float = 0.0
    next_slot: float = 0.0
    refused: int = 0
    overloaded: int = 0
    safe: int | None = None
    """How many in flight the API took when it last refused one: grown back to quickly,
    passed only by a probe after ``PROBE_AFTER`` clean answers."""
    _clean: int = 0
    _refused_once: bool = False
    _burst_until: float = 0.0

    def may_start(self) -> bool:
        return self.in_flight < max(1, int(self.concurrency))

    def ready_at(self, now: float) -> float:
        """When the next request may go (``now`` or later)."""
        return max(now, self.paused_until, self.next_slot)

    def started(self, now: float) -> None:
        self.in_flight += 1
        if self.rate:
            self.next_slot = max(now - CREDIT, self.next_slot) + 1 / self.rate

    def finished(self) -> None:
        self.in_flight = max(0, self.in_flight - 1)

    def on_success(self, headers: Any, now: float) -> None:
        self._read_limits(headers, now)
        self._clean += 1
        window = max(1, int(self.concurrency))
        if self._clean < window:
            return
        if not self._refused_once:
            grown = self.concurrency * 2
        elif self.safe is None or self.concurrency < self.safe:
            grown = self.concurrency + 1
        elif self._clean >= PROBE_AFTER:
            grown = self.concurrency + 1  # a probe: the API may take more now
        else:
            return
        self._clean = 0
        self.concurrency = min(float(self.ceiling), grown)

    def on_rate_limited(self, wait: float, headers: Any, now: float) -> None:
        """Halve once per burst of 429s (the requests already sent are refused together)
        and remember how many the API took; everyone waits the ``retry-after``."""
        self.refused += 1
        self._read_limits(headers, now)
        if now < self._burst_until:  # one more of the same burst that did not fit
            self.safe = max(1, (self.safe or 1) - 1)
        else:
            self.safe = max(1, self.in_flight - 1)
            self.concurrency = max(1.0, min(self.concurrency, self.in_flight) / 2)
            self._burst_until = now + max(wait, 0.5)
        self.concurrency = min(self.concurrency, float(self.safe))
        self._refused_once = True
        self.paused_until = max(self.paused_until, now + wait)
        self._clean = 0

    def on_overloaded(self) -> None:
        """An overloaded API (529): fewer at once; the row itself waits its own backoff,
        the others go on (a pause for everyone is for 429s, which say how long)."""
        self.overloaded += 1
        self._refused_once = True
        self.concurrency = max(1.0, self.concurrency / 2)
        self._clean = 0

    def _read_limits(self, headers: Any, now: float) -> None:
        if headers is None:
            return
        limit = _int(headers.get("anthropic-ratelimit-requests-limit"))
        if limit:
            self.limit_per_minute = limit
            self.rate = limit / 60 * HEADROOM
        remaining = _int(headers.get("anthropic-ratelimit-requests-remaining"))
        if remaining == 0:
            # The reset header says when the bucket is full again; one request needs
            # only one request's worth of refill.
            reset = _seconds_until(headers.get("anthropic-ratelimit-requests-reset"))
            one = 60 / limit if limit else None
            wait = min(x for x in (reset, one, 60.0) if x is not None)
            self.paused_until = max(self.paused_until, now + wait)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _seconds_until(stamp: Any) -> float | None:
    """Seconds from now to an RFC 3339 time (the reset headers), None if unreadable."""
    if not isinstance(stamp, str):
        return None
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0.0, when.timestamp() - time.time())
