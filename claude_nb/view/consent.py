"""A question the page answers in the tool table's row: the agent's request to run
code, shown under the call it belongs to with Run, Run all for this cell, Edit, Skip
and Stop, and answered while the cell is still running (``core.hearing``).

The view holds one question at a time. Its piece of the frame (``ask``) carries the
call's id and the question's HTML, sanitized here like everything else the model
wrote (the code highlighted, the purpose escaped); the page draws the buttons
itself, so the saved answer never holds one. The answer comes back as a widget
message (``{"type": "consent", ...}``).
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable
from typing import Any

from ..core.hearing import wait_until
from ..render.markdown import MarkdownRenderer

ACTIONS = frozenset({"run", "run_all", "skip", "stop", "answer"})
_local = threading.local()


def code_html(renderer: MarkdownRenderer, code: str, purpose: str) -> str:
    """The code as the answer shows code, under Claude's purpose (escaped)."""
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", code)), default=0))
    highlighted = renderer.render(f"{fence}python\n{code}\n{fence}\n")
    said = f": {html.escape(purpose)}" if purpose else ""
    return f'<div class="cnb-consent"><div><b>Claude asks to run</b>{said}</div>{highlighted}</div>'


class Consent:
    """The view's open question and its answer."""

    def __init__(self, renderer: MarkdownRenderer, changed: Callable[[], None]) -> None:
        self._renderer = renderer
        self._changed = changed
        self.piece: dict[str, Any] | None = None
        """What the frame says of the open question (None: no question)."""
        self._answer: dict[str, Any] | None = None
        self.enabled = False
        """True while a page shows the view live (the view sets it)."""
        self.runs: list[str] = []
        """Code the agent ran in this answer, one cell's source each: a page with
        claude_nb's extension offers to insert them as cells once the answer ends."""

    def pieces(self) -> dict[str, Any]:
        """What a frame says of the agent: the open question, the runs so far."""
        return {"ask": self.piece, "runs": self.runs}

    def ran(self, source: str) -> None:
        self.runs.append(source)
        self._changed()

    def ask_to_run(self, state: Any, code: str, purpose: str) -> dict[str, Any] | None:
        """Ask in the row of the call running now; None where no page shows the view."""
        calls = [b for b in state.blocks if b.tool_status == "running"]
        if not self.enabled or not calls:
            return None
        return self.ask(str(calls[-1].data.get("id", "")), code, purpose)

    def ask_in_row(self, state: Any, question: str, options: list[str]) -> str | None:
        """Claude's question to the user, with a button per option and a text box, in
        the row of the call running now; the answer's text, or None where no page
        shows the view (or the user stopped)."""
        calls = [b for b in state.blocks if b.tool_status == "running"]
        if not self.enabled or not calls:
            return None
        shown = f'<div class="cnb-consent"><b>Claude asks</b>: {html.escape(question)}</div>'
        piece = {"id": str(calls[-1].data.get("id", "")), "html": shown, "options": [str(o)[:80] for o in options[:8]]}
        answer = self._wait(piece, "")
        return str(answer.get("text", "")) if answer["action"] == "answer" else None

    def ask(self, call_id: str, code: str, purpose: str) -> dict[str, Any]:
        """Show the question in the row of ``call_id`` and wait, hearing the page, for
        its answer: ``{"action": run|run_all|skip|stop, "code": str, "reason": str}``.
        An interrupt while waiting is a Stop."""
        shown = self._renderer.sanitizer.clean(code_html(self._renderer, code, purpose))
        # The code also goes as text: the page puts it in the editor as a value, never as HTML.
        return self._wait({"id": call_id, "html": shown, "code": code}, code)

    def _wait(self, piece: dict[str, Any], code: str) -> dict[str, Any]:
        self._answer = None
        self.piece = piece
        self._changed()
        try:
            wait_until(lambda: self._answer is not None)
        except KeyboardInterrupt:
            self._answer = {"action": "stop", "code": code, "reason": ""}
        finally:
            self.piece = None
            self._changed()
        answer = self._answer or {"action": "stop", "code": code, "reason": ""}
        if answer.get("code") is None:
            answer["code"] = code
        return answer

    def answered(self, content: dict[str, Any]) -> None:
        """The page's answer (a widget message); anything else is ignored."""
        action = content.get("action")
        if self.piece is None or action not in ACTIONS:
            return
        code, reason, text = content.get("code"), content.get("reason"), content.get("text")
        self._answer = {
            "action": action,
            "code": code if isinstance(code, str) else None,
            "reason": reason[:500] if isinstance(reason, str) else "",
            "text": text[:2000] if isinstance(text, str) else "",
        }


def consuming() -> Any:
    """The view whose stream runs on this thread now (the one a tool call belongs to)."""
    return getattr(_local, "view", None)


class Consuming:
    """Marks ``view`` as the one consuming on this thread for a ``with`` block."""

    def __init__(self, view: Any) -> None:
        self._view = view
        self._before: Any = None

    def __enter__(self) -> None:
        self._before = consuming()
        _local.view = self._view

    def __exit__(self, *_: object) -> None:
        _local.view = self._before
