"""A scripted agent: the prompt says which tools to call, one a turn, in order.

``replay:agent`` followed by lines ``call: NAME {json input}``: each model turn calls
the next one (the notebook tools of ``--agent`` or any other), and once all were
called the answer quotes the last result, so a test sees what the tool returned.
"""

from __future__ import annotations

import json
from typing import Any

from ._script import Script, message_script
from ._tool_scenarios import tool_results


def _plan(text: str) -> list[tuple[str, dict[str, Any]]]:
    calls = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("call:"):
            continue
        name, _, raw = line[5:].strip().partition(" ")
        calls.append((name, json.loads(raw) if raw.strip() else {}))
    return calls


def _prompt_and_turns(request: dict[str, Any]) -> tuple[str, int]:
    """The prompt's text and how many assistant turns came after it."""
    messages = request.get("messages") or []
    turns = 0
    for message in reversed(messages):
        content = message.get("content")
        if message.get("role") == "assistant":
            turns += 1
            continue
        if isinstance(content, str):
            return content, turns
        texts = [b.get("text", "") for b in content or [] if isinstance(b, dict) and b.get("type") == "text"]
        if texts and not any(isinstance(b, dict) and b.get("type") == "tool_result" for b in content):
            return "\n".join(texts), turns
    return "", turns


def agent(request: dict[str, Any]) -> Script:
    text, turns = _prompt_and_turns(request)
    plan = _plan(text)
    model = request.get("model", "")
    if turns < len(plan):
        name, tool_input = plan[turns]
        block = {"type": "tool_use", "id": f"toolu_agent_{turns + 1:02d}", "name": name, "input": tool_input}
        words = {"type": "text", "text": f"Step {turns + 1}: calling {name}."}
        return message_script([words, block], model=model, stop_reason="tool_use", message_id=f"msg_agent_{turns}")
    results = tool_results(request)
    last = results[-1] if results else {}
    content = last.get("content")
    if isinstance(content, list):
        content = " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    flag = " (error)" if last.get("is_error") else ""
    answer = f"Done after {len(plan)} call(s). The last result{flag} was:\n\n```text\n{content}\n```\n"
    return message_script([{"type": "text", "text": answer}], model=model, message_id="msg_agent_done")


AGENT_SCENARIOS = {"agent": agent}
