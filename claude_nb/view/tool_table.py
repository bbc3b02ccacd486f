"""The tool table: one row per call, from the moment its block starts.

A row shows the call *pending* with its input growing as it streams (a partial JSON
parse, the same jiter mode the SDK uses for its snapshots; display only — nothing
acts on partial input), the parsed input once the block closes, then *running* and
the result or error with its duration. Server tools' results are summarised by
kind: search hits as title and host links, fetched pages as title and URL, code
execution as stdout / stderr / return code; unknown kinds show as JSON. Everything
here is escaped; the caller sanitizes it too.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

from ..reduce.reducer import Block, StreamState
from ..render.safety import host_of, link_allowed

PREVIEW_CHARS = 300
"""A result's first characters shown in its row."""
DETAIL_CHARS = 5_000
"""The most of a result the row's unfolded details show (the model gets more)."""

_TOOL_BLOCKS = ("tool_use", "server_tool_use", "mcp_tool_use")


def _pretty(value: Any) -> str:
    return html.escape(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def _partial_input(block: Block) -> str:
    raw = "".join(block.json_pieces)
    if not raw.strip():
        return "…"
    try:
        from jiter import from_json

        return _pretty(from_json(raw.encode(), partial_mode="trailing-strings")) + " …"
    except Exception:  # jiter missing, or not yet parseable
        return html.escape(raw) + " …"


def _link(url: str, title: str) -> str:
    label = html.escape(title or url)
    if not link_allowed(url):
        return label
    return (
        f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer nofollow">{label}</a>'
        f" <small>{html.escape(host_of(url))}</small>"
    )


def _folded(text: str, *, error: bool = False) -> str:
    cls = ' class="cnb-tool-error"' if error else ""
    if len(text) <= PREVIEW_CHARS:
        return f"<pre{cls}>{html.escape(text)}</pre>"
    shown = text[:DETAIL_CHARS]
    more = f"\n[… {len(text) - DETAIL_CHARS:,} more characters]" if len(text) > DETAIL_CHARS else ""
    return (
        f"<pre{cls}>{html.escape(text[:PREVIEW_CHARS])} …</pre>"
        f"<details><summary>all {len(text):,} characters</summary><pre>{html.escape(shown + more)}</pre></details>"
    )


def _code_output(result: dict[str, Any]) -> str:
    parts = []
    for name in ("stdout", "stderr"):
        if result.get(name):
            parts.append(f"<div><small>{name}</small>{_folded(str(result[name]), error=name == 'stderr')}</div>")
    if "return_code" in result:
        parts.append(f"<div><small>return code {html.escape(str(result['return_code']))}</small></div>")
    return "".join(parts) or f"<details><summary>result</summary><pre>{_pretty(result)}</pre></details>"


def server_result_html(kind: str, content: Any) -> str:
    """A server tool's result block, readably (``kind``: the block type)."""
    if isinstance(content, dict) and str(content.get("type", "")).endswith("_error"):
        code = content.get("error_code") or content.get("type")
        return f'<p class="cnb-tool-error">error: {html.escape(str(code))}</p>'
    if isinstance(content, list) and kind == "web_search_tool_result":
        hits = [
            f"<li>{_link(str(hit.get('url', '')), str(hit.get('title') or ''))}</li>"
            for hit in content[:10]
            if isinstance(hit, dict) and hit.get("url")
        ]
        more = f"<li>… {len(content) - 10} more</li>" if len(content) > 10 else ""
        return f"<ul>{''.join(hits)}{more}</ul>" if hits else "<p>no results</p>"
    if isinstance(content, dict) and kind == "web_fetch_tool_result":
        document = content.get("content") if isinstance(content.get("content"), dict) else {}
        url = str(content.get("url", ""))
        return f"<p>{_link(url, str((document or {}).get('title') or url))}</p>"
    if isinstance(content, dict) and kind.endswith("code_execution_tool_result"):
        return _code_output(content)
    return f"<details><summary>{html.escape(kind)}</summary><pre>{_pretty(content)}</pre></details>"


def _status_of(block: Block, result: Block | None) -> tuple[str, str, str]:
    """(status, its label, html of the result cell)."""
    if not block.closed:
        return "pending", "pending", ""
    if result is not None:
        return "done", "done", server_result_html(result.type, result.data.get("content"))
    status = block.tool_status
    if status == "running":
        return "running", "running…", ""
    if status in ("done", "error", "skipped") and block.tool_result is not None:
        took = f" · {block.tool_seconds:.2f} s" if block.tool_seconds else ""
        label = {"done": "done", "error": "error", "skipped": "not run"}[status]
        return status, label + took, _folded(block.tool_result, error=status != "done")
    return "called", ("server" if block.type == "server_tool_use" else "called"), ""


HIDDEN_NARRATION = "thinking, hidden by the API (display: omitted)"


def _table_start(state: StreamState) -> int | None:
    """Where the table's sequence begins: the first call, or the thinking right before
    it (what the model said it would do), None when nothing was called."""
    blocks = state.blocks
    first = next((i for i, b in enumerate(blocks) if b.type in _TOOL_BLOCKS), None)
    if first is None:
        return None
    while first > 0 and blocks[first - 1].type == "thinking":
        first -= 1
    return first


def narration_blocks(state: StreamState) -> list[Block]:
    """Thinking that leads into a tool call or came after one: on today's models the
    model's own words between calls arrive there, so the table shows them in order
    with the calls (the pane at the top holds all thinking as well)."""
    start = _table_start(state)
    if start is None:
        return []
    return [b for b in state.blocks[start:] if b.type == "thinking"]


def _narration_row(block: Block, render: Callable[[str], str] | None) -> str:
    words = block.content
    if words.strip():
        body = render(words) if render is not None else f"<p>{html.escape(words)}</p>"
    elif block.closed:
        body = f'<p class="cnb-hidden-thinking"><small>{html.escape(HIDDEN_NARRATION)}</small></p>'
    else:
        body = "<p><small>thinking…</small></p>"
    return f'<tr class="cnb-narration"><td colspan="3">{body}</td></tr>'


def _call_row(block: Block, results: dict[Any, Block]) -> str:
    call_id = str(block.data.get("id", ""))
    status, label, result = _status_of(block, results.get(call_id))
    where = " <small>server</small>" if block.type != "tool_use" else ""
    shown = _pretty(block.input) if block.closed else _partial_input(block)
    return (
        f'<tr data-tool-id="{html.escape(call_id)}" class="cnb-tool-{status}">'
        f"<td><code>{html.escape(str(block.data.get('name', '')))}</code>{where}<br>"
        f"<small>{html.escape(label)}</small></td>"
        f"<td><pre>{shown}</pre></td><td>{result}</td></tr>"
    )


def tools_html(state: StreamState, render: Callable[[str], str] | None = None) -> str:
    """The table: each call, and what the model said between calls, in order.
    ``render``: markdown to sanitized HTML for the words (escaped text without it)."""
    start = _table_start(state)
    if start is None:
        return ""
    results = {b.data.get("tool_use_id"): b for b in state.blocks if b.type.endswith("_tool_result")}
    rows = []
    for block in state.blocks[start:]:
        if block.type in _TOOL_BLOCKS:
            rows.append(_call_row(block, results))
        elif block.type == "thinking":
            rows.append(_narration_row(block, render))
    return (
        '<table class="cnb-tools"><thead><tr><th>tool</th><th>input</th><th>result</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
