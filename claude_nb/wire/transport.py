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

These SDK parts are not public, so they are only a fast path: ``accumulate_event``
is looked up on each request, and when it is missing or its signature changed, the
raw stream is read through the SDK's public ``MessageStream`` (which folds the
Message itself; its copies are skipped), and an unopened manager is read as it is.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import TracebackType
from typing import Any
from urllib.parse import unquote

import anthropic
from anthropic.lib.streaming import (
    AsyncMessageStream,
    AsyncMessageStreamManager,
    BetaAsyncMessageStream,
    BetaMessageStream,
    MessageStream,
    MessageStreamManager,
)

from ..core.events import NOTE, OPENED, SYNTHESIZED
from ..request.params import messages_api, stream_kwargs, uses_beta
from .protocol import NOTE_HEADER

Accumulate = Callable[..., Any]
_MODULES = {False: "anthropic.lib.streaming._messages", True: "anthropic.lib.streaming._beta_messages"}
_FOLDS = {"event", "current_snapshot", "json_bufs"}
_NEEDS = {False: _FOLDS, True: _FOLDS | {"request_headers"}}
_checked: dict[int, bool] = {}


def sdk_accumulator(*, beta: bool = False) -> Accumulate | None:
    """The SDK's own event folder (``beta``: the beta one, which keeps the beta blocks
    the GA one drops), or None on an SDK without it (renamed, moved, or with another
    signature): the public route (``MessageStream``, ``BetaMessageStream``) is taken then.

    Looked up on every request, not once at import, so the check follows the SDK
    module as it is now; the signature is inspected once per function."""
    name = _MODULES[beta]
    module = sys.modules.get(name)
    if module is None:
        try:
            module = importlib.import_module(name)
        except ImportError:
            return None
    accumulate = getattr(module, "accumulate_event", None)
    if accumulate is None:
        return None
    ok = _checked.get(id(accumulate))
    if ok is None:
        try:
            parameters = set(inspect.signature(accumulate).parameters)
        except (TypeError, ValueError):
            parameters = set()
        ok = _checked[id(accumulate)] = _NEEDS[beta] <= parameters
    return accumulate if ok else None


def _sdk_tracing() -> tuple[Callable[[Any, Any], None], Callable[[Any], None]]:
    """How the helper lets the span of its API call record the Message it accumulates."""
    try:
        from anthropic.lib._tracing._streaming import share_message_snapshot, withhold_message_snapshot
    except ImportError:
        return (lambda _stream, _reader: None), (lambda _stream: None)
    return share_message_snapshot, withhold_message_snapshot


_SHARE, _WITHHOLD = _sdk_tracing()
_NOT_GIVEN: Any = anthropic.NOT_GIVEN


def recorded_note(raw: Any) -> str:
    """What claude_nb's own endpoint says of a recorded answer (demo mode), or "".

    The endpoint says it in a response header, so that a view fed through any client
    of it (``claude_nb.client()`` with the widget API too) can tell the answer is not
    Claude's; the real API sends no such header."""
    headers = getattr(getattr(raw, "response", None), "headers", None)
    return unquote(headers.get(NOTE_HEADER, "")) if headers is not None else ""


def note_events(note: str) -> list[dict[str, Any]]:
    """The view's note events for what the endpoint said: one per line."""
    return [{"type": NOTE, "text": line} for line in note.splitlines() if line.strip()]


def request_id(raw: Any) -> str:
    headers = getattr(getattr(raw, "response", None), "headers", None)
    return str(headers.get("request-id", "")) if headers is not None else ""


def opened_events(stream: Any) -> list[dict[str, Any]]:
    """What a view hears when an attempt's response arrives: its request id (the
    answer's provenance) and the endpoint's note, if any."""
    return [{"type": OPENED, "request_id": stream.request_id}, *note_events(stream.recorded_note)]


class _Response:
    """What every route tells of the HTTP response behind its events."""

    _raw: Any

    @property
    def recorded_note(self) -> str:
        return recorded_note(self._raw)

    @property
    def request_id(self) -> str:
        return request_id(self._raw)


class _Accumulator(_Response):
    """The Message folded from the raw events so far, as ``MessageStream`` keeps it.

    ``noted``: the recorded-answer note (``recorded_note``) comes before the events, as
    the client event a view shows."""

    def __init__(
        self,
        raw: Any,
        accumulate: Accumulate,
        output_format: Any = _NOT_GIVEN,
        *,
        noted: bool = False,
        beta: bool = False,
    ) -> None:
        self._raw = raw
        self._accumulate = accumulate
        # Passed on only when given: an SDK without it has no structured output either.
        self._extra = {} if isinstance(output_format, anthropic.NotGiven) else {"output_format": output_format}
        if beta:  # the beta folder reads the request's beta headers (fine-grained tool streaming)
            self._extra["request_headers"] = _request_headers(raw)
        self._snapshot: Any = None
        self._json_bufs: dict[int, bytes] = {}
        _SHARE(raw, self._snapshot_or_none)
        self._lead = opened_events(self) if noted else []
        self._events = self._run()

    def _run(self) -> Any:
        raise NotImplementedError

    def _snapshot_or_none(self) -> Any:
        return self._snapshot

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


def _request_headers(raw: Any) -> Any:
    request = getattr(getattr(raw, "response", None), "request", None)
    return getattr(request, "headers", None) or {}


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

    def __init__(
        self, send: Callable[[], anthropic.Stream[Any]], accumulate: Accumulate, output_format: Any, beta: bool = False
    ) -> None:
        self._send = send
        self._accumulate = accumulate
        self._output_format = output_format
        self._beta = beta
        self._stream: RawMessageStream | None = None

    def __enter__(self) -> RawMessageStream:
        self._stream = RawMessageStream(
            self._send(), self._accumulate, self._output_format, noted=True, beta=self._beta
        )
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


class _Helped(_Response):
    """What both helper routes offer besides their events."""

    _helper: Any

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    @property
    def current_message_snapshot(self) -> anthropic.types.Message:
        return self._helper.current_message_snapshot  # type: ignore[no-any-return]


class HelperMessageStream(_Helped):
    """The public route: a raw stream read through the SDK's own ``MessageStream``,
    which accumulates the Message itself; its synthesized copies are skipped. Slower
    than ``RawMessageStream`` (it builds every copy) but needs nothing private."""

    def __init__(self, raw: Any, *, beta: bool = False) -> None:
        super().__init__(raw)
        self._helper = (BetaMessageStream if beta else MessageStream)(raw, output_format=_NOT_GIVEN)
        self._events = (e for e in self._helper if e.type not in SYNTHESIZED)

    def __iter__(self) -> Iterator[Any]:
        return self._events

    def close(self) -> None:
        self._helper.close()


class AsyncHelperMessageStream(_Helped):
    """The async twin of ``HelperMessageStream``."""

    def __init__(self, raw: Any, *, beta: bool = False) -> None:
        super().__init__(raw)
        self._helper = (BetaAsyncMessageStream if beta else AsyncMessageStream)(raw, output_format=_NOT_GIVEN)

    async def _run(self) -> AsyncIterator[Any]:
        async for event in self._helper:
            if event.type not in SYNTHESIZED:
                yield event

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._run()

    async def close(self) -> None:
        await self._helper.close()


def follow(raw: Any, *, beta: bool = False) -> RawMessageStream | HelperMessageStream:
    """The events of a raw ``messages.create(stream=True)`` stream (``beta``: of
    ``beta.messages.create``) and the Message they make: folded by the SDK's function
    where it has one, else by its public helper."""
    accumulate = sdk_accumulator(beta=beta)
    if accumulate is None:
        return HelperMessageStream(raw, beta=beta)
    return RawMessageStream(raw, accumulate, beta=beta)


def afollow(raw: Any, *, beta: bool = False) -> AsyncRawMessageStream | AsyncHelperMessageStream:
    accumulate = sdk_accumulator(beta=beta)
    if accumulate is None:
        return AsyncHelperMessageStream(raw, beta=beta)
    return AsyncRawMessageStream(raw, accumulate, beta=beta)


_PROBE: Any = object()


def open_stream(client: anthropic.Anthropic, request: dict[str, Any], *, accumulate: Any = _PROBE) -> Any:
    """The not-yet-sent stream of ``request``, for ``StreamView.consume`` (through the
    beta surface when the request uses a beta feature: see ``uses_beta``)."""
    beta = uses_beta(request)
    api = messages_api(client, request)
    accumulate = sdk_accumulator(beta=beta) if accumulate is _PROBE else accumulate
    if accumulate is None:
        return api.stream(**stream_kwargs(api.stream, request))
    kwargs = stream_kwargs(api.create, request)
    kwargs.pop("stream", None)
    return RawStreamRequest(lambda: api.create(stream=True, **kwargs), accumulate, _NOT_GIVEN, beta)


def without_helper(stream: Any, *, accumulate: Any = _PROBE) -> Any:
    """The raw twin of an unopened ``messages.stream()`` manager (sync or async):
    the same request, sent when entered, without the helper's copies. Anything else
    (an opened helper, a raw stream, a beta manager, events) is returned as it is,
    and so is the manager when the SDK's accumulator is missing."""
    if type(stream) not in (MessageStreamManager, AsyncMessageStreamManager):
        return stream
    accumulate = sdk_accumulator() if accumulate is _PROBE else accumulate
    # The manager's request (a callable, or an awaitable when async) and output format.
    sync = type(stream) is MessageStreamManager
    prefix = "_MessageStreamManager" if sync else "_AsyncMessageStreamManager"
    send = getattr(stream, prefix + "__api_request", None)
    output_format = getattr(stream, prefix + "__output_format", None)
    if accumulate is None or send is None or output_format is None:
        return stream
    raw = RawStreamRequest if sync else AsyncRawStreamRequest
    return raw(send, accumulate, output_format)
