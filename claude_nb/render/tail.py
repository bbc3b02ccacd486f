"""Re-rendering only the last line of the live block, when that is all that changed.

Most frames add words to the last line of a paragraph or list item. A line whose
content starts with a letter (after its list or quote markers) is paragraph text
whatever follows on it: only a marker, digit, space, ``#``, ``>``, ``[``, fence, rule
or table character can start another kind of line. So while no newline arrives,
the block's structure is fixed and only the inline content of its last paragraph
needs parsing again; the HTML before and after that paragraph's text is kept from
the last full render. Property tests check the result against one-shot renders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markdown_it.token import Token

from .markdown import MarkdownRenderer

_CONTENT_START = re.compile(r"(?: {0,3}(?:[-+*]|\d{1,9}[.)]) +| {0,3}> ?)*(?=[A-Za-z])")
_OPENERS = frozenset({"paragraph_open", "bullet_list_open", "ordered_list_open", "blockquote_open"})
_CLOSERS = frozenset(
    {"paragraph_close", "list_item_close", "bullet_list_close", "ordered_list_close", "blockquote_close"}
)
_MARK = "cnb7tail7mark"


@dataclass(frozen=True)
class InlineTail:
    """The live block's last render, split around its last paragraph's text."""

    head_src: str
    """The rendered source up to where the last line's content starts."""
    content_prefix: str
    """That paragraph's inline content before the last line (lines end with ``\\n``)."""
    head: str
    tail: str
    env: dict[str, Any]

    def render(self, renderer: MarkdownRenderer, src: str) -> str | None:
        """Unsanitized HTML of ``src``, or None when more than the last line's content changed."""
        if not src.startswith(self.head_src):
            return None
        line = src[len(self.head_src) :]
        if not _plain_content(line):
            return None
        inline = renderer.render_inline_unsanitized(self.content_prefix + line.rstrip(), self.env)
        return self.head + inline + self.tail


def _plain_content(line: str) -> bool:
    return bool(line) and line[0].isascii() and line[0].isalpha() and not any(c in line for c in "\n\r\x00")


def render_split(
    renderer: MarkdownRenderer,
    src: str,
    tokens: list[Token],
    env: dict[str, Any],
    *,
    highlight: bool,
    line_base: int = 0,
) -> tuple[str, InlineTail | None]:
    """Unsanitized HTML of ``tokens`` (parsed from ``src``; their line numbers count
    from ``line_base`` when they are the tail of a longer parse), and the split that
    lets the next frames re-render only the last line when the block's shape allows it."""
    split = _split(renderer, src, tokens, env, highlight, line_base)
    if split is None:
        return renderer.render_unsanitized(tokens, env, highlight=highlight), None
    inline_html = renderer.render_unsanitized([tokens[split[0]]], env)
    return split[1].head + inline_html + split[1].tail, split[1]


def _split(
    renderer: MarkdownRenderer, src: str, tokens: list[Token], env: dict[str, Any], highlight: bool, line_base: int
) -> tuple[int, InlineTail] | None:
    if not tokens or tokens[0].type not in _OPENERS:
        return None
    i = len(tokens) - 1
    while i >= 0 and tokens[i].type in _CLOSERS:
        i -= 1
    if i < 0:
        return None
    inline = tokens[i]
    if inline.type != "inline" or not inline.map or inline.map[1] - line_base != src.count("\n") + 1:
        return None
    line_start = src.rfind("\n") + 1
    start = _CONTENT_START.match(src, line_start)
    if start is None or not _plain_content(src[start.end() :]):
        return None
    content = inline.content
    prefix = content[: content.rfind("\n") + 1]
    # The model of how the inline content maps to source lines must hold for this
    # render. A task-list item's text is rewritten by its plugin (a checkbox, the only
    # inline HTML when raw HTML is off, replaces "[ ]"): never take those.
    if content != prefix + src[start.end() :].rstrip() or content.startswith("["):
        return None
    if any(child.type == "html_inline" for child in inline.children or ()):
        return None
    marked = Token("inline", "", 0, children=[Token("text", "", 0, content=_MARK)])
    raw = renderer.render_unsanitized([*tokens[:i], marked, *tokens[i + 1 :]], env, highlight=highlight)
    if raw.count(_MARK) != 1:
        return None
    head, tail = raw.split(_MARK)
    return i, InlineTail(src[: start.end()], prefix, head, tail, env)
