"""One answer over several HTTP attempts: visible retries before the stream, and a
broken stream resumed from what arrived.

A ``ResumingStream`` is what ``%%claude`` and ``claude_nb.stream`` hand to
``StreamView.consume``: one iterable of events, as if the answer had come in one
piece. Before the stream starts, a retriable failure (the SDK's rules, see
``_retry``) is retried after the SDK's delay while a notice event says so; after it
started, a break that is worth resuming (an overloaded or API error event, a dropped
connection, a read timeout, an end without ``message_stop``) is followed by a
continuation request (``_splice``), whose events join the same view: the reducer is
told which unfinished blocks to drop and where the new blocks go, and the first
continuation text is joined to the kept text without a seam. Attempts are bounded;
when they run out the last failure is raised and the view ends as before, with
everything received kept.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from ..core.events import NOTICE, REQUEST, RESUME
from ..core.message import build_message
from ..core.plain import as_plain
from ..request import cache as _cache
from ..request.params import messages_api, stream_kwargs, uses_beta, without_sampling
from .retry import failure_reason, response_headers, resumable_mid_stream, retry_delay, should_retry_before_stream
from .splice import Splice
from .transport import afollow, follow, note_events, opened_events


def _notice(text: str | None) -> dict[str, Any]:
    return {"type": NOTICE, "text": text}


class _Attempts:
    """The bookkeeping both loops share: retries, breaks, and the events of an attempt."""

    def __init__(
        self, client: Any, request: dict[str, Any], max_retries: int, max_resumes: int, cache: bool = False
    ) -> None:
        self.client = client
        self.cache = cache
        request, note = without_sampling(request)
        self.opening = [{"type": REQUEST}, *note_events(note)]
        """What a view hears before the first attempt: the request is on its way, and
        what of it was left out."""
        self.splice = Splice(request)
        self.beta = uses_beta(request)
        self.api = messages_api(client, request)
        self.max_retries = max_retries
        self.max_resumes = max_resumes
        self.raw: Any = None
        self._finished: set[int] = set()
        self._first_is_text = False
        self._joining = False

    def kwargs(self, request: dict[str, Any]) -> dict[str, Any]:
        kwargs = stream_kwargs(self.api.create, _cache.place(request) if self.cache else request)
        kwargs.pop("stream", None)
        return kwargs

    def retry_or_raise(self, exc: Exception, attempt: int) -> tuple[dict[str, Any], float]:
        """Before the stream: the notice and delay of the next try, or re-raise."""
        if attempt > self.max_retries or not should_retry_before_stream(self.client, exc):
            raise exc
        delay = retry_delay(self.client, attempt, self.max_retries, response_headers(exc))
        total = self.max_retries + 1
        text = f"retrying in {delay:.1f} s (attempt {attempt + 1}/{total}: {failure_reason(exc)})"
        return _notice(text), delay

    def begin(self, raw: Any) -> None:
        self.raw = raw
        self._finished = set()
        self._first_is_text = False
        self._joining = bool(self.splice.resumes)

    def opened(self) -> list[dict[str, Any]]:
        """What the view hears of the opened attempt: its request id, the endpoint's note."""
        return opened_events(self.raw)

    def rewrite(self, event: Any) -> list[Any]:
        """An attempt's event as the view should see it."""
        kind = event.type
        if kind == "content_block_stop":
            self._finished.add(event.index)
        if not self._joining:
            return [event]
        if kind == "message_start":
            return [_notice(None)]  # the continuation's Message is folded into the first one
        if kind == "message_delta":
            usage = as_plain(self.raw.current_message_snapshot.usage)
            plain = as_plain(event)
            return [{**plain, "usage": {**plain.get("usage", {}), **_summed(self.splice.usage, usage)}}]
        if kind == "content_block_start" and event.index == 0:
            self._first_is_text = event.content_block.type == "text"
            if not self._first_is_text:
                self.splice.flush_join()
        elif kind == "content_block_delta" and event.index == 0 and self._first_is_text:
            if event.delta.type == "text_delta":
                shown = self.splice.text_delta(event.delta.text, True)
                return [] if not shown else [_text_delta(shown)]
        elif kind == "content_block_stop" and event.index == 0 and self._first_is_text:
            rest = self.splice.flush_join()
            return [_text_delta(rest), event] if rest else [event]
        return [event]

    def resume_or_raise(self, exc: Exception, resumes: int) -> tuple[list[dict[str, Any]], float, dict[str, Any]]:
        """After the stream started: the events that resume it, the delay and the next
        request, or re-raise (not resumable, or attempts used up)."""
        if resumes >= self.max_resumes or not resumable_mid_stream(exc):
            raise exc
        try:
            partial = as_plain(self.raw.current_message_snapshot)
        except Exception:  # broke before message_start
            partial = None
        # Text held back while deciding how the continuation joins is shown before the break.
        held = self.splice.flush_join() if self._joining and self._first_is_text else ""
        offset = self.splice.offset
        plan = self.splice.on_break(partial, self._finished, failure_reason(exc, mid_stream=True))
        if plan is None:
            raise exc
        delay = retry_delay(self.client, resumes + 1, self.max_resumes)
        events = [_text_delta(held)] if held else []
        discard = [offset + i for i in plan.discard]
        events.append({"type": RESUME, "discard": discard, "offset": self.splice.offset, "reason": plan.reason})
        events.append(_notice(f"{plan.reason}: resuming in {delay:.1f} s ({resumes + 1}/{self.max_resumes})"))
        self.splice.start_attempt()
        return events, delay, plan.request

    @property
    def snapshot(self) -> Any:
        current = self.raw.current_message_snapshot if self.raw is not None else None
        if current is None or not self.splice.resumes:
            return current
        return build_message(self.splice.final(as_plain(current)))


def _text_delta(text: str) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}}


def _summed(earlier: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    return {k: v + earlier.get(k, 0) if isinstance(v, int) else v for k, v in current.items()}


class IncompleteStream(Exception):  # noqa: N818 - named as the reason reads: "stream ended early"
    """The connection ended cleanly before ``message_stop``."""


class ResumingStream:
    """Events of one answer, retried and resumed as needed (see the module doc)."""

    def __init__(
        self,
        client: Any,
        request: dict[str, Any],
        *,
        max_retries: int = 2,
        max_resumes: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        cache: bool = False,
    ) -> None:
        self._attempts = _Attempts(client, request, max_retries, max_resumes, cache)
        self._sleep = sleep
        self._events = self._run()

    def __iter__(self) -> Iterator[Any]:
        return self._events

    def _open(self, request: dict[str, Any]) -> Iterator[Any]:
        a = self._attempts
        attempt = 1
        while True:
            try:
                raw = a.api.create(stream=True, **a.kwargs(request))
                a.begin(follow(raw, beta=a.beta))
            except Exception as exc:
                notice, delay = a.retry_or_raise(exc, attempt)
                yield notice
                self._sleep(delay)
                attempt += 1
                continue
            yield from a.opened()
            return

    def _run(self) -> Iterator[Any]:
        a = self._attempts
        yield from a.opening
        request, resumes = a.splice.request, 0
        while True:
            yield from self._open(request)
            ended = False
            try:
                for event in a.raw:
                    ended = ended or event.type == "message_stop"
                    yield from a.rewrite(event)
                if ended:
                    return
                raise IncompleteStream()
            except Exception as exc:
                a.raw.close()
                try:
                    events, delay, request = a.resume_or_raise(exc, resumes)
                except IncompleteStream:
                    return  # attempts used up: the view tells the early end as before
                yield from events
                self._sleep(delay)
                resumes += 1

    def get_final_message(self) -> Any:
        for _ in self._events:
            pass
        return self.current_message_snapshot

    @property
    def current_message_snapshot(self) -> Any:
        return self._attempts.snapshot

    def close(self) -> None:
        if self._attempts.raw is not None:
            self._attempts.raw.close()


class AsyncResumingStream:
    """The async twin of ``ResumingStream``, for ``AsyncAnthropic`` clients."""

    def __init__(
        self, client: Any, request: dict[str, Any], *, max_retries: int = 2, max_resumes: int = 3, cache: bool = False
    ) -> None:
        self._attempts = _Attempts(client, request, max_retries, max_resumes, cache)
        self._events = self._run()

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._events

    async def _run(self) -> AsyncIterator[Any]:
        a = self._attempts
        for event in a.opening:
            yield event
        request, resumes = a.splice.request, 0
        while True:
            attempt = 1
            while True:
                try:
                    raw = await a.api.create(stream=True, **a.kwargs(request))
                    a.begin(afollow(raw, beta=a.beta))
                    break
                except Exception as exc:
                    notice, delay = a.retry_or_raise(exc, attempt)
                    yield notice
                    await asyncio.sleep(delay)
                    attempt += 1
            for event in a.opened():
                yield event
            ended = False
            try:
                async for event in a.raw:
                    ended = ended or event.type == "message_stop"
                    for out in a.rewrite(event):
                        yield out
                if ended:
                    return
                raise IncompleteStream()
            except Exception as exc:
                await a.raw.close()
                try:
                    events, delay, request = a.resume_or_raise(exc, resumes)
                except IncompleteStream:
                    return
                for out in events:
                    yield out
                await asyncio.sleep(delay)
                resumes += 1

    async def get_final_message(self) -> Any:
        async for _ in self._events:
            pass
        return self.current_message_snapshot

    @property
    def current_message_snapshot(self) -> Any:
        return self._attempts.snapshot

    async def close(self) -> None:
        if self._attempts.raw is not None:
            await self._attempts.raw.close()
