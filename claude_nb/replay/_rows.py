"""Answers for many short prompts at once (``claude_nb.map``): each answer is made
from its own prompt, so a test can see that every row got its own, and a demo of
classifying rows reads sensibly.

A JSON schema in ``output_config.format`` gets JSON of that shape; a prompt that
names labels ("positive, negative or neutral") gets one of them, picked by the
words of the row; any other prompt is answered "Answer to: <the prompt>".
Tags for faults: ``replay:reject`` (400 every time), ``replay:overloaded-once``
(529 the first time the prompt is seen), in batches ``replay:error-once`` and
``replay:expire-once``.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from typing import Any

from ._script import HttpError, Script, message_script

_POSITIVE = ("love", "great", "excellent", "good", "fast", "happy", "perfect", "recommend", "works", "best")
_NEGATIVE = ("broke", "bad", "slow", "terrible", "refund", "never", "worst", "late", "missing", "disappoint")


def last_text(request: dict[str, Any]) -> str:
    messages = request.get("messages") or []
    content = messages[-1].get("content") if messages and isinstance(messages[-1], dict) else ""
    if isinstance(content, str):
        return content
    return " ".join(p.get("text", "") for p in content or [] if isinstance(p, dict) and p.get("type") == "text")


def sentiment(text: str) -> str:
    """What a keyword count says of a review: the demo's stand-in for a classifier."""
    words = re.findall(r"[a-z']+", text.lower())
    score = sum(any(w.startswith(p) for p in _POSITIVE) for w in words)
    score -= sum(any(w.startswith(n) for n in _NEGATIVE) for w in words)
    return "positive" if score > 0 else "negative" if score < 0 else "neutral"


def _value(schema: dict[str, Any], name: str, prompt: str) -> Any:
    prompt = _subject(prompt)  # the row's own words, not the instructions around them
    kind = schema.get("type")
    if "enum" in schema:
        options = list(schema["enum"])
        label = sentiment(prompt)
        return label if label in options else options[int(_digest(prompt + name), 16) % len(options)]
    if kind == "integer":  # a rating: high for a positive row, low for a negative one
        low, high = {"positive": (4, 5), "negative": (1, 2)}.get(sentiment(prompt), (2, 4))
        return low + int(_digest(prompt + name)[:4], 16) % (high - low + 1)
    if kind == "number":
        return round((int(_digest(prompt + name)[:4], 16) % 100) / 100, 2)
    if kind == "boolean":
        return sentiment(prompt) != "negative"
    if kind == "array":
        return [_value(schema.get("items") or {"type": "string"}, name, prompt)]
    if kind == "object":
        return _object(schema, prompt)
    if "label" in name or "sentiment" in name:
        return sentiment(prompt)
    return _subject(prompt)


def _object(schema: dict[str, Any], prompt: str) -> dict[str, Any]:
    props = schema.get("properties") or {}
    return {name: _value(sub if isinstance(sub, dict) else {}, name, prompt) for name, sub in props.items()}


def _subject(prompt: str) -> str:
    """The row's own words: the last line of the prompt, shortened."""
    lines = [line.strip() for line in prompt.strip().splitlines() if line.strip()]
    tail = lines[-1] if lines else prompt
    tail = re.sub(r"\breplay:\S+", "", tail).strip()
    tail = re.sub(r"^[A-Z][\w ]{0,20}:\s+", "", tail)  # "Review: …" → the review
    return tail if len(tail) <= 80 else tail[:79] + "…"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def row_text(request: dict[str, Any]) -> str:
    prompt = last_text(request)
    config = request.get("output_config")
    schema = (config.get("format") or {}).get("schema") if isinstance(config, dict) else None
    if isinstance(schema, dict):
        return json.dumps(_object(schema, prompt))
    lowered = prompt.lower()
    if all(label in lowered for label in ("positive", "negative")):
        return sentiment(_subject(prompt))
    if "few words" in lowered:  # a summary: the row's first words after the instruction
        words = _subject(prompt).rsplit(": ", 1)[-1].replace(",", "").split()
        return " ".join(words[:4]).capitalize()
    return "Answer to: " + _subject(prompt)


class RowAnswers:
    """A chooser for the loopback: every request answered as a row. ``overload_every``:
    one prompt in that many (by its hash) is answered 529 the first time, as an API
    under load fails some requests now and then."""

    def __init__(self, overload_every: int = 0, delay: float = 0.0) -> None:
        self.overload_every = overload_every
        self.delay = delay
        """Seconds each answer is held before it is sent, as the API takes time to answer."""
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def first_time(self, prompt: str) -> bool:
        with self._lock:
            new = prompt not in self._seen
            self._seen.add(prompt)
            return new

    def __call__(self, request: dict[str, Any]) -> Script:
        prompt = last_text(request)
        if "replay:reject" in prompt:
            return Script(error=HttpError(400, "invalid_request_error", "messages.0.content: this row is refused"))
        flaky = "replay:overloaded-once" in prompt or (
            self.overload_every > 0 and int(_digest(prompt)[:8], 16) % self.overload_every == 0
        )
        if flaky and self.first_time(prompt):
            return Script(error=HttpError(529, "overloaded_error", "Overloaded"))
        script = row_answer(request)
        script.silent = self.delay
        return script


def row_answer(request: dict[str, Any]) -> Script:
    """The loopback's answer to one row's request."""
    prompt = last_text(request)
    text = row_text(request)
    return message_script(
        [{"type": "text", "text": text}],
        model=str(request.get("model", "")),
        input_tokens=max(1, len(prompt) // 4),
        output_tokens=max(1, len(text) // 4),
        message_id="msg_row_" + _digest(prompt)[:20],
    )
