"""Joining the attempts of one answer: what to ask for after a break, and how the
continuation joins what is already on screen.

Pure (no I/O): the resuming stream (``_resume``) feeds it each attempt's partial
Message and events; it answers with the continuation request (Anthropic's documented
recipe), the events the view should see, and finally one Message holding the whole
answer with usage summed.

The recipe: keep every completed block, drop an unfinished thinking or tool_use
block (they cannot be partially recovered), and continue from the text. Models of
generation 4.5 and earlier take the partial answer as the start of the assistant
turn (prefill, trailing whitespace stripped as the API requires); 4.6 and later,
models this cannot place, and any request with thinking on (prefill is not allowed
with extended thinking) get the partial answer as an assistant turn followed by a
user turn saying it was interrupted and how it ended.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..core.plain import sum_usage

_NAMED_FIRST = re.compile(r"claude-(?:opus|sonnet|haiku)-(\d+)(?:-(\d{1,2}))?(?:\D|$)")  # claude-sonnet-4-5
_VERSION_FIRST = re.compile(r"claude-(\d+)(?:-(\d))?-(?:opus|sonnet|haiku)")  # claude-3-7-sonnet
_QUOTE_CHARS = 400
_OVERLAP_WINDOW = 400
_MIN_OVERLAP = 12
CONTINUE_PROMPT = (
    "Your previous response was interrupted and ended with:\n\n<previous_response>\n{tail}\n</previous_response>\n\n"
    "Continue from exactly where you left off, without repeating anything."
)


def prefill_allowed(model: str) -> bool:
    """True for Claude models of generation 4.5 and earlier (by name)."""
    match = _NAMED_FIRST.search(model) or _VERSION_FIRST.search(model)
    if match is None:
        return False
    return (int(match.group(1)), int(match.group(2) or 0)) <= (4, 5)


@dataclass
class Resume:
    """What to do after a break: the next request and what the view should drop."""

    request: dict[str, Any]
    discard: list[int]
    """Attempt-local indices of unfinished blocks to drop from the view."""
    reason: str


@dataclass
class Splice:
    """The state of one answer across its attempts."""

    request: dict[str, Any]
    kept: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)
    resumes: list[str] = field(default_factory=list)
    offset: int = 0
    """Added to this attempt's block indices so they follow the earlier attempts' blocks."""
    pending_ws: str = ""
    """Whitespace stripped from the end of the kept text, put back if the continuation needs it."""
    _join: _Join | None = None

    # -- breaking -----------------------------------------------------------------------
    def on_break(self, partial: dict[str, Any] | None, finished: set[int], reason: str) -> Resume | None:
        """The attempt broke with ``partial`` (its Message so far, as plain data) and the
        blocks in ``finished`` closed; None when it cannot be resumed."""
        content = list((partial or {}).get("content") or [])
        discard, keep = [], []
        for index, block in enumerate(content):
            done = index in finished
            if block.get("type") == "text" or (done and block.get("type") not in ("tool_use", "server_tool_use")):
                keep.append(block)
            elif done:
                return None  # a finished tool call: resuming would ask for it again
            else:
                discard.append(index)
        self._absorb(keep, partial)
        self.offset += len(content)
        self.resumes.append(reason)
        return Resume(self._continuation(), discard, reason)

    def _absorb(self, blocks: list[dict[str, Any]], partial: dict[str, Any] | None) -> None:
        """Add an attempt's kept blocks (continuation text joined as shown) and its usage."""
        blocks = [dict(b) for b in blocks]
        if blocks and blocks[0].get("type") == "text" and self._join is not None:
            blocks[0]["text"] = self._join.applied(str(blocks[0].get("text", "")))
            if self.kept and self.kept[-1].get("type") == "text":
                last = self.kept.pop()
                blocks[0] = {**last, "text": str(last.get("text", "")) + blocks[0]["text"]}
        self.kept.extend(blocks)
        self.usage = sum_usage(self.usage, dict((partial or {}).get("usage") or {}))
        self._join = None
        if self.kept and self.kept[-1].get("type") == "text":
            text = str(self.kept[-1].get("text", ""))
            stripped = text.rstrip()
            self.pending_ws = text[len(stripped) :] or self.pending_ws
            self.kept[-1] = {**self.kept[-1], "text": stripped}
            if not stripped:
                self.kept.pop()

    def _continuation(self) -> dict[str, Any]:
        messages = list(self.request["messages"])
        if not self.kept:
            return dict(self.request)  # nothing to continue from: ask again
        messages.append({"role": "assistant", "content": [dict(b) for b in self.kept]})
        thinking = (self.request.get("thinking") or {}).get("type") in ("enabled", "adaptive")
        if thinking or not prefill_allowed(str(self.request.get("model", ""))):
            texts = [str(b.get("text", "")) for b in self.kept if b.get("type") == "text"]
            tail = "".join(texts)[-_QUOTE_CHARS:]
            messages.append({"role": "user", "content": CONTINUE_PROMPT.format(tail=tail)})
        return {**self.request, "messages": messages}

    # -- joining --------------------------------------------------------------------------
    def start_attempt(self) -> None:
        """A continuation begins: its first text joins the kept text without a seam."""
        if self.kept and self.kept[-1].get("type") == "text":
            self._join = _Join(str(self.kept[-1].get("text", "")), self.pending_ws)

    def text_delta(self, text: str, first_text_block: bool) -> str | None:
        """What of a continuation's text delta to show now (None: still deciding)."""
        if self._join is None or not first_text_block or self._join.decided:
            return text
        return self._join.feed(text)

    def flush_join(self) -> str:
        """The held-back text when the first text block ends before the overlap is clear."""
        return self._join.decide() if self._join is not None and not self._join.decided else ""

    # -- the answer -------------------------------------------------------------------------
    def final(self, last: dict[str, Any]) -> dict[str, Any]:
        """The whole answer as one Message: kept blocks, then the last attempt's."""
        if not self.resumes:
            return last
        blocks = [dict(b) for b in last.get("content") or []]
        if blocks and blocks[0].get("type") == "text" and self._join is not None:
            blocks[0]["text"] = self._join.applied(str(blocks[0].get("text", "")))
        content = [dict(b) for b in self.kept]
        if content and blocks and content[-1].get("type") == "text" and blocks[0].get("type") == "text":
            content[-1] = {**content[-1], "text": str(content[-1].get("text", "")) + blocks.pop(0)["text"]}
        return {**last, "content": content + blocks, "usage": sum_usage(self.usage, dict(last.get("usage") or {}))}


class _Join:
    """Decides how a continuation's text joins the kept text: a repeated stretch is
    skipped (the model, or a retried stream, may restate how the text ended), and
    whitespace stripped from the kept text is put back when the continuation needs it."""

    def __init__(self, kept: str, stripped_ws: str) -> None:
        self._kept = kept
        self._ws = stripped_ws
        self._buffer = ""
        self.decided = False
        self._skip = 0
        self._prefix = ""

    def feed(self, text: str) -> str | None:
        self._buffer += text
        if len(self._buffer.lstrip()) <= min(len(self._kept), _OVERLAP_WINDOW):
            return None
        return self.decide()

    def decide(self) -> str:
        body = self._buffer.lstrip()
        lead = len(self._buffer) - len(body)
        overlap = 0
        for k in range(min(len(body), len(self._kept), _OVERLAP_WINDOW), 0, -1):
            if self._kept.endswith(body[:k]) and self._restated(k):
                overlap = k
                break
        if overlap:
            self._skip = lead + overlap
        else:
            self._prefix = "" if lead else self._ws
        self.decided = True
        return self.applied(self._buffer)

    def _restated(self, k: int) -> bool:
        """A stretch of k characters both texts share counts as restated when it is long,
        or when it starts a word of the kept text (the model repeated the last words)."""
        at_word_start = k == len(self._kept) or not self._kept[-k - 1].isalnum()
        return k >= _MIN_OVERLAP or (k >= 2 and at_word_start)

    def applied(self, text: str) -> str:
        """``text`` (the continuation's first text, from its start) as joined."""
        return self._prefix + text[self._skip :]
