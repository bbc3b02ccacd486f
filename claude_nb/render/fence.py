"""Re-rendering a growing code fence without parsing it.

While a fenced code block streams, nothing in it is markdown: until its closing
fence arrives, every frame's render is the same ``<pre><code>`` around the escaped
text after the opening line (unhighlighted: it is highlighted once, when it closes).
Parsing and rendering that block again on every frame was the largest share of a
long answer's frames, since code blocks are the longest live blocks there are.

Pure: this finds whether the live block is such a fence and builds its HTML; the
incremental renderer, which owns the parse state, does every parse and render.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from .heal import in_open_fence

# An opening fence at the start of the block, its info string complete. Only column
# zero: an indented fence strips that indent from its lines, which is not modelled.
_OPENER = re.compile(r"(?:`{3,}[^`\n]*|~{3,}[^\n]*)\n")
_MARK = "cnb7fence7mark"


@dataclass(frozen=True)
class OpenFence:
    """The live block is one open fence: its opening line and the HTML around its text."""

    head_src: str
    head: str
    tail: str

    def html(self, live_src: str) -> str | None:
        """The unsanitized HTML of ``live_src`` if it is still this fence, open and
        with only text added; else None (the caller parses it)."""
        if not live_src.startswith(self.head_src) or not in_open_fence(live_src):
            return None
        body = live_src[len(self.head_src) :]
        if any(c in body for c in "\r\t\x00"):
            return None  # markdown-it rewrites these: leave them to it
        last = body.rfind("\n") + 1
        if last and body[last:].isspace():
            body = body[:last]  # a last line of spaces at the end is not content yet
        elif not last and body.isspace():
            return None
        return self.head + escapeHtml(body) + self.tail


def marked(tokens: list[Token], live_src: str) -> list[Token] | None:
    """``tokens`` with the fence's text replaced by a mark, when the live block is one
    open fence at column zero whose opening line is complete; else None."""
    if len(tokens) != 1 or tokens[0].type != "fence" or not _OPENER.match(live_src):
        return None
    if not in_open_fence(live_src):
        return None
    mark = Token("fence", "code", 0, info=tokens[0].info, markup=tokens[0].markup, content=_MARK)
    return [mark]


def open_fence(live_src: str, marked_html: str) -> OpenFence | None:
    """Split the render of ``marked`` around its mark."""
    if marked_html.count(_MARK) != 1:
        return None
    opener = _OPENER.match(live_src)
    if opener is None:
        return None
    head, tail = marked_html.split(_MARK)
    return OpenFence(opener.group(0), head, tail)
