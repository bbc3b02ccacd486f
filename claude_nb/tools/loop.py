"""A tool loop in one view: the model asks for calls, the notebook runs them, the
model goes on — every turn streamed into the same ``StreamView``.

Our own loop rather than the SDK's tool runner: the runner defaults to server-held
message threads (a beta a loopback or proxy server does not keep), and each turn
here is a ``ResumingStream``, so every turn is retried and resumed like a plain
answer. Full history is sent on every turn.

Between turns the loop tells the view what happens through client events: each
call ``running`` then ``done``/``error``/``skipped`` with its result (``TOOL``), and
the turn handed on (``TURN``, with the messages it added). The ``message_stop`` of
a turn that is followed by another is held back, so the view ends once, after the
last turn. A turn that ends in ``pause_turn`` (a server-tool loop hit its limit) is
sent back unchanged and continued. ``max_turns`` bounds the requests; reaching it
is said plainly in the footer, and the calls of the last turn are not run.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..reduce.reducer import NOTE, NOTICE, TOOL, TURN, as_plain
from ..reduce.stops import cut_reason
from ..wire.resume import AsyncResumingStream, ResumingStream
from .toolbox import Outcome, Toolbox, skipped

MAX_TURNS = 10


def _kind(event: Any) -> Any:
    return event.get("type") if isinstance(event, dict) else event.type


def _tool_event(call_id: str, status: str, outcome: Outcome | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {"type": TOOL, "id": call_id, "status": status}
    if outcome is not None:
        event.update(status=outcome.status, content=outcome.content, seconds=outcome.seconds)
    return event


def _sendable(content: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A turn's content as the API takes it back as the last message: no empty text
    blocks, no trailing whitespace at the very end (both are rejected)."""
    blocks = [b for b in content if not (b.get("type") == "text" and not b.get("text"))]
    if blocks and blocks[-1].get("type") == "text":
        blocks[-1] = {**blocks[-1], "text": str(blocks[-1]["text"]).rstrip()}
    return blocks


@dataclass
class _Next:
    """What follows a finished turn."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    """Client tool calls to run before the next turn."""
    assistant: dict[str, Any] | None = None
    """The assistant turn to send back; None: the answer is finished."""
    closing: list[dict[str, Any]] = field(default_factory=list)
    """Events that end the answer (calls not run, a note on why it stopped)."""


class _Turns:
    """The bookkeeping both loops share."""

    def __init__(self, request: dict[str, Any], toolbox: Toolbox, max_turns: int) -> None:
        self.toolbox = toolbox
        self.max_turns = max(1, max_turns)
        tools = [t for t in request.get("tools") or [] if isinstance(t, dict)]
        self.request = {**request, "tools": [*tools, *toolbox.definitions]}
        self.messages: list[dict[str, Any]] = []
        """Every message this answer added to the conversation, in order."""
        self.turns = 0

    def after(self, message: Any) -> _Next:
        plain = as_plain(message) or {}
        content = list(plain.get("content") or [])
        stop = plain.get("stop_reason")
        calls = [b for b in content if b.get("type") == "tool_use"]
        goes_on = (stop == "tool_use" and bool(calls)) or stop == "pause_turn"
        if not goes_on:
            why = cut_reason(stop)
            return _Next(closing=[_tool_event(c["id"], "", skipped(why)) for c in calls])
        if self.turns >= self.max_turns:
            note = (
                f"stopped after {self.turns} turn{'s' if self.turns > 1 else ''} (max turns {self.max_turns}); "
                f"the model still asked {'for tools' if calls else 'to continue'}"
            )
            why = f"max turns ({self.max_turns}) reached"
            return _Next(
                closing=[*(_tool_event(c["id"], "", skipped(why)) for c in calls), {"type": NOTE, "text": note}]
            )
        return _Next(
            calls=calls if stop == "tool_use" else [], assistant={"role": "assistant", "content": _sendable(content)}
        )

    def hand_on(self, assistant: dict[str, Any], results: list[dict[str, Any]]) -> dict[str, Any]:
        """The TURN event, after which the next request goes out."""
        added = [assistant, *([{"role": "user", "content": results}] if results else [])]
        self.messages.extend(added)
        self.request = {**self.request, "messages": [*self.request["messages"], *added]}
        return {"type": TURN, "messages": added}


def _running(call: dict[str, Any], i: int, n: int) -> list[dict[str, Any]]:
    counter = f" ({i}/{n})" if n > 1 else ""
    return [{"type": NOTICE, "text": f"running {call.get('name')}{counter}"}, _tool_event(call["id"], "running")]


class _Loop:
    """What both twins show of themselves: the messages so far and the current turn."""

    _turns: _Turns
    _stream: ResumingStream | AsyncResumingStream | None

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every message this answer added to the conversation so far."""
        return self._turns.messages

    @property
    def current_message_snapshot(self) -> Any:
        return self._stream.current_message_snapshot if self._stream is not None else None


class ToolLoop(_Loop):
    """Events of a whole tool loop, for ``StreamView.consume`` (see the module doc)."""

    def __init__(
        self,
        client: Any,
        request: dict[str, Any],
        toolbox: Toolbox,
        *,
        max_turns: int = MAX_TURNS,
        max_retries: int = 2,
        max_resumes: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        cache: bool = False,
    ) -> None:
        self._client = client
        self._turns = _Turns(request, toolbox, max_turns)
        self._options = {"max_retries": max_retries, "max_resumes": max_resumes, "sleep": sleep, "cache": cache}
        self._stream: ResumingStream | None = None
        self._events = self._run()

    def __iter__(self) -> Iterator[Any]:
        return self._events

    def _run(self) -> Iterator[Any]:
        t = self._turns
        while True:
            t.turns += 1
            stream = self._stream = ResumingStream(self._client, t.request, **self._options)  # type: ignore[arg-type]
            stop = None
            for event in stream:
                if _kind(event) == "message_stop":
                    stop = event  # held back until it is clear no turn follows
                    continue
                yield event
            if stop is None:
                return  # ended early: the view tells it
            step = t.after(stream.current_message_snapshot)
            if step.assistant is None:
                yield from step.closing
                yield stop
                return
            results, ends = [], ""
            for i, call in enumerate(step.calls, 1):
                yield from _running(call, i, len(step.calls))
                outcome = t.toolbox.run(call)
                yield _tool_event(call["id"], "", outcome)
                results.append(outcome.result_block(call["id"]))
                ends = ends or outcome.ends
            if ends:  # a tool ended the loop: its note, and the turn as it stands
                yield from ({"type": NOTE, "text": ends}, stop)
                return
            yield t.hand_on(step.assistant, results)

    def get_final_message(self) -> Any:
        for _ in self._events:
            pass
        return self.current_message_snapshot

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()


class AsyncToolLoop(_Loop):
    """The async twin of ``ToolLoop`` (coroutine tools awaited on the caller's loop)."""

    def __init__(
        self,
        client: Any,
        request: dict[str, Any],
        toolbox: Toolbox,
        *,
        max_turns: int = MAX_TURNS,
        max_retries: int = 2,
        max_resumes: int = 3,
        cache: bool = False,
    ) -> None:
        self._client = client
        self._turns = _Turns(request, toolbox, max_turns)
        self._options: dict[str, Any] = {"max_retries": max_retries, "max_resumes": max_resumes, "cache": cache}
        self._stream: AsyncResumingStream | None = None
        self._events = self._run()

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._events

    async def _run(self) -> AsyncIterator[Any]:
        t = self._turns
        while True:
            t.turns += 1
            stream = self._stream = AsyncResumingStream(self._client, t.request, **self._options)
            stop = None
            async for event in stream:
                if _kind(event) == "message_stop":
                    stop = event
                    continue
                yield event
            if stop is None:
                return
            step = t.after(stream.current_message_snapshot)
            if step.assistant is None:
                for event in [*step.closing, stop]:
                    yield event
                return
            results, ends = [], ""
            for i, call in enumerate(step.calls, 1):
                for event in _running(call, i, len(step.calls)):
                    yield event
                outcome = await t.toolbox.arun(call)
                yield _tool_event(call["id"], "", outcome)
                results.append(outcome.result_block(call["id"]))
                ends = ends or outcome.ends
            if ends:
                for event in ({"type": NOTE, "text": ends}, stop):
                    yield event
                return
            yield t.hand_on(step.assistant, results)

    async def get_final_message(self) -> Any:
        async for _ in self._events:
            pass
        return self.current_message_snapshot

    async def close(self) -> None:
        if self._stream is not None:
            await self._stream.close()
