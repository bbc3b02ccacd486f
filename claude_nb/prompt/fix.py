"""The notebook's last error as a question: ``%claude fix``.

What the model needs to explain a failure and fix it, and nothing else: the
exception's type and message; the traceback summarised to the user's own frames
(notebook cells with their line, library frames one line each, the kernel's own
frames left out); and the source of the cell that raised, its failing line marked.
Bounded in size, so a long cell or a deep traceback does not fill the request.
"""

from __future__ import annotations

import linecache
import re
import sys
import traceback
from typing import Any

MAX_CELL_CHARS = 3000
MAX_MESSAGE_CHARS = 600
MAX_FRAMES = 12
_CELL_FILE = re.compile(r"(?:^<ipython-input-\d+-[0-9a-f]+>$)|(?:ipykernel_\d+[/\\]\d+\.py$)")
_INTERNALS = ("/IPython/", "/ipykernel/", "\\IPython\\", "\\ipykernel\\", "/claude_nb/", "\\claude_nb\\")
MARK = "  # <-- the error"
ASK = (
    "This notebook cell raised an error. What is the cause, and how do I fix it? "
    "Give the corrected code in one Python block."
)


def last_error() -> BaseException | None:
    """The exception the last failing cell raised, as IPython keeps it."""
    return getattr(sys, "last_value", None)


def _is_cell(filename: str) -> bool:
    return bool(_CELL_FILE.search(filename))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def report(error: BaseException, *, question: bool = True) -> str:
    """The error as the model should read it (a few KB at most): with ``question``, as
    the question ``%claude fix`` asks; without, as a tool's result states it (the agent)."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not any(p in f.filename for p in _INTERNALS)]
    cells = [f for f in frames if _is_cell(f.filename)]
    lines = [
        f"{type(error).__name__}: {_clip(str(error), MAX_MESSAGE_CHARS)}",
        "",
        "Traceback (most recent call last):" if question else "Raised at (most recent call last):",
    ]
    shown = frames[-MAX_FRAMES:]
    if len(frames) > len(shown):
        lines.append(f"  ({len(frames) - len(shown)} earlier frames left out)")
    for frame in shown:
        if _is_cell(frame.filename):
            lines.append(f"  notebook cell, line {frame.lineno}, in {frame.name}: {(frame.line or '').strip()}")
        else:
            lines.append(f"  {_short_path(frame.filename)}:{frame.lineno} in {frame.name}")
    parts = [ASK, "", "\n".join(lines)] if question else ["\n".join(lines)]
    if cells:
        parts += ["", "The cell that raised:" if question else "The code:", "```python", _cell_source(cells), "```"]
    return "\n".join(parts)


def _short_path(filename: str) -> str:
    """A library's file from its package folder on (no home or environment paths)."""
    for marker in ("site-packages/", "dist-packages/", "lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename.rsplit("/", 1)[-1]


def _cell_source(cells: list[Any]) -> str:
    """The outermost cell frame's source (the cell that was run), every line where one
    of its frames failed marked; cut around the failing line when long."""
    run = cells[0]
    source = linecache.getlines(run.filename)
    if not source:
        return (run.line or "").strip() + MARK
    failing = {f.lineno for f in cells if f.filename == run.filename}
    out = [line.rstrip("\n") + (MARK if i in failing else "") for i, line in enumerate(source, 1)]
    text = "\n".join(out)
    if len(text) <= MAX_CELL_CHARS:
        return text
    at = max(failing) - 1
    start = max(0, at - 30)
    kept = "\n".join(out[start : at + 10])
    return ("# …\n" if start else "") + _clip(kept, MAX_CELL_CHARS) + "\n# …"
