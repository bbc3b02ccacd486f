"""Why a turn ended, in words: every stop reason the API sends is explained where
the user reads the answer (the footer), so no answer ends without a reason.

``max_tokens`` and ``model_context_window_exceeded`` are *cuts*: the turn ended
because it ran out of room, so a tool call in it may be half-formed and is never
run. A ``refusal`` carries the API's own ``stop_details`` (a category and an
explanation, either possibly missing), shown as given.
"""

from __future__ import annotations

from typing import Any

CUT_STOPS = frozenset({"max_tokens", "model_context_window_exceeded"})
"""Stops that end a turn where it ran out of room, not where the model chose to."""

CONTEXT_WINDOW_ENDED = "the context window ended the turn: start a new conversation (--new) or a shorter one"

_WHY = {
    "max_tokens": "cut at the answer's token limit: ask for more with --max-tokens or Claude.max_tokens",
    "model_context_window_exceeded": CONTEXT_WINDOW_ENDED,
    "compaction": "paused after compacting the conversation: run the next cell to go on",
}


def is_cut(stop: str | None) -> bool:
    """Whether the turn ended for want of room (its last block may be incomplete)."""
    return stop in CUT_STOPS


def cut_reason(stop: str | None) -> str:
    """Why a tool call in a cut turn is not run, in the words of its row."""
    if stop == "model_context_window_exceeded":
        return "the context window ended the turn before its input was complete"
    if stop == "max_tokens":
        return "the answer hit max_tokens before its input was complete"
    return f"the answer stopped ({stop})"


def refusal_words(details: dict[str, Any]) -> str:
    """A refusal's category and explanation as the API gave them."""
    category = details.get("category")
    explanation = str(details.get("explanation") or "").strip()
    words = "refused" + (f" (category: {category})" if category else "")
    return f"{words}: {explanation}" if explanation else words


def stop_phrase(stop: str | None, details: dict[str, Any] | None = None) -> str:
    """The footer's phrase for a stop: its name, and for the ones that need it, why."""
    if not stop:
        return ""
    if stop == "refusal":
        return f"stop: refusal · {refusal_words(details or {})}"
    why = _WHY.get(stop)
    return f"stop: {stop} · {why}" if why else f"stop: {stop}"
