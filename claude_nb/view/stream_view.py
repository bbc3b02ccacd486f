"""``StreamView``: the live widget that shows a streaming answer as it arrives.

Events go into the pure reducer; the frame clock decides when the frontend hears
about it; each flush renders only what changed (incremental markdown) and sends
a small patch through anywidget's custom messages. When the stream ends, the
displays of the view are replaced by a static, sanitized snapshot, so a saved
notebook keeps the answer without a kernel.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager, asynccontextmanager, closing, contextmanager
from pathlib import Path
from typing import Any

import anthropic
import anywidget

from ..core.errors import IncompleteStreamError
from ..reduce.partial import kept_whole, message_from
from ..reduce.reducer import (
    NOTE,
    NOTICE,
    RESUME,
    SYNTHESIZED,
    TOOL,
    TURN,
    Status,
    StreamState,
    as_plain,
    fail,
    field_of,
    reduce_event,
)
from ..render.markdown import shared_renderer
from ..wire.transport import without_helper
from .clock import FrameClock
from .consent import Consent, Consuming
from .frame_builder import FrameBuilder, answer_source
from .snapshot import ANSWER_MIME, provenance, snapshot_html, snapshot_markdown, snapshot_text
from .stop import aclose_quietly as _aclose
from .stop import failure as _failure
from .stop import listened
from .terminal import TerminalEcho

_FRONTEND = Path(__file__).parent.parent / "_frontend"
_URGENT = frozenset({"content_block_stop", "message_start", NOTICE, RESUME, TOOL, TURN, NOTE})


class StreamView(anywidget.AnyWidget):
    """A live view of one streamed Claude answer.

    Feed it a stream with ``consume`` (sync) or ``aconsume`` (async), or raw events
    one by one with ``feed``. Read ``text``, ``thinking``, ``tool_calls``,
    ``message`` and ``status`` at any time; ``to_html()`` is the static snapshot.
    """

    _esm = _FRONTEND / "view.js"
    _css = _FRONTEND / "view.css"

    def __init__(
        self,
        *,
        model: str = "",
        frame_interval: float = 0.05,
        allow_remote_images: bool = False,
        echo: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._lock = threading.RLock()
        self._state = StreamState(model=model)
        self._renderer = shared_renderer(allow_remote_images=allow_remote_images)
        self._frames = FrameBuilder(self._renderer)
        self._flushed_version = -1
        self._message: anthropic.types.Message | None = None
        self._display_id = "cnb-" + uuid.uuid4().hex
        self._displayed = False
        self._ended = False
        self._ending = False
        self._echo = TerminalEcho() if echo else None
        self._text_shown = False
        self._stop_asked = False
        self._clock = FrameClock(frame_interval, self._flush)
        self.consent = Consent(self._renderer, self._changed)  # the agent's question, in a tool's row
        self.on_msg(self._on_frontend_msg)

    # -- public state ------------------------------------------------------------------
    # Readers take the lock: they may run in another thread while a stream feeds the view.
    @property
    def text(self) -> str:
        """Markdown source of all text blocks so far, in order."""
        with self._lock:
            return self._state.text

    @property
    def thinking(self) -> str:
        with self._lock:
            return self._state.thinking

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        """Closed tool calls: dicts with ``id``, ``name``, ``input`` (and ``type``, ``result``)."""
        with self._lock:
            return self._state.tool_calls

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every turn this view showed, as plain messages: for a tool loop the assistant
        turns with their calls and the user turns of results, then the final answer."""
        with self._lock:
            earlier = list(self._state.exchanged)
        final = self._message
        if final is None:
            return earlier
        return [*earlier, {"role": "assistant", "content": [as_plain(b) for b in final.content]}]

    @property
    def message(self) -> anthropic.types.Message | None:
        """The final Message (a partial one after an error or stop); None while streaming."""
        return self._message

    @property
    def status(self) -> Status:
        return self._state.status

    @property
    def error(self) -> str | None:
        return self._state.error

    @property
    def state(self) -> StreamState:
        return self._state

    def to_html(self, *, key: str = "") -> str:
        """A self-contained static HTML snapshot of what the view shows (``key``: the
        display it replaces, named so the page can tell it has the answer)."""
        with self._lock:
            now = time.monotonic()
            if self._ended:
                answer, thinking = self._frames.answer.html, self._frames.thinking.html
            else:
                answer = self._renderer.render(answer_source(self._state))
                thinking = self._renderer.render(self._state.thinking)
            return snapshot_html(self._state, answer, thinking, self._renderer, now, key=key)

    def to_markdown(self) -> str:
        with self._lock:
            return snapshot_markdown(
                self._state, time.monotonic(), allow_remote_images=self._renderer.allow_remote_images
            )

    def __repr__(self) -> str:
        return f"<StreamView status={self.status!r} chars={len(self.text)} tools={len(self.tool_calls)}>"

    def _static_bundle(self) -> dict[str, Any]:
        with self._lock:
            return {
                ANSWER_MIME: {"key": self._display_id},
                "text/html": self.to_html(key=self._display_id),
                "text/markdown": self.to_markdown(),
                "text/plain": snapshot_text(self._state, time.monotonic()),
            }

    # -- display -------------------------------------------------------------------------
    def _ipython_display_(self) -> None:
        from IPython.display import display

        if self._ended or self._echo is not None:
            display(self._static_bundle(), raw=True)
            return
        bundle = self._repr_mimebundle_()
        if bundle is None:
            return
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data = {**data, "text/plain": "Claude's answer (a live view: run the cell again to see it here)"}
        display(data, raw=True, display_id=self._display_id)
        self._displayed = self.consent.enabled = True
        # The first frame goes out with the display: a page that has it knows it has
        # seen the view from its start and never asks for the state (which a blocking
        # cell would answer only after it ends, sending the whole answer twice).
        self._flush()

    # -- feeding ---------------------------------------------------------------------------
    def feed(self, event: Any) -> None:
        """Apply one raw stream event (an SDK event object or a dict)."""
        kind = field_of(event, "type")
        if kind not in SYNTHESIZED:  # else the SDK's copy of the raw delta just fed
            self._feed(event, kind)

    def _feed(self, event: Any, kind: Any) -> None:
        # Runs for every event of a stream: the type is read once, by the caller.
        with self._lock:
            if self._ended:
                return
            now = time.monotonic()
            state = self._state
            reduce_event(state, event, now, kind)
            if self._echo is not None:
                self._echo.event(kind, event, state)
            if kind == "message_stop" and self._message is None:
                self._message = message_from(event, self._state)
            ended = self._state.status in ("done", "error")
        if ended:
            self._end()
        else:
            # A closed block (a finished tool call), the stream's start, the answer's
            # first words and what the transport says (it is about to wait) show at once.
            urgent = kind in _URGENT
            if not self._text_shown and kind == "content_block_delta" and self._state.text_chars_started():
                self._text_shown = urgent = True
            self._clock.tick(now, urgent=urgent)

    def consume(self, stream: Iterable[Any] | AbstractContextManager[Any]) -> anthropic.types.Message:
        """Show a ``MessageStream`` (or any iterable of events); return the final Message.

        Errors are shown in the view and re-raised after the view has ended, with
        everything received so far kept in ``message`` and ``text``. A
        ``MessageStreamManager`` (what ``client.messages.stream(...)`` returns) is
        entered here, so a failure before the first byte is shown too; its request is
        then read raw, without the helper's synthesized copy of every event (half the
        cost of receiving), and the Message is accumulated by the SDK's own function.
        """
        stream = without_helper(stream)
        if isinstance(stream, AbstractContextManager) and not isinstance(stream, Iterable):
            self._mark_request_start()
            with self._ends_on_failure(None):
                opened = stream.__enter__()
            try:
                return self.consume(opened)
            finally:
                stream.__exit__(None, None, None)
        events = listened(stream, lambda: self._stop_asked)
        with self._ends_on_failure(stream), closing(events), Consuming(self):
            feed = self._feed
            for event in events:
                # Half the SDK's events are its synthesized copies of the raw delta just
                # fed: drop them before any work is done for them.
                kind = field_of(event, "type")
                if kind not in SYNTHESIZED:
                    feed(event, kind)
            get = getattr(stream, "get_final_message", None)
            final = get() if get is not None else self._message
        return self._settle(final)

    async def aconsume(self, stream: AsyncIterable[Any] | AbstractAsyncContextManager[Any]) -> anthropic.types.Message:
        """The async twin of ``consume`` for an ``AsyncMessageStream`` (or its manager)."""
        stream = without_helper(stream)
        if isinstance(stream, AbstractAsyncContextManager) and not isinstance(stream, AsyncIterable):
            self._mark_request_start()
            async with self._aends_on_failure(None):
                opened = await stream.__aenter__()
            try:
                return await self.aconsume(opened)
            finally:
                await stream.__aexit__(None, None, None)
        async with self._aends_on_failure(stream):
            async for event in stream:
                kind = field_of(event, "type")
                if kind not in SYNTHESIZED:
                    self._feed(event, kind)
                if self._stop_asked:  # the kernel hears the page between awaits
                    raise asyncio.CancelledError
            get = getattr(stream, "get_final_message", None)
            final = await get() if get is not None else self._message
        return self._settle(final)

    @contextmanager
    def _ends_on_failure(self, stream: Any) -> Iterator[None]:
        """On any failure: show it, keep what arrived, end the view, re-raise."""
        try:
            yield
        except BaseException as exc:
            self._abort(stream, *_failure(exc, self._state.status == "streaming"))
            raise

    @asynccontextmanager
    async def _aends_on_failure(self, stream: Any) -> AsyncIterator[None]:
        try:
            yield
        except BaseException as exc:
            if stream is not None:
                await _aclose(stream)
            self._abort(stream, *_failure(exc, self._state.status == "streaming"))
            raise

    def _mark_request_start(self) -> None:
        """Time to first token counts from the request, not from the first byte."""
        with self._lock:
            if self._state.started_at is None:
                self._state.started_at = time.monotonic()

    def _settle(self, final: anthropic.types.Message | None) -> anthropic.types.Message:
        if final is not None:
            with self._lock:
                final = self._message = kept_whole(final, self._state)
        if self._state.status != "done" or final is None:
            with self._lock:
                fail(self._state, "the stream ended before message_stop (connection closed early)", time.monotonic())
            self._end()
            raise IncompleteStreamError(self._message)
        self._end()
        return final

    def _abort(self, stream: Any, reason: str, stopped: bool) -> None:
        if self._message is None:
            try:
                self._message = getattr(stream, "current_message_snapshot", None)
            except Exception:  # no message_start yet: the SDK asserts, it does not return None
                self._message = None
        close = getattr(stream, "close", None)
        if close is not None and not isinstance(stream, AsyncIterable):
            try:
                close()
            except Exception:
                pass
        with self._lock:
            if self._state.status not in ("error", "stopped"):
                fail(self._state, reason, time.monotonic(), stopped=stopped)
        if self._message is None and self._state.blocks:
            self._message = message_from({}, self._state)
        self._end()

    # -- frames ------------------------------------------------------------------------------
    def _flush(self, *, final: bool = False) -> None:
        with self._lock:
            if self._state.version == self._flushed_version and not final:
                return
            self._flushed_version = self._state.version
            if self._echo is None:
                now, consent = time.monotonic(), self.consent
                msg = self._frames.build(self._state, now, final=final, key=self._display_id, **consent.pieces())
                if msg is not None:
                    self.send(msg)

    def _changed(self) -> None:
        with self._lock:
            self._state.version += 1
        self._flush()

    def _on_frontend_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "sync":
            with self._lock:
                msg = self._frames.build(self._state, time.monotonic(), reset=True, key=self._display_id)
                if msg is not None:
                    self.send(msg)
        elif kind == "bundle" and self._ended:
            # A page that never got the static answer (reloaded mid-stream) puts it in
            # place of the widget's output itself (claude_nb's page extension).
            self.send({"type": "bundle", "model": self.model_id, "data": self._static_bundle()})
        elif kind == "release" and self._ended:
            self._release()
        elif kind == "stop":
            self._stop_asked = True
        elif kind == "consent":
            self.consent.answered(content)

    def _release(self) -> None:
        """A page shows the static answer in this view's place (what the notebook saves):
        close the comm, so the kernel holds nothing for it and a page opened later does
        not restore a widget with nothing left to say. Its ``Layout`` (a comm of its
        own) goes too: closing a widget leaves its children open."""
        with self._lock:
            self._frames.release()
        self.layout.close()
        self.close()

    def _end(self) -> None:
        with self._lock:
            if self._ended or self._ending:
                return
            self._ending = True
            self.consent.enabled = False
        # Outside the lock: the clock's helper thread may be waiting for it to flush.
        self._clock.close()
        with self._lock:
            self._flush(final=True)
            self._ended = True
            self._frames.end()
        if self._echo is not None:
            self._echo.end(self._state, time.monotonic())
            return
        if self._displayed:
            from IPython.display import update_display

            # The page that ran the cell gets the static bundle in place of the widget.
            # The widget itself stays open: a page reloaded (or opened) during the stream
            # never sees that update, since Jupyter sends it to the page that ran the cell
            # only; it restores the widget once the kernel is free and syncs to the
            # final state instead of showing an empty output.
            about = {"claude_nb": provenance(self._state, self._message)}
            update_display(self._static_bundle(), display_id=self._display_id, raw=True, metadata=about)
