"""Demo mode's agent: a session over the notebook's first DataFrame, played with no key.

What a real session looks like, one tool a turn: the variables listed, the frame
inspected, a first run that fails (a column name misspelt), the fix, a cell inserted
for the user, and an answer that says what was found. The turns are written from
what the notebook tools returned, so the demo works on whatever frame is there.
"""

from __future__ import annotations

import re
from typing import Any

AGENT_TOOLS = frozenset({"list_variables", "run_code"})
_FRAME_LINE = re.compile(r"^(\w+): (?:pandas|polars)\.DataFrame", re.MULTILINE)
_NUMERIC = re.compile(r"(\w+) \((?:int|float|Int|Float)\w*\)")


def is_agent(request: dict[str, Any]) -> bool:
    names = {t.get("name") for t in request.get("tools") or [] if isinstance(t, dict)}
    return AGENT_TOOLS <= names


def _results(request: dict[str, Any]) -> list[str]:
    """The text of every tool result since the prompt, in order."""
    texts = []
    for message in request.get("messages") or []:
        content = message.get("content")
        if message.get("role") != "user" or not isinstance(content, list):
            continue
        blocks = [b for b in content if isinstance(b, dict)]
        if blocks and all(b.get("type") == "tool_result" for b in blocks):
            for block in blocks:
                body = block.get("content")
                if isinstance(body, list):
                    body = " ".join(str(p.get("text", "")) for p in body if isinstance(p, dict))
                texts.append(str(body))
        elif blocks or isinstance(content, str):
            texts = []  # a new prompt: its own session
    return texts


def _call(step: int, words: str, name: str, tool_input: dict[str, Any]) -> list[dict[str, Any]]:
    call = {"type": "tool_use", "id": f"toolu_demo_agent_{step:02d}", "name": name, "input": tool_input}
    return [{"type": "text", "text": words}, call]


def turn(request: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """The next turn's blocks and its stop reason."""
    results = _results(request)
    step = len(results)
    if step == 0:
        return _call(1, "Let me see what this notebook holds.", "list_variables", {}), "tool_use"
    frame = _FRAME_LINE.search(results[0])
    if frame is None:
        text = "There is no DataFrame in this notebook yet: load one (say `df = pd.read_csv(...)`) and ask again."
        return [{"type": "text", "text": text}], "end_turn"
    name = frame.group(1)
    if step == 1:
        return _call(2, f"`{name}` is a DataFrame: its columns first.", "inspect", {"name": name}), "tool_use"
    numeric = _NUMERIC.findall(results[1]) or ["value"]
    column = numeric[-1]
    if step == 2:
        code = f"{name}['{column}s'].describe()"
        return _call(
            3, f"Now the spread of `{column}`.", "run_code", {"code": code, "purpose": f"summarise {column}"}
        ), "tool_use"
    if step == 3:
        code = f"summary = {name}['{column}'].describe()\nsummary"
        words = "That failed: the column is `" + column + "`, not `" + column + "s`. Again, with the right name."
        return _call(4, words, "run_code", {"code": code, "purpose": f"summarise {column}, name fixed"}), "tool_use"
    if step == 4:
        code = f"{name}['{column}'].plot(kind='hist', title='{column}')"
        return _call(
            5, "A histogram is worth keeping: I'll put it in a cell for you.", "insert_cell", {"code": code}
        ), "tool_use"
    text = (
        f"Here is what I found in `{name}`:\n\n"
        f"- The first run failed (`KeyError`: I misspelt `{column}`); the second ran, and its summary is in "
        "`summary`.\n"
        "- A cell with a histogram is below this one, for you to run.\n\n"
        "Every run is in the table above with how it was approved; `%claude runs` puts them in a cell."
    )
    return [{"type": "text", "text": text}], "end_turn"
