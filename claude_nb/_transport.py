"""The stream the magic asks for: the SDK's raw events, accumulated by the SDK itself.

``client.messages.stream()`` follows every raw event with a synthesized copy
(``text``, ``input_json``, ...) built through the SDK's generic model construction.
A view has no use for the copies, yet building them is half the cost of receiving
an answer: measured in a kernel, a 200 KB answer at full speed takes 2.0 s through
``messages.stream()`` against 0.95 s through ``messages.create(stream=True)`` for the
same bytes. So the magic asks for the raw stream and folds each event into the final
``Message`` with ``accumulate_event``, the function ``MessageStream`` itself uses:
the same Message (and the same errors, e.g. for invalid tool JSON), half the cost.

That function is not part of the SDK's public surface. When it is missing or its
signature changed, ``open_stream`` falls back to ``messages.stream()``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

import anthropic

from ._request import stream_kwargs

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


_ACCUMULATE = _sdk_accumulator()


class RawMessageStream:
    """Raw stream events, plus the Message accumulated from them so far.

    Offers what a view and the magic use of ``MessageStream``: iteration,
    ``get_final_message()``, ``current_message_snapshot`` and ``close()``.
    """

    def __init__(self, raw: anthropic.Stream[Any], accumulate: Accumulate) -> None:
        self._raw = raw
        self._accumulate = accumulate
        self._snapshot: Any = None
        self._json_bufs: dict[int, bytes] = {}
        self._events = self._run()

    @property
    def current_message_snapshot(self) -> anthropic.types.Message:
        if self._snapshot is None:
            raise RuntimeError("no message_start has arrived yet")
        return self._snapshot  # type: ignore[no-any-return]

    def _run(self) -> Iterator[Any]:
        accumulate, bufs = self._accumulate, self._json_bufs
        for event in self._raw:
            # As MessageStream does: nothing is accumulated before message_start.
            if self._snapshot is not None or event.type == "message_start":
                self._snapshot = accumulate(event=event, current_snapshot=self._snapshot, json_bufs=bufs)
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


class RawStreamRequest:
    """Not sent until entered, like the manager ``messages.stream()`` returns, so a
    view that enters it shows a failure before the first byte too."""

    def __init__(self, client: anthropic.Anthropic, kwargs: dict[str, Any], accumulate: Accumulate) -> None:
        self._client = client
        self._kwargs = kwargs
        self._accumulate = accumulate
        self._stream: RawMessageStream | None = None

    def __enter__(self) -> RawMessageStream:
        raw = self._client.messages.create(stream=True, **self._kwargs)
        self._stream = RawMessageStream(raw, self._accumulate)
        return self._stream

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._stream is not None:
            self._stream.close()


def open_stream(
    client: anthropic.Anthropic, request: dict[str, Any], *, accumulate: Accumulate | None = _ACCUMULATE
) -> Any:
    """The not-yet-sent stream of ``request``, for ``StreamView.consume``."""
    if accumulate is None:
        return client.messages.stream(**stream_kwargs(client.messages.stream, request))
    kwargs = stream_kwargs(client.messages.create, request)
    kwargs.pop("stream", None)
    return RawStreamRequest(client, kwargs, accumulate)
