"""Re-rendering only the last line of the live block, when that is all that changed.

Most frames add words to the last line of a paragraph or list item. A line whose
content starts with a letter (after its list or quote markers) is paragraph text
whatever follows on it: only a marker, digit, space, ``#``, ``>``, ``[``, fence, rule
or table character can start another kind of line. So while no newline arrives,
the block's structure is fixed and only the inline content of its last paragraph
needs parsing again; the HTML before and after that paragraph's text is kept from
the last full render. Property tests check the result against one-shot renders.

Pure: this finds where to split and cuts a render in two; the incremental renderer,
which owns the parse state, does every parse and render.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markdown_it.token import Token

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
    paragraph: bool = False
    """The live block is one paragraph (a blank line ends it for good)."""

    def inline_source(self, src: str) -> str | None:
        """The last paragraph's inline content for ``src``, to render between ``head``
        and ``tail``; None when more than the last line's content changed."""
        if not src.startswith(self.head_src):
            return None
        line = src[len(self.head_src) :]
        if not _plain_content(line):
            return None
        return self.content_prefix + line.rstrip()


def _plain_content(line: str) -> bool:
    return bool(line) and line[0].isascii() and line[0].isalpha() and not any(c in line for c in "\n\r\x00")


@dataclass(frozen=True)
class TailSplit:
    """Where a live block may be split: its last paragraph's inline token, and the
    source and inline content before the last line. Found from tokens alone."""

    index: int
    head_src: str
    content_prefix: str
    paragraph: bool = False

    def marked(self, tokens: list[Token]) -> list[Token]:
        """``tokens`` with that paragraph's text replaced by a mark, to render once and
        cut in two around it (``cut``)."""
        mark = Token("inline", "", 0, children=[Token("text", "", 0, content=_MARK)])
        return [*tokens[: self.index], mark, *tokens[self.index + 1 :]]

    def cut(self, marked_html: str, env: dict[str, Any]) -> InlineTail | None:
        """The render of ``marked`` split around the mark; None if the mark did not
        come through exactly once."""
        if marked_html.count(_MARK) != 1:
            return None
        head, tail = marked_html.split(_MARK)
        return InlineTail(self.head_src, self.content_prefix, head, tail, env, self.paragraph)


def find_split(src: str, tokens: list[Token], line_base: int = 0) -> TailSplit | None:
    """The split that lets the next frames re-render only the last line of ``src``
    (parsed into ``tokens``, whose line numbers count from ``line_base`` when they
    are the tail of a longer parse), when the block's shape allows it."""
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
    paragraph = tokens[0].type == "paragraph_open" and len(tokens) == 3
    return TailSplit(i, src[: start.end()], prefix, paragraph)
