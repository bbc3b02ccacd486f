"""Where the code is in markdown text: code blocks and code spans, found as markdown
renderers find them, so text can be changed outside code and left exactly as
written inside it (the markdown fallback escapes prose; ``{name}`` interpolation
replaces only outside code)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from markdown_it import MarkdownIt

_BLANK = re.compile(r"(\n[ \t]*\n)")


@functools.cache
def _block_parser() -> MarkdownIt:
    return MarkdownIt("commonmark")


def code_spans(text: str) -> list[tuple[int, int]]:
    """CommonMark's code spans in one block of inline text: a run of n backticks (not
    backslash-escaped) up to the next run of exactly n; an unmatched run is literal."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c != "`":
            i += 1
            continue
        j = i
        while j < n and text[j] == "`":
            j += 1
        close = _closing_run(text, j, j - i)
        if close < 0:
            i = j
            continue
        spans.append((i, close))
        i = close
    return spans


def _closing_run(text: str, start: int, run: int) -> int:
    """The end of the next run of exactly ``run`` backticks from ``start``, or -1."""
    k, n = start, len(text)
    while True:
        k = text.find("`", k)
        if k < 0:
            return -1
        m = k
        while m < n and text[m] == "`":
            m += 1
        if m - k == run:
            return m
        k = m


def _inline_segments(text: str) -> Iterator[tuple[str, bool]]:
    # A code span never crosses a blank line (a paragraph break).
    for part in _BLANK.split(text):
        last = 0
        for start, end in [] if _BLANK.fullmatch(part) else code_spans(part):
            yield part[last:start], False
            yield part[start:end], True
            last = end
        yield part[last:], False


def code_segments(text: str) -> Iterator[tuple[str, bool]]:
    """``text`` cut into consecutive pieces, each flagged as code or not; joined they
    give ``text`` back. Code blocks (fenced, indented, inside lists and quotes) come
    from markdown-it's block parse, code spans from CommonMark's rule."""
    lines = text.splitlines(keepends=True)
    literal = [False] * len(lines)
    for token in _block_parser().parse(text):
        if token.type in ("fence", "code_block") and token.map:
            for line in range(token.map[0], min(token.map[1], len(lines))):
                literal[line] = True
    prose: list[str] = []
    for source_line, is_code in zip(lines, literal, strict=True):
        if not is_code:
            prose.append(source_line)
            continue
        if prose:
            yield from _inline_segments("".join(prose))
            prose.clear()
        yield source_line, True
    if prose:
        yield from _inline_segments("".join(prose))


PYTHON = frozenset({"python", "py", "python3", "ipython", "ipython3", "pycon"})


def code_blocks(text: str) -> list[tuple[str, str]]:
    """Every code block of an answer, in order, as (language, code exactly as written):
    fenced blocks with their info string's first word, indented blocks with none. Nested
    ones count too (a fence inside a list item)."""
    blocks = []
    for token in _block_parser().parse(text):
        if token.type == "fence":
            blocks.append((token.info.strip().split(" ")[0].lower() if token.info.strip() else "", token.content))
        elif token.type == "code_block":
            blocks.append(("", token.content))
    return blocks


def pick_block(blocks: list[tuple[str, str]], number: int | None = None) -> int:
    """Which block to take, 0-based: the ``number``-th (1-based), else the last Python
    block, else the last block."""
    if number is not None:
        return number - 1
    python = [i for i, (language, _) in enumerate(blocks) if language in PYTHON]
    return python[-1] if python else len(blocks) - 1
