"""The stream a view reads: the SDK's raw events, accumulated by the SDK itself.

``client.messages.stream()`` follows every raw event with a synthesized copy
(``text``, ``input_json``, ...) built through the SDK's generic model construction.
A view has no use for the copies, yet building them is half the cost of receiving
an answer: measured in a kernel, a 200 KB answer at full speed takes 2.0 s through
``messages.stream()`` against 0.95 s through ``messages.create(stream=True)`` for the
same bytes. So the magic asks for the raw stream, and ``StreamView.consume`` sends
the request of an unopened ``messages.stream()`` manager itself (nobody else can see
the helper it would have made); each event is folded into the final ``Message`` with
``accumulate_event``, the function ``MessageStream`` itself uses: the same Message
(and the same errors, e.g. for invalid tool JSON), half the cost. The accumulated
Message is shared with the SDK's tracing as the helper shares it.

These SDK parts are not public. When one is missing or its signature changed, the
stream helper is used as it is.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import TracebackType
from typing import Any
from urllib.parse import unquote

import anthropic
from anthropic.lib.streaming import AsyncMessageStreamManager, MessageStreamManager

from ._reducer import NOTE
from ._request import stream_kwargs
from ._wire import NOTE_HEADER

Accumulate = Callable[..., Any]


def _sdk_accumulator() -> Accumulate | None:
    try:
        from anthropic.lib.streaming._messages import accumulate_event
    except ImportError:
        return None
    try:
        parameters = inspect.signature(accumulate_event).parameters
    except (TypeError, ValueError):
        return None
    if not {"event", "current_snapshot", "json_bufs"} <= set(parameters):
        return None
    return accumulate_event


def _sdk_tracing() -> tuple[Callable[[Any, Any], None], Callable[[Any], None]]:
    """How the helper lets the span of its API call record the Message it accumulates."""
    try:
        from anthropic.lib._tracing._streaming import share_message_snapshot, withhold_message_snapshot
    except ImportError:
        return (lambda _stream, _reader: None), (lambda _stream: None)
    return share_message_snapshot, withhold_message_snapshot


_ACCUMULATE = _sdk_accumulator()


def sdk_accumulator() -> Accumulate | None:
    """The SDK's own event folder, or None on an SDK without it."""
    return _ACCUMULATE


_SHARE, _WITHHOLD = _sdk_tracing()
_NOT_GIVEN: Any = anthropic.NOT_GIVEN


class _Accumulator:
    """The Message folded from the raw events so far, as ``MessageStream`` keeps it.

    ``noted``: the recorded-answer note (``recorded_note``) comes before the events, as
    the client event a view shows."""

    def __init__(
        self, raw: Any, accumulate: Accumulate, output_format: Any = _NOT_GIVEN, *, noted: bool = False
    ) -> None:
        self._raw = raw
        self._accumulate = accumulate
        # Passed on only when given: an SDK without it has no structured output either.
        self._extra = {} if isinstance(output_format, anthropic.NotGiven) else {"output_format": output_format}
        self._snapshot: Any = None
        self._json_bufs: dict[int, bytes] = {}
        _SHARE(raw, self._snapshot_or_none)
        note = self.recorded_note if noted else ""
        self._lead = [{"type": NOTE, "text": note}] if note else []
        self._events = self._run()

    def _run(self) -> Any:
        raise NotImplementedError

    def _snapshot_or_none(self) -> Any:
        return self._snapshot

    @property
    def recorded_note(self) -> str:
        """What claude_nb's own endpoint says of a recorded answer (demo mode), or "".

        The endpoint says it in a response header, so that a view fed through any client
        of it (``claude_nb.client()`` with the widget API too) can tell the answer is not
        Claude's; the real API sends no such header."""
        headers = getattr(getattr(self._raw, "response", None), "headers", None)
        return unquote(headers.get(NOTE_HEADER, "")) if headers is not None else ""

    @property
    def current_message_snapshot(self) -> anthropic.types.Message:
        if self._snapshot is None:
            raise RuntimeError("no message_start has arrived yet")
        return self._snapshot  # type: ignore[no-any-return]

    def _fold(self, event: Any) -> None:
        # As MessageStream does: nothing is accumulated before message_start.
        if self._snapshot is None and event.type != "message_start":
            return
        try:
            self._snapshot = self._accumulate(
                event=event,
                current_snapshot=self._snapshot,
                json_bufs=self._json_bufs,
                **self._extra,
            )
        except Exception:
            _WITHHOLD(self._raw)
            raise


class RawMessageStream(_Accumulator):
    """Raw stream events, plus the Message accumulated from them so far.

    Offers what a view and the magic use of ``MessageStream``: iteration,
    ``get_final_message()``, ``current_message_snapshot`` and ``close()``.
    """

    _events: Iterator[Any]

    def _run(self) -> Iterator[Any]:
        yield from self._lead
        fold = self._fold
        for event in self._raw:
            fold(event)
            yield event

    def __iter__(self) -> Iterator[Any]:
        return self._events

    def get_final_message(self) -> anthropic.types.Message:
        """Read what is left of the stream; the accumulated Message."""
        for _ in self._events:
            pass
        return self.current_message_snapshot

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> RawMessageStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncRawMessageStream(_Accumulator):
    """The async twin of ``RawMessageStream``."""

    _events: AsyncIterator[Any]

    async def _run(self) -> AsyncIterator[Any]:
        for event in self._lead:
            yield event
        fold = self._fold
        async for event in self._raw:
            fold(event)
            yield event

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._events

    async def get_final_message(self) -> anthropic.types.Message:
        async for _ in self._events:
            pass
        return self.current_message_snapshot

    async def close(self) -> None:
        await self._raw.close()


class RawStreamRequest:
    """Not sent until entered, like the manager ``messages.stream()`` returns, so a
    view that enters it shows a failure before the first byte too."""

    def __init__(self, send: Callable[[], anthropic.Stream[Any]], accumulate: Accumulate, output_format: Any) -> None:
        self._send = send
        self._accumulate = accumulate
        self._output_format = output_format
        self._stream: RawMessageStream | None = None

    def __enter__(self) -> RawMessageStream:
        self._stream = RawMessageStream(self._send(), self._accumulate, self._output_format, noted=True)
        return self._stream

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._stream is not None:
            self._stream.close()


class AsyncRawStreamRequest:
    """The async twin of ``RawStreamRequest``."""

    def __init__(self, send: Awaitable[anthropic.AsyncStream[Any]], accumulate: Accumulate, output_format: Any) -> None:
        self._send = send
        self._accumulate = accumulate
        self._output_format = output_format
        self._stream: AsyncRawMessageStream | None = None

    async def __aenter__(self) -> AsyncRawMessageStream:
        self._stream = AsyncRawMessageStream(await self._send, self._accumulate, self._output_format, noted=True)
        return self._stream

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._stream is not None:
            await self._stream.close()


def open_stream(
    client: anthropic.Anthropic, request: dict[str, Any], *, accumulate: Accumulate | None = _ACCUMULATE
) -> Any:
    """The not-yet-sent stream of ``request``, for ``StreamView.consume``."""
    if accumulate is None:
        return client.messages.stream(**stream_kwargs(client.messages.stream, request))
    kwargs = stream_kwargs(client.messages.create, request)
    kwargs.pop("stream", None)
    return RawStreamRequest(lambda: client.messages.create(stream=True, **kwargs), accumulate, _NOT_GIVEN)


def without_helper(stream: Any, *, accumulate: Accumulate | None = _ACCUMULATE) -> Any:
    """The raw twin of an unopened ``messages.stream()`` manager (sync or async):
    the same request, sent when entered, without the helper's copies. Anything else
    (an opened helper, a raw stream, a beta manager, events) is returned as it is."""
    if accumulate is None:
        return stream
    if type(stream) is MessageStreamManager:
        parts = _manager_parts(stream, "_MessageStreamManager")
        return stream if parts is None else RawStreamRequest(parts[0], accumulate, parts[1])
    if type(stream) is AsyncMessageStreamManager:
        parts = _manager_parts(stream, "_AsyncMessageStreamManager")
        return stream if parts is None else AsyncRawStreamRequest(parts[0], accumulate, parts[1])
    return stream


def _manager_parts(manager: Any, prefix: str) -> tuple[Any, Any] | None:
    """The manager's request (a callable, or an awaitable when async) and output format."""
    send = getattr(manager, prefix + "__api_request", None)
    output_format = getattr(manager, prefix + "__output_format", None)
    return None if send is None or output_format is None else (send, output_format)
