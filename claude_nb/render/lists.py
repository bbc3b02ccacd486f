"""Re-rendering only the last item of a live list, when that is all that can change.

A tight list streams item by item, and every frame of it used to parse the whole
list again. The items before the last depend on nothing that follows, except a blank
line (which makes the whole list loose) or a line that ends the list or starts
another one. So while none of those arrives, the earlier items are kept rendered and
only the source from the last item on is parsed, as a list of its own, whose items
are spliced in between the kept ones and the closing tag. Property tests check
every such frame against a full parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markdown_it.token import Token

from .markdown import MarkdownRenderer

_LISTS = frozenset({"bullet_list_open", "ordered_list_open"})
_BLANK_LINE = re.compile(r"(?:^|\n)[ \t]*\n")


@dataclass(frozen=True)
class ListTail:
    """A live tight list split before its last item."""

    head_src: str
    """The source of the kept items (ends with a newline)."""
    open_html: str
    items_html: str
    """Unsanitized HTML of the kept items."""
    close_html: str
    kind: str
    markup: str
    attrs: tuple[tuple[str, Any], ...]
    """The list's attributes but ``start`` (a task item anywhere adds a class)."""

    def render(
        self, renderer: MarkdownRenderer, live: str, shown: str, env: dict[str, Any]
    ) -> tuple[str, ListTail] | None:
        """Unsanitized HTML of ``shown`` (``live``, the live block's source, as displayed:
        healed), and the split for the next frame; None when more than the last items
        may have changed."""
        if not (live.startswith(self.head_src) and shown.startswith(self.head_src)):
            return None
        # The source as it stands must still be this one list (else the blocks after it
        # would be frozen first, and only they healed); what is displayed, too.
        raw_rest = live[len(self.head_src) :]
        if not raw_rest or _BLANK_LINE.search(raw_rest):
            return None
        tokens = renderer.parse(raw_rest, env)
        items = self._continued_items(tokens)
        if items is None:
            return None
        rest = shown[len(self.head_src) :]
        if rest != raw_rest:
            if not rest:
                return self.open_html + self.items_html + self.close_html, self
            tokens = renderer.parse(rest, env)
            items = self._continued_items(tokens)
            if items is None:
                return None
        inner = renderer.render_unsanitized(tokens[1:-1], env)
        html = self.open_html + self.items_html + inner + self.close_html
        if len(items) == 1:
            return html, self
        # Items completed in this frame join the kept ones.
        last = items[-1]
        cut = line_offset(rest, tokens[last].map[0])  # type: ignore[index]
        kept = renderer.render_unsanitized(tokens[1:last], env)
        return html, ListTail(
            self.head_src + rest[:cut],
            self.open_html,
            self.items_html + kept,
            self.close_html,
            self.kind,
            self.markup,
            self.attrs,
        )

    def _continued_items(self, tokens: list[Token]) -> list[int] | None:
        """The top-level items when ``tokens`` are one tight list that continues this one."""
        items = _tight_list_items(tokens)
        if items is None:
            return None
        first = tokens[0]
        same = (first.type, first.markup, _attrs(first)) == (self.kind, self.markup, self.attrs)
        return items if same else None


def split_list(
    renderer: MarkdownRenderer, shown: str, tokens: list[Token], env: dict[str, Any], line_base: int = 0
) -> ListTail | None:
    """The split of a live block that is one tight list of two or more items, parsed
    from ``shown`` into ``tokens`` (whose line numbers count from ``line_base`` when
    they are the tail of a longer parse); None for anything else."""
    items = _tight_list_items(tokens)
    if items is None or len(items) < 2:
        return None
    last = items[-1]
    cut = line_offset(shown, tokens[last].map[0] - line_base)  # type: ignore[index]
    if _BLANK_LINE.search(shown, 0, cut):
        return None  # loose, though no item may hold a paragraph to show it yet
    first = tokens[0]
    return ListTail(
        head_src=shown[:cut],
        open_html=renderer.render_unsanitized(tokens[:1], env),
        items_html=renderer.render_unsanitized(tokens[1:last], env),
        close_html=renderer.render_unsanitized(tokens[-1:], env),
        kind=first.type,
        markup=first.markup,
        attrs=_attrs(first),
    )


def _attrs(token: Token) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, v) for k, v in token.attrs.items() if k != "start"))


def _tight_list_items(tokens: list[Token]) -> list[int] | None:
    """Indices of the top-level items when ``tokens`` are exactly one tight list."""
    if len(tokens) < 2 or tokens[0].type not in _LISTS or not tokens[0].map or tokens[-1].nesting != -1:
        return None
    items: list[int] = []
    for i, token in enumerate(tokens):
        if token.level == 0 and 0 < i < len(tokens) - 1:
            return None  # a second top-level block
        if token.type == "list_item_open" and token.level == 1:
            if not token.map:
                return None
            items.append(i)
        elif token.type == "paragraph_open" and not token.hidden:
            return None  # loose, here or in a nested list
    return items or None


def line_offset(src: str, line: int) -> int:
    """Where line number ``line`` (from 0) of ``src`` starts."""
    offset = 0
    for _ in range(line):
        offset = src.index("\n", offset) + 1
    return offset
