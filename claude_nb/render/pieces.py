"""The small HTML pieces around the answer (thinking label, tool table, sources,
unknown blocks, footer), built from state alone so the live view and the static
snapshot show exactly the same thing. Every piece is escaped here and sanitized by
the caller."""

from __future__ import annotations

import html
import json
from typing import Any

from ..reduce.reducer import StreamState
from ..reduce.stops import stop_phrase
from .citations import sources_html


def _n(value: Any) -> str:
    return f"{int(value):,}"


def thinking_label(state: StreamState, now: float) -> str:
    """The pane's title: live proof that Claude is thinking, and how much."""
    chars = state.thinking_chars
    redacted = state.redacted_thinking_count
    thinking_open = any(b.type == "thinking" and not b.closed for b in state.blocks)
    parts = []
    if thinking_open and state.status == "streaming":
        parts.append("Thinking…")
    else:
        parts.append("Thinking")
    if chars:
        parts.append(f"{_n(chars)} chars")
    if redacted:
        parts.append(f"{redacted} redacted block{'s' if redacted > 1 else ''}")
    if state.hidden_thinking_count and not chars:
        parts.append("hidden by the API")
    return " · ".join(parts)


def has_thinking(state: StreamState) -> bool:
    return any(b.type in ("thinking", "redacted_thinking") for b in state.blocks)


HIDDEN_THINKING = (
    "The API sent this thinking without its text (display: omitted). "
    "Ask for it with --thinking-display summarized or %config Claude.thinking_display = 'summarized'."
)


def redacted_html(state: StreamState) -> str:
    """Notes on thinking that cannot be shown: redacted by the safety system, or
    hidden by the API's display mode (then the pane says so instead of staying empty)."""
    out = []
    count = state.redacted_thinking_count
    if count:
        out.append(
            '<p class="cnb-redacted">🔒 '
            f"{count} block{'s' if count > 1 else ''} of thinking redacted by the safety system "
            "(kept encrypted and sent back unchanged).</p>"
        )
    if state.hidden_thinking_count:
        out.append(f'<p class="cnb-hidden-thinking">{html.escape(HIDDEN_THINKING)}</p>')
    return "".join(out)


def _pretty(value: Any) -> str:
    return html.escape(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def extra_html(state: StreamState) -> str:
    """Sources cited by the answer, then blocks of types this version does not know."""
    out = [sources_html(state.citations)]
    for block in state.other_blocks:
        out.append(
            f'<details class="cnb-unknown"><summary>{html.escape(block.type)} block</summary>'
            f"<pre>{_pretty(block.data)}</pre></details>"
        )
    return "".join(out)


def _thinking_now(state: StreamState) -> bool:
    return state.status == "streaming" and any(b.type == "thinking" and not b.closed for b in state.blocks)


def _footer_parts(state: StreamState, now: float) -> tuple[list[str], int]:
    """The footer's phrases, and which one is the elapsed time (-1: none); the live
    view keeps that one ticking on the page while the stream is silent."""
    usage = state.total_usage
    streaming = state.status in ("waiting", "streaming")
    # While a thinking block is open the footer says so, as the pane's label does.
    word = "waiting for the API" if state.status == "waiting" else state.status
    parts = [state.model or "claude", "thinking" if _thinking_now(state) else word]
    if streaming:
        # Output tokens arrive only with message_delta at the end; count characters meanwhile.
        parts.append(f"{_n(len(state.text))} chars")
        if state.thinking_chars:
            parts.append(f"{_n(state.thinking_chars)} thinking chars")
        if usage:
            parts.append(f"{_n(usage.get('input_tokens') or 0)} in tokens")
    elif usage:
        tokens = f"{_n(usage.get('input_tokens') or 0)} in / {_n(state.output_tokens)} out tokens"
        cache_read = usage.get("cache_read_input_tokens") or 0
        cache_write = usage.get("cache_creation_input_tokens") or 0
        if cache_read or cache_write:
            tokens += f" (cache read {_n(cache_read)}, write {_n(cache_write)})"
        parts.append(tokens)
    if state.started_at is not None and state.first_token_at is not None:
        parts.append(f"first token {state.first_token_at - state.started_at:.2f} s")
    elapsed = -1
    if state.started_at is not None:
        end = state.ended_at if state.ended_at is not None else now
        elapsed = len(parts)
        parts.append(f"{end - state.started_at:.1f} s")
        if state.ended_at is not None and state.first_token_at is not None:
            span = state.ended_at - state.first_token_at
            if span > 0 and state.output_tokens > 1:
                parts.append(f"{state.output_tokens / span:.0f} tok/s")
    if state.stop_reason:
        parts.append(stop_phrase(state.stop_reason, state.stop_details))
    if state.resumes:
        times = "once" if len(state.resumes) == 1 else f"{len(state.resumes)} times"
        parts.append(f"resumed {times} ({', '.join(dict.fromkeys(state.resumes))})")
    parts.extend(state.notes)
    if state.notice and streaming:
        parts.append(state.notice)
    if state.error:
        parts.append(state.error)
    return parts, elapsed


def footer_text(state: StreamState, now: float) -> str:
    return " · ".join(_footer_parts(state, now)[0])


def elapsed(state: StreamState, now: float) -> float | None:
    """Seconds since the request, while it runs: the page counts on from here."""
    if state.started_at is None or state.ended_at is not None or state.status not in ("waiting", "streaming"):
        return None
    return round(now - state.started_at, 3)


def footer_numbers(state: StreamState) -> dict[str, int]:
    """The footer's counts that move with every delta while the answer streams, by the
    class of the span that shows each (``cnb-n-c``: answer characters, ``cnb-n-t``:
    thinking characters): the live view sends these alone between changes of wording."""
    if state.status not in ("waiting", "streaming"):
        return {}
    numbers = {"c": len(state.text)}
    if state.thinking_chars:
        numbers["t"] = state.thinking_chars
    return numbers


_SUFFIX = {"c": " chars", "t": " thinking chars"}


def footer_html(state: StreamState, now: float) -> str:
    # The status is a class: the sanitizer keeps classes, not data attributes. The
    # moving numbers sit in spans of their own, so the page can update them alone.
    parts, at = _footer_parts(state, now)
    shown = [html.escape(p) for p in parts]
    for key, value in footer_numbers(state).items():
        plain = _n(value) + _SUFFIX[key]
        if plain in parts:
            shown[parts.index(plain)] = f'<span class="cnb-n-{key}">{_n(value)}</span>{_SUFFIX[key]}'
    if at >= 0 and elapsed(state, now) is not None:
        shown[at] = f'<span class="cnb-elapsed">{shown[at]}</span>'
    return f'<div class="cnb-footer cnb-status-{state.status}">{" · ".join(shown)}</div>'
