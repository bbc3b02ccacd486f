"""The snapshot a stream leaves behind: one HTML/markdown/plain bundle that every
viewer can show without a kernel or widget manager (saved notebooks, GitHub,
nbconvert, untrusted notebooks), with the same markup and look as the live view."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from importlib.resources import files
from typing import Any

from ..reduce.reducer import Block, StreamState, as_plain
from ..reduce.state import TOOL_BLOCKS
from ..render import inert as _fallback
from ..render import pieces as _pieces
from ..render.citations import sources_lines
from ..render.markdown import MarkdownRenderer
from ..render.math import tex_for_typesetters
from . import tool_table as _tool_table

_BACKTICKS = re.compile(r"`+")
# The static bundle's own mime type, for claude_nb's JupyterLab/Notebook 7 extension:
# ``{"key": ...}`` names the live view the bundle replaces, so the page that watched
# the stream keeps that view's DOM (laid out already) instead of parsing and laying
# out the whole answer again in one task. Every other viewer shows ``text/html``.
ANSWER_MIME = "application/vnd.claude-nb.answer+json"
CSS = files("claude_nb").joinpath("_frontend/view.css").read_text(encoding="utf-8")


def snapshot_html(
    state: StreamState, answer_html: str, thinking_html: str, renderer: MarkdownRenderer, now: float, *, key: str = ""
) -> str:
    """``answer_html`` and ``thinking_html`` come from ``renderer``, already sanitized;
    everything else is built here and sanitized here (cleaning a long answer twice
    would cost more than the rest of the snapshot)."""
    sanitizer = renderer.sanitizer
    # Formulas as TeX for the reader's MathJax: a sanitizer (an untrusted notebook's)
    # keeps that and drops MathML (see tex_for_typesetters).
    answer_html, thinking_html = tex_for_typesetters(answer_html), tex_for_typesetters(thinking_html)
    parts = []
    if _pieces.has_thinking(state):
        label = html.escape(_pieces.thinking_label(state, now))
        redacted = sanitizer.clean(_pieces.redacted_html(state))
        parts.append(
            f'<details class="cnb-thinking"><summary>{label}</summary>'
            f'<div class="cnb-thinking-body">{thinking_html}{redacted}</div></details>'
        )
    parts.append(f'<div class="cnb-answer">{answer_html}</div>')
    tools = _tool_table.tools_html(state, renderer.render)
    parts.append(sanitizer.clean(_pieces.extra_html(state) + tools + _pieces.footer_html(state, now)))
    body = "".join(parts)
    # The classes keep MathJax (which Jupyter runs on HTML outputs) from scanning the
    # answer and reading a price as a formula; only the formulas' own spans ask for it.
    root = "cnb jp-RenderedHTMLCommon mathjax_ignore tex2jax_ignore"
    named = f' data-cnb-key="{html.escape(key)}"' if key else ""
    return f'<style>{CSS}</style><div class="{root}" data-status="{state.status}"{named}>{body}</div>'


def provenance(state: StreamState, message: Any) -> dict[str, Any]:
    """Who wrote the answer, saved beside it in the output's metadata under
    ``claude_nb``: a saved notebook says which model wrote what, for which request."""
    usage = getattr(message, "usage", None)
    return {
        "model": getattr(message, "model", None) or state.model,
        "message_id": getattr(message, "id", None) or state.message_id or None,
        "request_id": state.request_id or None,
        "stop_reason": getattr(message, "stop_reason", None) or state.stop_reason,
        "status": state.status,
        "usage": as_plain(usage) if usage is not None else dict(state.usage),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "notes": list(state.notes),
    }


def snapshot_markdown(state: StreamState, now: float, *, allow_remote_images: bool = False) -> str:
    out = []
    if state.thinking:
        thinking = _fallback.markdown(state.thinking, allow_remote_images=allow_remote_images)
        quoted = "\n".join("> " + line for line in thinking.splitlines())
        out.append(f"> **Thinking**\n>\n{quoted}\n")
    elif state.hidden_thinking_count:
        out.append(f"> **Thinking** — {_fallback.text(_pieces.HIDDEN_THINKING)}\n")
    out.append(_fallback.markdown(state.answer_markdown, allow_remote_images=allow_remote_images))
    cited = sources_lines(state.citations)
    if cited:
        out.append("\n**Sources**\n\n" + "\n".join(f"{i}. {_fallback.text(line)}" for i, line in enumerate(cited, 1)))
    for block in _calls_and_narration(state):
        if block.type == "thinking":
            words = block.content.strip()
            said = _fallback.text(words) if words else _fallback.text(_tool_table.HIDDEN_NARRATION)
            out.append(f"\n> *{said}*")
        else:
            call_id, name = str(block.data.get("id", "")), str(block.data.get("name", ""))
            out.append(f"\n*Tool call* {_code_span(name)} ({_fallback.text(call_id)})")
    out.append(f"\n\n---\n*{_fallback.text(_pieces.footer_text(state, now))}*")
    return "\n".join(out)


def _calls_and_narration(state: StreamState) -> list[Block]:
    """Finished tool calls and what the model said between them, in order."""
    narration = {id(b) for b in _tool_table.narration_blocks(state)}
    return [b for b in state.blocks if (b.type in TOOL_BLOCKS and b.closed) or id(b) in narration]


def _code_span(value: str) -> str:
    """``value`` as a code span that no backtick inside it can close early."""
    longest = max((len(m) for m in _BACKTICKS.findall(value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def snapshot_text(state: StreamState, now: float) -> str:
    """The answer exactly as written (no frontend renders text/plain as HTML)."""
    out = [state.text, *(f"[source: {line}]" for line in sources_lines(state.citations))]
    for block in _calls_and_narration(state):
        if block.type == "thinking":
            out.append(f"[{block.content.strip() or _tool_table.HIDDEN_NARRATION}]")
        else:
            out.append(f"[tool call {block.data.get('name', '')} {block.data.get('id', '')}]")
    out.append(f"— {_pieces.footer_text(state, now)}")
    return "\n".join(part for part in out if part)
