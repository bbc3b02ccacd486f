"""Turning consecutive renders of a pane into small patches for the frontend.

Offsets are in UTF-16 code units because the frontend slices JavaScript strings;
code-point offsets would cut emoji and other astral characters in half.
"""

from __future__ import annotations

from typing import Any

from ..render.incremental import Frame


def utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def common_prefix(a: str, b: str) -> int:
    """Length in code points of the longest common prefix (C-speed comparisons)."""
    if b.startswith(a):
        return len(a)
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


class PanePatcher:
    """Remembers what the frontend holds for one pane and emits only the difference."""

    def __init__(self) -> None:
        self.frozen: list[str] = []
        self.live = ""

    def patch(self, frame: Frame) -> dict[str, Any] | None:
        """``{f, m, k, t, n}``: append ``f`` to frozen, or move the first ``m`` units of
        the live HTML into frozen (the frontend already has the block: it streamed it);
        then live = live[:k] + t, whose length must be ``n``."""
        if frame.reset:
            self.frozen = []
            self.live = ""
        if not frame.frozen and frame.live == self.live and not frame.reset:
            return None
        msg: dict[str, Any] = {}
        old_live = self.live
        if frame.frozen and not frame.reset:
            frozen = "".join(frame.frozen)
            if frozen and old_live.startswith(frozen):
                msg["m"] = utf16_len(frozen)
                old_live = old_live[len(frozen) :]
            else:
                msg["f"] = frame.frozen
                old_live = ""
        elif frame.reset:
            msg["f"] = frame.frozen
            old_live = ""
        keep = common_prefix(old_live, frame.live)
        self.frozen.extend(frame.frozen)
        self.live = frame.live
        msg.update(k=utf16_len(frame.live[:keep]), t=frame.live[keep:], n=utf16_len(frame.live))
        return msg

    @property
    def html(self) -> str:
        """Everything the frontend holds for the pane."""
        return "".join(self.frozen) + self.live

    def release(self) -> None:
        """Keep only the pane's HTML, as one string: nothing will be patched again."""
        self.frozen = [self.html] if self.frozen or self.live else []
        self.live = ""

    def snapshot(self) -> dict[str, Any]:
        return {"f": list(self.frozen), "k": 0, "t": self.live, "n": utf16_len(self.live)}
