"""The notebook as context: a prompt's ``{name}`` references as the blocks the API reads.

The syntax and its safety stay those of ``_interpolate`` (no calls, no dunders); only
what a value becomes changes. A DataFrame becomes a short description, a figure or
an image an ``image`` block at its place in the prompt, a PDF a ``document`` block,
a text file its contents; anything else ``str()`` as before. The user turn stays a
plain string unless a block needs the list form.

Every value also has a short placeholder (``[image: fig, 640×480 PNG]``), which the
history and anything shown to people use instead of the base64.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.config import DEFAULT_CONTEXT_CHARS, DEFAULT_FILE_CHARS
from . import attachments as _attachments
from . import dataframes as _frames
from .interpolate import pieces


@dataclass(frozen=True)
class Prompt:
    content: str | list[dict[str, Any]]
    """The user turn's content, as sent."""
    echo: str
    """The prompt as people see it: placeholders where blocks and descriptions go."""

    @property
    def message(self) -> dict[str, Any]:
        return {"role": "user", "content": self.content}


def build(
    template: str,
    namespace: Mapping[str, Any],
    *,
    context_chars: int = DEFAULT_CONTEXT_CHARS,
    file_chars: int = DEFAULT_FILE_CHARS,
) -> Prompt:
    """The prompt with each reference made into what the model should see."""
    parts: list[str | dict[str, Any]] = []
    echo: list[str] = []

    def add_text(text: str, shown: str) -> None:
        if parts and isinstance(parts[-1], str):
            parts[-1] += text
        else:
            parts.append(text)
        echo.append(shown)

    def set_off(text: str) -> str:
        """A description of several lines starts on its own line and ends one."""
        before = parts[-1] if parts and isinstance(parts[-1], str) else ""
        return ("" if not before or before.endswith("\n") else "\n") + text + "\n"

    for piece in pieces(template, namespace):
        if isinstance(piece, str):
            add_text(piece, piece)
            continue
        value = piece.value
        if _frames.is_frame(value):
            described = _frames.describe(piece.expr, value, context_chars)
            add_text(set_off(described.text), described.placeholder)
            continue
        made = _attachments.attachment(piece.expr, value, file_chars=file_chars)
        if isinstance(made, _attachments.TextFile):
            add_text(set_off(made.text), made.placeholder)
        elif isinstance(made, _attachments.Attachment):
            parts.append(made.block)
            echo.append(made.placeholder)
        else:
            text = str(value)
            add_text(text, text)
    return Prompt(_content(parts), "".join(echo))


def _content(parts: list[str | dict[str, Any]]) -> str | list[dict[str, Any]]:
    if all(isinstance(p, str) for p in parts):
        return "".join(p for p in parts if isinstance(p, str))
    # The API rejects text blocks of whitespace alone.
    blocks: list[dict[str, Any]] = []
    for part in parts:
        if isinstance(part, dict):
            blocks.append(part)
        elif part.strip():
            blocks.append({"type": "text", "text": part})
    return blocks


def placeholder(block: dict[str, Any]) -> str:
    """What a block sent earlier is shown as when only the request is at hand."""
    kind = str(block.get("type", ""))
    if kind == "text":
        return str(block.get("text", ""))
    source = block.get("source") or {}
    media = source.get("media_type") or source.get("type") or ""
    return f"[{kind}{': ' + media if media else ''}]"
