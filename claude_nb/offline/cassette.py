"""Cassettes: the raw stream of a real answer, written down so it can be played again.

A cassette is a JSONL file (format documented in ``docs/cassettes.md``): a header
line naming the format, its version and a summary of the request, then one line per
SSE event of each HTTP response ("turn": every turn of a tool loop, every resumed
stream), in order, as the SDK parsed it. A stream that broke says how (``break``).
Nothing of the request's headers is kept, and a line holding the API key is refused.

Recording wraps the client the transport uses: its ``messages.create(stream=True)``
returns the SDK's own stream, read through a recorder that notes each event before
handing it on. Nothing of the SDK is patched; everything else is the client itself.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..prompt.context import placeholder

FORMAT = "claude_nb.cassette"
VERSION = 1


class CassetteError(Exception):
    """A cassette that cannot be read or must not be written."""


@dataclass
class Turn:
    """One HTTP response: its events as ``(seconds since the request, type, data)``."""

    events: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)
    broke: str | None = None
    """``"dropped"`` when the connection failed mid-stream (an error *event* is an event)."""


@dataclass
class Cassette:
    request: dict[str, Any]
    """Model, prompt, system, tool names: what the replay compares with its cell."""
    turns: list[Turn] = field(default_factory=list)
    recorded_at: str = ""
    sdk: str = ""

    # -- file format ----------------------------------------------------------------
    def dumps(self, secrets: tuple[str, ...] = ()) -> str:
        header = {
            "format": FORMAT,
            "version": VERSION,
            "recorded_at": self.recorded_at,
            "sdk": self.sdk,
            "request": self.request,
        }
        lines = [json.dumps(header, ensure_ascii=False)]
        for n, turn in enumerate(self.turns):
            for t, name, data in turn.events:
                lines.append(json.dumps({"turn": n, "t": round(t, 3), "event": name, "data": data}, ensure_ascii=False))
            if turn.broke:
                lines.append(json.dumps({"turn": n, "break": turn.broke}))
        text = "\n".join(lines) + "\n"
        for secret in secrets:
            if secret and secret in text:
                raise CassetteError("the recording holds the API key; it was not written")
        return text

    def write(self, path: str | os.PathLike[str]) -> Path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.dumps(_secrets()), encoding="utf-8")
        return target

    @classmethod
    def loads(cls, text: str, source: str = "cassette") -> Cassette:
        lines = [line for line in text.splitlines() if line.strip()]
        try:
            header = json.loads(lines[0]) if lines else {}
        except ValueError as exc:
            raise CassetteError(f"{source}: the first line is not JSON") from exc
        if header.get("format") != FORMAT:
            raise CassetteError(f"{source}: not a claude_nb cassette (its first line names no {FORMAT!r} format)")
        if header.get("version") != VERSION:
            raise CassetteError(f"{source}: cassette version {header.get('version')!r}; this claude_nb reads {VERSION}")
        cassette = cls(
            request=dict(header.get("request") or {}),
            recorded_at=str(header.get("recorded_at", "")),
            sdk=str(header.get("sdk", "")),
        )
        for i, line in enumerate(lines[1:], 2):
            try:
                entry = json.loads(line)
                n = int(entry["turn"])
            except (ValueError, KeyError, TypeError) as exc:
                raise CassetteError(f"{source}: line {i} is not an event line") from exc
            while len(cassette.turns) <= n:
                cassette.turns.append(Turn())
            if "break" in entry:
                cassette.turns[n].broke = str(entry["break"])
            else:
                cassette.turns[n].events.append((float(entry.get("t", 0.0)), str(entry["event"]), dict(entry["data"])))
        return cassette

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Cassette:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CassetteError(f"cannot read the cassette {os.fspath(path)!r}: {exc.strerror or exc}") from exc
        return cls.loads(text, os.fspath(path))

    # -- comparing with a request ---------------------------------------------------
    def differences(self, summary: dict[str, Any]) -> list[str]:
        """What differs between the recorded request and ``summary`` (model, prompt, tools)."""
        out: list[str] = []
        for key in ("model", "prompt", "tools"):
            if key in self.request and self.request.get(key) != summary.get(key):
                out.append(key)
        return out


def _secrets() -> tuple[str, ...]:
    from ..wire import client as _client

    found = [os.environ.get("ANTHROPIC_API_KEY", ""), os.environ.get("ANTHROPIC_AUTH_TOKEN", "")]
    found.append(_client.memory_key() or "")
    return tuple(s for s in found if len(s) >= 8)


def summarize(request: dict[str, Any]) -> dict[str, Any]:
    """The part of a request a replay is checked against: never headers or keys."""
    messages = request.get("messages") or []
    last = messages[-1] if messages else {}
    content = last.get("content") if isinstance(last, dict) else None
    if isinstance(content, list):
        # Images and documents by their kind, never their base64.
        prompt = "".join(
            placeholder(b) for b in content if isinstance(b, dict) and b.get("type") not in ("tool_result", None)
        )
    else:
        prompt = str(content or "")
    tools = []
    for tool in request.get("tools") or []:
        name = tool.get("name") if isinstance(tool, dict) else getattr(tool, "__name__", None)
        if name is None and hasattr(tool, "to_dict"):
            name = tool.to_dict().get("name")
        tools.append(str(name))
    summary: dict[str, Any] = {"model": request.get("model"), "prompt": prompt, "tools": tools}
    if request.get("system"):
        summary["system"] = request["system"] if isinstance(request["system"], str) else "(blocks)"
    if request.get("thinking"):
        summary["thinking"] = request["thinking"]
    return summary


# -- recording --------------------------------------------------------------------------
class Recorder:
    """Collects every turn a client streams; ``client(c)`` is the client to use."""

    def __init__(self, request: dict[str, Any]) -> None:
        from ..wire import client as _client

        self.cassette = Cassette(
            request=summarize(request),
            recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
            sdk=_client.sdk_version(),
        )

    def client(self, client: Any) -> Any:
        return _RecordingClient(client, self)

    def new_turn(self) -> Turn:
        turn = Turn()
        self.cassette.turns.append(turn)
        return turn


class _RecordingClient:
    """The client, except that streamed responses are read through a recorder."""

    def __init__(self, client: Any, recorder: Recorder) -> None:
        self._client = client
        self.messages = _RecordingMessages(client.messages, recorder)
        self.beta = _RecordingBeta(client.beta, recorder)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class _RecordingBeta:
    """The beta surface, its streamed answers read through the recorder too."""

    def __init__(self, beta: Any, recorder: Recorder) -> None:
        self._beta = beta
        self.messages = _RecordingMessages(beta.messages, recorder)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._beta, name)


class _RecordingMessages:
    def __init__(self, messages: Any, recorder: Recorder) -> None:
        self._messages = messages
        self._recorder = recorder
        create = messages.create
        if _is_async(create):

            @functools.wraps(create)
            async def acreate(*args: Any, **kwargs: Any) -> Any:
                started = time.monotonic()
                result = await create(*args, **kwargs)
                return _AsyncRecorded(result, recorder.new_turn(), started) if kwargs.get("stream") else result

            self.create = acreate
        else:

            @functools.wraps(create)
            def screate(*args: Any, **kwargs: Any) -> Any:
                started = time.monotonic()
                result = create(*args, **kwargs)
                return _Recorded(result, recorder.new_turn(), started) if kwargs.get("stream") else result

            self.create = screate

    def __getattr__(self, name: str) -> Any:
        return getattr(self._messages, name)


def _is_async(fn: Any) -> bool:
    import inspect

    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(getattr(fn, "__wrapped__", None))


def _note(turn: Turn, started: float, event: Any) -> None:
    data = event.to_dict() if hasattr(event, "to_dict") else dict(event)
    turn.events.append((time.monotonic() - started, str(data.get("type", "")), data))


def _note_failure(turn: Turn, started: float, exc: BaseException) -> None:
    import anthropic

    body = getattr(exc, "body", None)
    if isinstance(exc, anthropic.APIStatusError) and isinstance(body, dict) and body.get("type") == "error":
        turn.events.append((time.monotonic() - started, "error", body))  # an error event inside the stream
    elif not isinstance(exc, (KeyboardInterrupt, GeneratorExit)):
        turn.broke = "dropped"


class _Recorded:
    def __init__(self, stream: Any, turn: Turn, started: float) -> None:
        self._stream = stream
        self._turn = turn
        self._started = started

    def __iter__(self) -> Iterator[Any]:
        try:
            for event in self._stream:
                _note(self._turn, self._started, event)
                yield event
        except BaseException as exc:
            _note_failure(self._turn, self._started, exc)
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _AsyncRecorded:
    def __init__(self, stream: Any, turn: Turn, started: float) -> None:
        self._stream = stream
        self._turn = turn
        self._started = started

    async def _events(self) -> AsyncIterator[Any]:
        try:
            async for event in self._stream:
                _note(self._turn, self._started, event)
                yield event
        except BaseException as exc:
            _note_failure(self._turn, self._started, exc)
            raise

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._events()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
