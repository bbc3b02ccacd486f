"""Block-incremental markdown: finished top-level blocks are rendered once and frozen,
only the last (live) block is parsed and rendered again on each update.

Re-rendering a whole answer per update is O(n²) in its length; this keeps each
update proportional to the live block. Frozen + live equals the one-shot render of
the same prefix because a block is frozen only once the *next* block's first line
is complete (an ordered list continued after a blank line, or a setext underline,
would otherwise be split wrongly). Reference definitions that appear after their use
can still change earlier blocks, so ``finish`` does one settle render of the whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import fence, lists, tail
from .fence import OpenFence
from .heal import heal, in_open_fence
from .lists import ListTail, line_offset
from .markdown import MarkdownRenderer
from .tail import InlineTail

_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:", re.MULTILINE)

# The append fast path. Most frames only add words to the last line of a paragraph,
# heading, list item or quote. When the added text is letters, digits, spaces and a
# little punctuation with no markdown meaning, the previous render ended in plain
# text, and the last line's content starts with a letter (so no block marker can be
# completed by the addition), the new HTML is the old HTML with the text inserted
# before its trailing closing tags: no parse needed. A dollar is never safe: it
# may close a formula. Property tests check this
# against the one-shot render at every prefix.
_SAFE_SUFFIX = re.compile(r"(?:[^\W_]|[ ,.:?'!()/\"%+=@-])*(?:[^\W_]|[,.:?'!])\Z")
_SAFE_END = re.compile(r"[^\W_]|[,.:?'!]")
_PLAIN_LINE = re.compile(r"(?: {0,3}(?:[-+*]|\d{1,9}[.)]) +| {0,3}> ?| {0,3}#{1,6} +)*[A-Za-z]")
_TAG_NAME = re.compile(r"[a-z0-9]+")
_FAST_BLOCKS = frozenset({"paragraph_open", "heading_open", "bullet_list_open", "ordered_list_open", "blockquote_open"})


@dataclass
class Frame:
    """What changed since the last update: blocks frozen now, and the whole live HTML."""

    frozen: list[str] = field(default_factory=list)
    live: str = ""
    reset: bool = False
    """True when everything before must be thrown away (the settle render changed it)."""


def _top_level_blocks(tokens: list[Any]) -> list[tuple[int, int, int]]:
    """(first token, end token, first source line) of each top-level block."""
    blocks: list[tuple[int, int, int]] = []
    depth = 0
    start = 0
    for i, token in enumerate(tokens):
        if depth == 0:
            start = i
        depth += token.nesting
        if depth == 0 and token.level == 0:
            line = tokens[start].map[0] if tokens[start].map else 0
            blocks.append((start, i + 1, line))
    return blocks


# Blocks that a later line can still extend across a blank line: a list item's
# continuation or a new item (which also makes the list loose), more indented code.
_EXTENDED_ACROSS_BLANK = frozenset({"bullet_list_open", "ordered_list_open", "code_block"})


def _closed_by_blank(tokens: list[Any], blocks: list[tuple[int, int, int]]) -> bool:
    """Whether the block before the last is final although the last block's first line
    is still being typed: a blank line separates them and nothing of its kind
    continues past a blank line. Without this the previous block would be parsed
    again on every frame until the next one's first line ends (for prose, the whole
    next paragraph)."""
    previous = tokens[blocks[-2][0]]
    if previous.type in _EXTENDED_ACROSS_BLANK or not previous.map:
        return False
    return bool(blocks[-1][2] > previous.map[1])


def _closing_run_start(html: str) -> int:
    """Where the run of closing tags and newlines that ends ``html`` starts."""
    end = len(html)
    while end:
        if html[end - 1] == "\n":
            end -= 1
            continue
        start = html.rfind("</", 0, end) if html[end - 1] == ">" else -1
        if start < 0 or not _TAG_NAME.fullmatch(html, start + 2, end - 1):
            break
        end = start
    return end


class IncrementalMarkdown:
    """Feed it the growing source with ``update``; it returns only what is new.

    The source must only grow (append-only), as a streamed answer does.
    """

    def __init__(self, renderer: MarkdownRenderer, *, heal_tail: bool = True) -> None:
        self._renderer = renderer
        self._heal = heal_tail
        self._frozen_end = 0
        self._frozen_html: list[str] = []
        self._references: dict[str, Any] = {}
        self._live_html = ""
        self._source = ""
        self._append_ok = False
        """The live HTML is an unhealed render of one block that the fast path may extend."""
        self._single_block = False
        self._tail: InlineTail | None = None
        """Set when the next frames may re-render only the last line's content."""
        self._list: ListTail | None = None
        """Set when the next frames may re-render only the last items of a list."""
        self._fence: OpenFence | None = None
        """Set when the live block is an open code fence the next frames may extend."""

    @property
    def frozen_html(self) -> list[str]:
        return list(self._frozen_html)

    @property
    def html(self) -> str:
        """Everything as the view currently shows it."""
        return "".join(self._frozen_html) + self._live_html

    def _try_append(self, source: str) -> Frame | None:
        previous = self._source
        if not (self._append_ok and len(source) > len(previous) and source.startswith(previous)):
            return None
        suffix = source[len(previous) :]
        last_line = previous[previous.rfind("\n") + 1 :]
        # Anchored checks only: an unanchored search would scan the whole answer.
        if not (_SAFE_SUFFIX.match(suffix) and _SAFE_END.fullmatch(previous[-1:]) and _PLAIN_LINE.match(last_line)):
            return None
        if "[" in previous[self._frozen_end :]:
            return None  # a ")" or quote may close a link opened on an earlier line
        cut = _closing_run_start(self._live_html)
        self._live_html = self._live_html[:cut] + suffix + self._live_html[cut:]
        self._source = source
        return Frame(live=self._live_html)

    def update(self, source: str) -> Frame:
        fast = self._try_fence(source) or self._try_append(source) or self._try_tail(source) or self._try_list(source)
        if fast is not None:
            return fast
        frame = Frame(frozen=self._freeze_ended_paragraph(source))
        self._source = source
        live_src = source[self._frozen_end :]
        env: dict[str, Any] = {"references": dict(self._references)}
        renderer = self._renderer
        tokens = renderer.parse(live_src, env)
        blocks = _top_level_blocks(tokens)
        line_base = 0  # the line of the parse that ``live_src`` starts on
        if len(blocks) >= 2:
            # A block is final once the next block's first line is complete. That holds
            # for every block but the last two; for the one before the last only when
            # the last block's first line has ended, or a blank line closed it for good.
            keep = len(blocks) - 1
            if "\n" not in live_src[line_offset(live_src, blocks[-1][2]) :] and not _closed_by_blank(tokens, blocks):
                keep -= 1
            if keep >= 1:
                cut = line_offset(live_src, blocks[keep][2])
                frozen_src = live_src[:cut]
                html = renderer.render_tokens(tokens[: blocks[keep][0]], env)
                frame.frozen.append(html)
                self._frozen_html.append(html)
                if "]:" in frozen_src:
                    ref_env: dict[str, Any] = {"references": self._references}
                    renderer.parse(frozen_src, ref_env)
                self._frozen_end += cut
                tokens = tokens[blocks[keep][0] :]
                live_src = live_src[cut:]
                line_base = blocks[keep][2]
        highlight = True
        # Healing finding nothing to close is also what makes appending plain text safe.
        healed = heal(live_src)
        healed_same = healed == live_src
        shown = live_src
        if self._heal:
            # Display only: an open code fence is re-rendered every frame while it grows,
            # and highlighting it each time costs more than the rest of the frame;
            # it is highlighted once it closes.
            highlight = not in_open_fence(live_src)
            if not healed_same:
                shown = healed
                env = {"references": dict(self._references)}
                tokens = renderer.parse(healed, env)
                line_base = 0
        raw, self._tail = self._render_live(shown, tokens, env, highlight, line_base)
        self._list = self._split_list(shown, tokens, env, line_base) if highlight else None
        self._fence = None if highlight else self._open_fence(shown, tokens, env)
        frame.live = renderer.sanitizer.clean(raw) if tokens else ""
        self._live_html = frame.live
        self._single_block = bool(tokens) and len(_top_level_blocks(tokens)) == 1
        self._append_ok = healed_same and self._single_block and tokens[0].type in _FAST_BLOCKS
        return frame

    def _render_live(
        self, shown: str, tokens: list[Any], env: dict[str, Any], highlight: bool, line_base: int
    ) -> tuple[str, InlineTail | None]:
        """Unsanitized HTML of the live block, and, where its shape allows, the split
        that lets the next frames re-render only its last line (``tail``)."""
        render = self._renderer.render_unsanitized
        found = tail.find_split(shown, tokens, line_base)
        split = found.cut(render(found.marked(tokens), env, highlight=highlight), env) if found else None
        if found is None or split is None:
            return render(tokens, env, highlight=highlight), None
        return split.head + render([tokens[found.index]], env) + split.tail, split

    def _split_list(self, shown: str, tokens: list[Any], env: dict[str, Any], line_base: int) -> ListTail | None:
        """Where a live tight list may be split before its last item (``lists``), with
        the parts kept rendered."""
        found = lists.find_split(shown, tokens, line_base)
        if found is None:
            return None
        render = self._renderer.render_unsanitized
        parts = (render(tokens[:1], env), render(tokens[1 : found.last], env), render(tokens[-1:], env))
        return lists.list_tail(shown, tokens, found, parts)

    def _open_fence(self, shown: str, tokens: list[Any], env: dict[str, Any]) -> OpenFence | None:
        """The HTML around an open fence's text, kept for ``_try_fence``."""
        mark = fence.marked(tokens, shown)
        if mark is None:
            return None
        return fence.open_fence(shown, self._renderer.render_unsanitized(mark, env, highlight=False))

    def _try_fence(self, source: str) -> Frame | None:
        """The live block is an open code fence that only grew: no parse at all."""
        split = self._fence
        if split is None or not source.startswith(self._source):
            return None
        raw = split.html(source[self._frozen_end :])
        if raw is None:
            return None
        self._source = source
        self._live_html = self._renderer.sanitizer.clean(raw)
        return Frame(live=self._live_html)

    def _freeze_ended_paragraph(self, source: str) -> list[str]:
        """A blank line has ended the live paragraph: freeze it from its last line's
        content alone, so that only what follows the blank line is parsed."""
        split = self._tail
        if split is None or not split.paragraph or not source.startswith(self._source):
            return []
        live_src = source[self._frozen_end :]
        if not live_src.startswith(split.head_src):
            return []
        rest = live_src[len(split.head_src) :]
        end = rest.find("\n\n")
        content = split.inline_source(rest[:end]) if end > 0 else None
        if content is None:
            return []
        raw = split.head + self._renderer.render_inline_unsanitized(content, split.env) + split.tail
        html = self._renderer.sanitizer.clean(raw)
        self._frozen_html.append(html)
        self._frozen_end += len(split.head_src) + end + 2
        self._tail = None
        return [html]

    def _try_tail(self, source: str) -> Frame | None:
        """Only the last line's content changed: re-render that paragraph's text alone."""
        split = self._tail
        if split is None or not source.startswith(self._source):
            return None
        live_src = source[self._frozen_end :]
        if not live_src.startswith(split.head_src) or "\n" in live_src[len(split.head_src) :]:
            return None
        shown = heal(live_src) if self._heal else live_src
        inline_src = split.inline_source(shown)
        if inline_src is None:
            return None
        raw = split.head + self._renderer.render_inline_unsanitized(inline_src, split.env) + split.tail
        self._source = source
        self._live_html = self._renderer.sanitizer.clean(raw)
        self._append_ok = shown == live_src and self._single_block
        return Frame(live=self._live_html)

    def _try_list(self, source: str) -> Frame | None:
        """The live block is a tight list that may only have grown at its end: parse
        the source from its last item on alone, and splice its items in."""
        split = self._list
        if split is None or not source.startswith(self._source):
            return None
        live_src = source[self._frozen_end :]
        shown = heal(live_src) if self._heal else live_src
        raw_rest = split.rest_of(live_src)
        if raw_rest is None or not shown.startswith(split.head_src):
            return None
        renderer = self._renderer
        env: dict[str, Any] = {"references": dict(self._references)}
        # The source as it stands must still be this one list (else the blocks after it
        # would be frozen first, and only they healed); what is displayed, too.
        tokens = renderer.parse(raw_rest, env)
        items = split.continued_items(tokens)
        rest = shown[len(split.head_src) :]
        if items is not None and rest != raw_rest:
            tokens = renderer.parse(rest, env) if rest else []
            items = split.continued_items(tokens) if rest else []
        if items is None:
            return None
        html = split.joined(renderer.render_unsanitized(tokens[1:-1], env) if rest else "")
        if len(items) > 1:
            # Items completed in this frame join the kept ones.
            cut = line_offset(rest, tokens[items[-1]].map[0])  # type: ignore[index]
            split = split.keeping(rest[:cut], renderer.render_unsanitized(tokens[1 : items[-1]], env))
        self._source = source
        self._live_html = renderer.sanitizer.clean(html)
        self._list = split
        self._tail = None
        self._append_ok = False
        return Frame(live=self._live_html)

    def finish(self, source: str | None = None) -> Frame:
        """The settle render: the whole document at once, exactly the one-shot output.

        Returns a reset frame only when it differs from what is on screen."""
        if source is not None:
            self._source = source
        live = self._live_html_unhealed()
        if not _REFERENCE_DEFINITION.search(self._source):
            # Without reference definitions frozen + live *is* the one-shot render
            # (the property the tests check), so the settle render can be skipped.
            self._frozen_html.append(live)
            self._live_html = ""
            self._frozen_end = len(self._source)
            self._append_ok = False
            self._tail = None
            self._list = None
            self._fence = None
            return Frame(frozen=[live])
        final = self._renderer.render(self._source)
        frame = Frame(live="", reset=final != "".join(self._frozen_html) + live)
        if frame.reset:
            self._frozen_html = [final]
            frame.frozen = [final]
            self._live_html = ""
        else:
            # The live block's unhealed render becomes frozen as it stands.
            self._frozen_html.append(live)
            frame.frozen = [live]
            self._live_html = ""
        self._frozen_end = len(self._source)
        return frame

    def _live_html_unhealed(self) -> str:
        live_src = self._source[self._frozen_end :]
        if not live_src:
            return ""
        env: dict[str, Any] = {"references": dict(self._references)}
        return self._renderer.render_tokens(self._renderer.parse(live_src, env), env)
