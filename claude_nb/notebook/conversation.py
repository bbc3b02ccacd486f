"""One conversation per kernel: the turns ``%%claude`` cells add, in order.

Assistant turns are kept exactly as the API returned them (thinking blocks and
signatures included), because the API requires thinking to be sent back unmodified.
Turns are stored as plain JSON-able dicts whatever the installed SDK hands over
(its ``Message.to_param()`` returned dicts in some releases and pydantic blocks in
others), so every later check of a block's type sees one shape. A turn remembers the
notebook cell that made it, so running that cell again replaces its turn instead of
appending a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..prompt.context import placeholder
from ..reduce.reducer import as_plain


def assistant_param(message: Any) -> dict[str, Any]:
    """A Message as the plain assistant turn the API takes back: every block kept
    (thinking and signatures byte for byte), ``None`` fields dropped."""
    return {"role": "assistant", "content": [as_plain(block) for block in getattr(message, "content", [])]}


def message_text(message: dict[str, Any]) -> str:
    """The text of a plain message (a string prompt, or its text blocks joined)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    return " ".join(b.get("text", "") for b in content or [] if isinstance(b, dict) and b.get("type") == "text")


@dataclass
class Turn:
    """What one cell added: its prompt, then the model's turns (and, in a tool loop,
    the user turns of tool results between them)."""

    cell_id: str | None
    messages: list[dict[str, Any]]
    echo: str | None = None
    """The prompt as people saw it (placeholders for images and descriptions)."""
    about: dict[str, Any] | None = None
    """Who wrote the answer (model, message and request ids, usage), as saved with it."""

    @property
    def user(self) -> dict[str, Any]:
        return self.messages[0]

    @property
    def assistant(self) -> dict[str, Any]:
        return self.messages[-1]

    @property
    def prompt_text(self) -> str:
        """The prompt for people: the echo, else its text with placeholders for blocks."""
        if self.echo is not None:
            return self.echo
        content = self.user.get("content")
        if isinstance(content, str):
            return content
        return "".join(placeholder(b) for b in content or [] if isinstance(b, dict) and b.get("type") != "tool_result")

    @property
    def answer_text(self) -> str:
        """The text of every assistant turn of the cell."""
        said = [message_text(m) for m in self.messages[1:] if m.get("role") == "assistant"]
        return " ".join(t for t in said if t)


class Conversation:
    def __init__(self) -> None:
        self.turns: list[Turn] = []

    def __len__(self) -> int:
        return len(self.turns)

    def reset(self) -> None:
        self.turns.clear()

    def forget_cells(self, cell_ids: list[str]) -> None:
        """Drop turns of cells the notebook says were deleted."""
        gone = set(cell_ids)
        self.turns = [t for t in self.turns if t.cell_id is None or t.cell_id not in gone]

    def _position(self, cell_id: str | None) -> int:
        if cell_id is not None:
            for i, turn in enumerate(self.turns):
                if turn.cell_id == cell_id:
                    return i
        return len(self.turns)

    def request_messages(self, prompt: str | list[dict[str, Any]], cell_id: str | None) -> list[dict[str, Any]]:
        """History before this cell's turn, then the new user message."""
        history = self.turns[: self._position(cell_id)]
        messages: list[dict[str, Any]] = []
        for turn in history:
            messages.extend(turn.messages)
        messages.append(self.user_message(prompt, history[-1].assistant if history else None))
        return messages

    @staticmethod
    def user_message(prompt: str | list[dict[str, Any]], previous: dict[str, Any] | None) -> dict[str, Any]:
        """A plain prompt; after an answer that asked for tools, the API requires a
        result for each call first, so unanswered calls are marked as not run."""
        pending = [
            block["id"]
            for block in (previous or {}).get("content", [])
            if isinstance(block, dict) and block.get("type") == "tool_use"
        ]
        if not pending:
            return {"role": "user", "content": prompt}
        results: list[dict[str, Any]] = [
            {
                "type": "tool_result",
                "tool_use_id": tool_id,
                "content": "Not run: the notebook user replied with a new message instead.",
                "is_error": True,
            }
            for tool_id in pending
        ]
        rest = [{"type": "text", "text": prompt}] if isinstance(prompt, str) else prompt
        return {"role": "user", "content": [*results, *rest]}

    def record(
        self, cell_id: str | None, user: Any, *answer: Any, echo: str | None = None, about: dict[str, Any] | None = None
    ) -> None:
        """A cell's prompt and the messages of its answer (one assistant turn, or a
        tool loop's turns); a paused turn and its continuation become one assistant turn."""
        position = self._position(cell_id)
        messages = [as_plain(user)]
        for message in (as_plain(m) for m in answer):
            last = messages[-1]
            if message.get("role") == "assistant" == last.get("role"):
                messages[-1] = {**last, "content": [*_blocks(last), *_blocks(message)]}
            else:
                messages.append(message)
        turn = Turn(cell_id, messages, echo, about)
        if position < len(self.turns):
            self.turns[position] = turn
        else:
            self.turns.append(turn)


def _blocks(message: dict[str, Any]) -> list[Any]:
    content = message.get("content")
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content or [])
