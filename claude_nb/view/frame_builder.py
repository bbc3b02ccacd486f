"""What one frame tells the page: the panes' patches and the pieces that changed.

The view decides *when* a frame goes (the frame clock); this decides *what* it says,
and remembers what the page already holds so that a frame carries only differences.
The footer goes as data: its HTML only when its wording changes (a status, a note,
the final counts), and while the answer streams only the numbers that moved, which
the page writes into the footer it has (``fn``) and whose elapsed time it ticks on
by itself (``el``). Sending the footer's HTML on every frame cost more than the
answer's own patches.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from ..reduce.reducer import StreamState
from ..render import pieces as _pieces
from ..render.incremental import Frame, IncrementalMarkdown
from ..render.markdown import MarkdownRenderer, shared_renderer
from . import tool_table as _tool_table
from .patch import PanePatcher

_NUMBERS = re.compile(r'(<span class="cnb-(?:n-\w+|elapsed)">)[^<]*')


def answer_source(state: StreamState, *, final: bool = False) -> str:
    """The markdown the answer pane renders: the text as written, or, for an answer
    asked to be JSON (a schema), the JSON as a code block, laid out once it is whole."""
    if state.answer_format != "json":
        return state.answer_markdown
    text = state.text
    if final:
        try:
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            pass  # cut short: shown as it came
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return f"{fence}json\n{text}\n{fence}\n"


class FrameBuilder:
    """Frames for one view. Not thread-safe: the view calls it under its lock."""

    def __init__(self, renderer: MarkdownRenderer) -> None:
        self.renderer = renderer
        self._answer = IncrementalMarkdown(renderer)
        self._thinking = IncrementalMarkdown(renderer)
        self.answer = PanePatcher()
        self.thinking = PanePatcher()
        self._sent: dict[str, Any] = {}
        self._blocks_signature: tuple[int, ...] = ()
        self._block_pieces: dict[str, str] = {}
        self._foot_wording = ""
        self._seq = -1
        self._ended = False

    def build(
        self,
        state: StreamState,
        now: float,
        *,
        reset: bool = False,
        final: bool = False,
        key: str = "",
        ask: dict[str, str] | None = None,
        runs: list[str] | None = None,
    ) -> dict[str, Any] | None:
        """The next frame, or None when the page holds everything already. ``reset``:
        the whole state (a page that asked for it); ``final``: the stream has ended,
        and ``key`` names the static answer that will replace the view; ``ask``: the
        question the page answers in a tool's row (``consent``); ``runs``: the code the
        agent ran, which the page may insert as cells."""
        msg: dict[str, Any] = {}
        if self._ended:
            # Only a page's request for the state reaches an ended view: the patchers hold all it shows.
            a_frame = t_frame = None
        elif final:
            a_frame = self._answer.finish(answer_source(state, final=True))
            t_frame = self._thinking.finish(state.thinking)
        else:
            a_frame = self._answer.update(answer_source(state))
            t_frame = self._thinking.update(state.thinking) if state.thinking_chars else Frame()
        for name, patcher, frame in (("a", self.answer, a_frame), ("th", self.thinking, t_frame)):
            patch = patcher.patch(frame) if frame is not None else None
            if reset:
                msg[name] = patcher.snapshot()
            elif patch is not None:
                msg[name] = patch
        self._pieces(state, now, msg, reset, ask, runs)
        if not msg and not reset and not final:
            return None
        self._seq += 1
        msg["seq"] = self._seq
        if reset:
            msg["reset"] = True
        if final or (reset and self._ended):
            msg["key"] = key  # the page hands the view's DOM to the static answer naming it
        return msg

    def _pieces(
        self,
        state: StreamState,
        now: float,
        msg: dict[str, Any],
        reset: bool,
        ask: dict[str, str] | None,
        runs: list[str] | None,
    ) -> None:
        clean = self.renderer.sanitizer.clean
        # Tool table, sources and unknown blocks change only when a block closes or a
        # citation arrives: rebuild (and sanitize) them then, not on every frame.
        # What the model says between tool calls streams into the table, so its length counts too.
        narration = sum(len(p) for b in _tool_table.narration_blocks(state) for p in b.pieces)
        closed = sum(b.closed for b in state.blocks)
        signature = (len(state.blocks), closed, len(state.citations), state.tools_version, narration)
        if signature != self._blocks_signature:
            self._blocks_signature = signature
            self._block_pieces = {
                "tools": clean(_tool_table.tools_html(state, self.renderer.render)),
                "rd": _pieces.redacted_html(state),
                "extra": clean(_pieces.extra_html(state)),
            }
        pieces: dict[str, Any] = {
            "tl": _pieces.thinking_label(state, now) if _pieces.has_thinking(state) else "",
            "tk": any(b.type == "thinking" and not b.closed for b in state.blocks) and state.status == "streaming",
            **self._block_pieces,
            "st": state.status,
            "ask": ask or "",
            "runs": list(runs or []),
        }
        foot, numbers = _pieces.footer_html(state, now), _pieces.footer_numbers(state)
        wording = _NUMBERS.sub(r"\1", foot)
        if reset or wording != self._foot_wording:
            # New wording: the footer's HTML, with the elapsed time the page counts on from.
            self._foot_wording = wording
            pieces["foot"] = clean(foot)
            pieces["el"] = _pieces.elapsed(state, now)
            self._sent["fn"] = numbers
        elif numbers:
            pieces["fn"] = numbers
        for name, value in pieces.items():
            if reset or self._sent.get(name) != value:
                msg[name] = value
                self._sent[name] = value

    def end(self) -> None:
        """The stream has ended: what the view shows lives in the patchers now."""
        self._ended = True
        self._answer = self._thinking = _settled()

    def release(self) -> None:
        self.answer.release()
        self.thinking.release()


@functools.lru_cache(maxsize=1)
def _settled() -> IncrementalMarkdown:
    """The renderer state of every ended view: empty, shared, never updated again."""
    return IncrementalMarkdown(shared_renderer())
