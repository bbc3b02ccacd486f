"""Live mode of ``map``: many Messages requests at once from one event loop in a
daemon thread (the kernel's main thread only waits, shows progress and takes the
interrupt), paced by one shared controller (``_pacing``), each row retried by the
SDK's rules, each answer written to the checkpoint the moment it arrives.

Requests are plain (not streamed) ``messages.create`` calls through the SDK's public
``with_raw_response``, which gives the rate-limit headers; the body is read as JSON
and only the answer's text, token counts and stop reason are kept, not a Message
object, so memory stays small for 100,000 rows.
"""

from __future__ import annotations

import asyncio
import heapq
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import redact, unanswered
from ..wire.retry import response_headers, retry_delay, should_retry_before_stream
from .checkpoint import Checkpoint
from .pacing import Pacing
from .stats import MapStats

MAX_REFUSALS = 12
"""429s one row may meet before it is given up (the controller slows everyone first)."""


@dataclass(order=True)
class Job:
    due: float
    position: int
    h: str = field(compare=False)
    attempt: int = field(default=0, compare=False)
    refusals: int = field(default=0, compare=False)


class LiveRun:
    """Send ``jobs`` (a row position and its prompt's hash each) and record answers.
    ``make_client()`` is called inside the loop's thread; ``prompt(position)`` gives a
    row's prompt when it is sent (prompts are not all kept in memory)."""

    def __init__(
        self,
        make_client: Callable[[], Any],
        params: Mapping[str, Any],
        jobs: list[Job],
        prompt: Callable[[int], str],
        checkpoint: Checkpoint,
        stats: MapStats,
        *,
        max_retries: int,
        pacing: Pacing,
    ) -> None:
        self._make_client, self._params, self._prompt = make_client, dict(params), prompt
        self._fresh = list(reversed(jobs))
        self._retries: list[Job] = []
        self._checkpoint, self.stats, self._max_retries, self.pacing = checkpoint, stats, max_retries, pacing
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._create: Any = None
        self._stopping = False
        self.fatal: str | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._main, name="claude-nb-map", daemon=True)
        self.thread.start()

    def _main(self) -> None:
        try:
            asyncio.run(self.run())
        except Exception as exc:  # a bug must not vanish in a daemon thread
            self.fatal = f"{type(exc).__name__}: {exc}"
        finally:
            self.stats.finished = True

    def stop(self) -> None:
        """Cancel what is in flight and send nothing more (from any thread)."""
        self._stopping = True
        loop = self._loop
        if loop is not None:
            loop.call_soon_threadsafe(self._wake)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        client = self._make_client()
        # The raw-response wrapper is rebuilt on every attribute access: made once here.
        self._create = client.messages.with_raw_response.create
        try:
            await self._dispatch(client)
        finally:
            for task in self._tasks:
                task.cancel()
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            self.stats.in_flight = 0
            await client.close()

    async def _dispatch(self, client: Any) -> None:
        pacing = self.pacing
        while not self._stopping:
            now = time.monotonic()
            if not self._fresh and not self._retries:
                # Nothing left to send (a pause the API asked for no longer matters).
                if not self._tasks:
                    return
                await self._sleep(None)
                continue
            if not pacing.may_start():
                await self._sleep(None)
                continue
            ready = pacing.ready_at(now)
            if ready > now:
                await self._sleep(ready - now)
                continue
            job = self._next(now)
            if job is None:  # only retries, none due yet
                await self._sleep(self._retries[0].due - now)
                continue
            pacing.started(now)
            self.stats.in_flight = pacing.in_flight
            task = asyncio.ensure_future(self._send(client, job))
            self._tasks.add(task)
            task.add_done_callback(self._done)

    def _next(self, now: float) -> Job | None:
        if self._retries and self._retries[0].due <= now:
            job = heapq.heappop(self._retries)
            self.stats.retrying = len(self._retries)
            return job
        return self._fresh.pop() if self._fresh else None

    async def _sleep(self, seconds: float | None) -> None:
        """Wait ``seconds`` (None: no limit) or until woken. A bare future and a timer:
        the dispatcher sleeps a few times per request, and ``wait_for`` (a task, a
        timeout, an exception each time) cost a fifth of a millisecond of CPU a row."""
        assert self._loop is not None
        waiter = self._waiter = self._loop.create_future()
        timer = self._loop.call_later(seconds, self._wake) if seconds is not None else None
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _done(self, task: asyncio.Task[None]) -> None:
        """A request is over: the dispatcher may send the next, or see that all are."""
        self._tasks.discard(task)
        self._wake()

    async def _send(self, client: Any, job: Job) -> None:
        try:
            request = {**self._params, "messages": [{"role": "user", "content": self._prompt(job.position)}]}
            raw = await self._create(**request)
            body = json.loads(raw.http_response.content)
            headers = raw.headers
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._failed(client, job, exc)
        else:
            self._answered(job, body, headers)
        finally:
            self.pacing.finished()
            self.stats.in_flight = self.pacing.in_flight

    def _answered(self, job: Job, body: dict[str, Any], headers: Any) -> None:
        text = "".join(b.get("text", "") for b in body.get("content") or [] if b.get("type") == "text")
        usage = body.get("usage") or {}
        tokens_in = int(usage.get("input_tokens") or 0) + int(usage.get("cache_read_input_tokens") or 0)
        tokens_in += int(usage.get("cache_creation_input_tokens") or 0)
        tokens_out = int(usage.get("output_tokens") or 0)
        self._checkpoint.answered(job.position, job.h, text, tokens_in, tokens_out, body.get("stop_reason"))
        self.stats.answered(job.h, tokens_in, tokens_out)
        self.pacing.on_success(headers, time.monotonic())

    def _failed(self, client: Any, job: Job, exc: BaseException) -> None:
        import anthropic

        now = time.monotonic()
        headers = response_headers(exc)
        status = getattr(exc, "status_code", None)
        if status == 429 and job.refusals < MAX_REFUSALS:
            job.refusals += 1
            wait = retry_delay(client, min(job.refusals, 4), 4, headers)
            self.pacing.on_rate_limited(wait, headers, now)
            self.stats.refused += 1
            self._again(job, now + wait)
            return
        if status in (401, 403) or isinstance(exc, anthropic.AuthenticationError):
            self.fatal = _reason(exc)
            self._stopping = True
            return
        retryable = should_retry_before_stream(client, exc) or unanswered(exc)
        if retryable and job.attempt < self._max_retries:
            job.attempt += 1
            wait = retry_delay(client, job.attempt, self._max_retries, headers)
            if status == 529 or status == 503:
                self.pacing.on_overloaded()
            self._again(job, now + wait)
            return
        kind = _error_type(exc)
        self._checkpoint.failed(job.position, job.h, _reason(exc), kind, final=not retryable)
        self.stats.failed_row(job.h)

    def _again(self, job: Job, due: float) -> None:
        job.due = due
        heapq.heappush(self._retries, job)
        self.stats.retrying = len(self._retries)


def _error_type(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("type"):
        return str(error["type"])
    return type(exc).__name__


def _reason(exc: BaseException) -> str:
    """One line: the status, the error's type and the API's message (no key)."""
    status = getattr(exc, "status_code", None)
    body = getattr(exc, "body", None)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        message = f"{error.get('type', 'error')}: {error.get('message', '')}"
    else:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = f"HTTP {status} {message}" if status else message
    return redact(text)[:300]
