"""Rate limits as the API applies them: requests per minute as a continuously
refilled bucket (600 a minute lets about 10 through each second, not 600 at once),
optionally a cap on requests in flight, a ``429 rate_limit_error`` with
``retry-after`` beyond either, and the ``anthropic-ratelimit-requests-*`` headers on
every answer so a client can pace itself."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


@dataclass
class Limits:
    """``rpm``: requests a minute (None: unlimited); ``in_flight``: most requests being
    answered at once (None: unlimited); ``burst``: seconds of requests the bucket holds."""

    rpm: int | None = None
    in_flight: int | None = None
    burst: float = 1.0
    _tokens: float = field(default=0.0, init=False)
    _stamp: float = field(default_factory=time.monotonic, init=False)
    _busy: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    refused: int = field(default=0, init=False)
    """429s answered so far."""
    admitted: int = field(default=0, init=False)
    peak: int = field(default=0, init=False)
    """The most requests answered at once so far."""

    def __post_init__(self) -> None:
        self._tokens = self._capacity()

    def _capacity(self) -> float:
        return max(1.0, (self.rpm or 0) / 60 * self.burst)

    def _refill(self, now: float) -> None:
        if self.rpm is None:
            return
        self._tokens = min(self._capacity(), self._tokens + (now - self._stamp) * self.rpm / 60)
        self._stamp = now

    def admit(self) -> tuple[bool, dict[str, str]]:
        """Take one request: whether it may go on, and the headers to answer with
        (``retry-after`` too when it may not). A request admitted must be ``release``d."""
        with self._lock:
            now = time.monotonic()
            self._refill(now)
            headers = self._headers(now)
            if self.in_flight is not None and self._busy >= self.in_flight:
                self.refused += 1
                return False, {**headers, "retry-after": "1"}
            if self.rpm is not None and self._tokens < 1:
                self.refused += 1
                wait = (1 - self._tokens) * 60 / self.rpm
                return False, {**headers, "retry-after": str(max(1, math.ceil(wait)))}
            if self.rpm is not None:
                self._tokens -= 1
            self._busy += 1
            self.peak = max(self.peak, self._busy)
            self.admitted += 1
            return True, self._headers(now)

    def release(self) -> None:
        with self._lock:
            self._busy = max(0, self._busy - 1)

    def _headers(self, now: float) -> dict[str, str]:
        if self.rpm is None:
            return {}
        missing = self._capacity() - self._tokens
        reset = datetime.now(UTC) + timedelta(seconds=missing * 60 / self.rpm)
        return {
            "anthropic-ratelimit-requests-limit": str(self.rpm),
            "anthropic-ratelimit-requests-remaining": str(max(0, math.floor(self._tokens))),
            "anthropic-ratelimit-requests-reset": reset.isoformat(timespec="seconds").replace("+00:00", "Z"),
        }
