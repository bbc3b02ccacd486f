"""Re-rendering only the last item of a live list, when that is all that can change.

A tight list streams item by item, and every frame of it used to parse the whole
list again. The items before the last depend on nothing that follows, except a blank
line (which makes the whole list loose) or a line that ends the list or starts
another one. So while none of those arrives, the earlier items are kept rendered and
only the source from the last item on is parsed, as a list of its own, whose items
are spliced in between the kept ones and the closing tag. Property tests check
every such frame against a full parse.

Pure: this finds where to split and what may be kept; the incremental renderer,
which owns the parse state, does every parse and render.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from markdown_it.token import Token

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

    def rest_of(self, live: str) -> str | None:
        """The live block's source from the last kept item on (``live``: the block's
        source as it stands), to parse alone; None when the kept items may have
        changed (a blank line makes the whole list loose)."""
        if not live.startswith(self.head_src):
            return None
        rest = live[len(self.head_src) :]
        return None if not rest or _BLANK_LINE.search(rest) else rest

    def continued_items(self, tokens: list[Token]) -> list[int] | None:
        """The top-level items when ``tokens`` are one tight list that continues this one."""
        items = _tight_list_items(tokens)
        if items is None:
            return None
        first = tokens[0]
        same = (first.type, first.markup, _attrs(first)) == (self.kind, self.markup, self.attrs)
        return items if same else None

    def joined(self, inner_html: str) -> str:
        """The whole list with ``inner_html`` (the items from the last kept one on) spliced in."""
        return self.open_html + self.items_html + inner_html + self.close_html

    def keeping(self, source: str, items_html: str) -> ListTail:
        """This split moved on: ``source`` and ``items_html`` join the kept items."""
        return replace(self, head_src=self.head_src + source, items_html=self.items_html + items_html)


@dataclass(frozen=True)
class ListSplit:
    """Where a live block that is one tight list of two or more items may be split:
    before its last item (token ``last``, source offset ``cut``). Found from tokens alone."""

    last: int
    cut: int


def find_split(shown: str, tokens: list[Token], line_base: int = 0) -> ListSplit | None:
    """The split of a live block parsed from ``shown`` into ``tokens`` (whose line
    numbers count from ``line_base`` when they are the tail of a longer parse);
    None for anything but one tight list of two or more items."""
    items = _tight_list_items(tokens)
    if items is None or len(items) < 2:
        return None
    last = items[-1]
    cut = line_offset(shown, tokens[last].map[0] - line_base)  # type: ignore[index]
    if _BLANK_LINE.search(shown, 0, cut):
        return None  # loose, though no item may hold a paragraph to show it yet
    return ListSplit(last, cut)


def list_tail(shown: str, tokens: list[Token], split: ListSplit, parts: tuple[str, str, str]) -> ListTail:
    """The split as kept for the next frames: ``parts`` are the renders of the list's
    opening tag, of its items before the last, and of its closing tag."""
    first = tokens[0]
    return ListTail(shown[: split.cut], *parts, kind=first.type, markup=first.markup, attrs=_attrs(first))


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
