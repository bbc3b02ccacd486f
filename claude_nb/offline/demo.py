"""Demo mode: recorded answers chosen by what the prompt asks, so a notebook (and
Binder) shows the whole product with no key.

The answers are cassettes shipped in the package (``cassettes/*.jsonl``, recorded in
the same format as ``%%claude --record``), picked by keywords in the last prompt:
thinking for "think"/"plan", web search with citations for "search"/"web" (when the
cell allows the web search tool), a stream that breaks and resumes for "resume",
and the rich answer (headings, a table, code, math) for anything else. A request
with notebook functions as tools gets a real tool loop: the demo asks for the
notebook's first function (with arguments taken from the prompt where it can), the
notebook runs it, and the demo's next turn reports what it returned. A prompt that
carries notebook objects (a figure, a DataFrame) gets an answer listing what arrived.
"""

from __future__ import annotations

import functools
import re
from importlib.resources import files
from typing import Any

from . import demo_agent as _agent
from . import demo_short as _short
from .cassette import Cassette
from .playback import pace_for, script_of

NOTE = "demo mode: a recorded answer, not Claude (no API key used)"

_KEYWORDS: list[tuple[str, tuple[str, ...]]] = [
    ("fix", ("raised an error",)),  # what %claude fix asks
    ("code", ("write a function", "function that", "write code", "write the code")),
    ("resume", ("resume", "network", "connection", "interrupt")),
    ("web_search", ("search", "web", "news", "latest", "look up")),
    ("thinking", ("think", "plan", "reason", "step by step", "prove")),
]


@functools.cache
def cassette(name: str) -> Cassette:
    path = files("claude_nb").joinpath(f"cassettes/{name}.jsonl")
    return Cassette.loads(path.read_text(encoding="utf-8"), f"demo cassette {name}")


def names() -> list[str]:
    return sorted(p.name[: -len(".jsonl")] for p in files("claude_nb").joinpath("cassettes").iterdir())


def _allows_server_tool(request: dict[str, Any], prefix: str) -> bool:
    return any(str(t.get("type", "")).startswith(prefix) for t in request.get("tools") or [] if isinstance(t, dict))


_RICH = ("compound", "interest", "formula", "math", "markdown", "show me", "explain", "example")
"""What the rich recording answers: compound interest, with a table, code and math."""


def pick(request: dict[str, Any]) -> str | None:
    """The cassette for a fresh prompt, or None when no recording fits it."""
    text = _last_user_text(request).lower()
    for name, words in [*_KEYWORDS, ("rich", _RICH)]:
        if any(re.search(r"\b" + re.escape(w), text) for w in words):
            if name == "web_search" and not _allows_server_tool(request, "web_search"):
                continue
            return name
    return None


def _last_user_text(request: dict[str, Any]) -> str:
    from ..replay._scenarios import _last_user_text as last_text

    return last_text(request)


def _paced(script: Any) -> Any:
    """A script made here streams at the demo's pace, as the recorded ones do."""
    script.pace = pace_for([(0.0, s.name, s.data) for s in script.steps if s.kind == "event"])
    return script


def choose(request: dict[str, Any]) -> Any:
    """The loopback's answer to ``request`` in demo mode (or a replay's next turn),
    marked as recorded: a view fed by any client of the endpoint says so."""
    script = _choose(request)
    recorded, asked = _recorded_model(script), str(request.get("model") or "")
    # The footer shows the model the recording came from; a request for another one is
    # named, so a recording is never passed off as that model's answer.
    differs = recorded and asked and recorded != asked
    script.note = f"{NOTE}\nrecorded with {recorded}; {asked} was asked for and not used" if differs else NOTE
    return script


def _recorded_model(script: Any) -> str:
    for step in script.steps:
        if step.kind == "event" and step.name == "message_start":
            return str((step.data.get("message") or {}).get("model") or "")
    return ""


ROW_DELAY = 0.15
"""Seconds the demo takes to answer one row of a ``map``, so its progress can be seen."""
BATCH_SECONDS = 3.0
"""How long a demo Message Batch runs (a real one takes minutes to hours)."""


def _choose(request: dict[str, Any]) -> Any:
    from ..replay import message_script
    from ..replay._rows import row_answer
    from ..replay._scenarios import _continuation_of
    from ..replay._tool_scenarios import _client_tools, tool_results

    if request.get("stream") is not True:  # a row of claude_nb.map (live or in a batch)
        script = row_answer(request)
        script.silent = ROW_DELAY
        return script
    if _agent.is_agent(request):
        blocks, stop = _agent.turn(request)
        script = message_script(blocks, model=request.get("model", ""), stop_reason=stop, chunk=6)
        return _paced(script)
    if tool_results(request):
        return _tool_answer(request)
    if _continuation_of(request) is not None:
        return script_of(cassette("resume").turns[1])
    if _client_tools(request):
        return _tool_call(request)
    received = _context_received(request)
    if received:
        return _context_answer(request, received)
    asked = _short.asked_length(_last_user_text(request))
    if asked is not None:
        return _paced(_short.answer(request, asked))
    name = pick(request)
    return script_of(cassette(name).turns[0]) if name else _paced(_short.no_recording(request))


_FRAME = re.compile(r"(?:DataFrame|Series) `[^`]+`(?: \(shape \([^)]*\)\))?: [^(\n]+")


def _context_received(request: dict[str, Any]) -> list[str]:
    """What the last prompt carried besides text: images, documents, frame descriptions."""
    messages = request.get("messages") or []
    content = messages[-1].get("content") if messages else None
    blocks: list[Any] = [{"type": "text", "text": content}] if isinstance(content, str) else list(content or [])
    seen = []
    for block in blocks:
        if not isinstance(block, dict):
            continue
        found = block.get("source")
        source: dict[str, Any] = found if isinstance(found, dict) else {}
        if block.get("type") == "image":
            seen.append(f"an image ({source.get('media_type') or source.get('type')}, {_image_size(source)})")
        elif block.get("type") == "document":
            seen.append(f"a document ({source.get('media_type')})")
        elif block.get("type") == "text":
            frames = _FRAME.findall(str(block.get("text", "")))
            seen += [f"a description of {m}" for m in frames]
    return seen


def _image_size(source: dict[str, Any]) -> str:
    from ..request.tokens import image_size

    size = image_size(str(source.get("data", ""))) if source.get("type") == "base64" else None
    return f"{size[0]}×{size[1]} px" if size else "by URL"


def _context_answer(request: dict[str, Any], received: list[str]) -> Any:
    """The demo cannot look at a plot; it says what arrived, which is what this shows."""
    from ..replay import message_script

    text = (
        "This is the demo, so nobody looked at your data — but here is exactly what the request carried "
        "besides your words:\n\n"
        + "\n".join(f"- {item.strip()}" for item in received)
        + "\n\nWith an API key, Claude reads the same blocks: the figure as the picture you see, the "
        "DataFrame as its shape, column types, ranges and a sample of real rows — never the whole frame."
    )
    return _paced(
        message_script([{"type": "text", "text": text}], model=request.get("model", ""), message_id="msg_demo_ctx")
    )


_WORD = re.compile(r"\b[A-Z][a-zà-ÿ]+(?:\s[A-Z][a-zà-ÿ]+)?")


def _tool_call(request: dict[str, Any]) -> Any:
    """One call of the notebook's first function per name the prompt mentions (up to
    three, in parallel as Claude does), string arguments taken from the prompt."""
    from ..replay import message_script
    from ..replay._tool_scenarios import _call_first_tool

    words = _WORD.findall(_last_user_text(request))[1:4] or [None]
    calls = []
    for i, word in enumerate(words):
        call = _call_first_tool(request, f"toolu_demo_{i + 1:02d}")
        if word is not None:
            call["input"] = {k: (word if isinstance(v, str) else v) for k, v in call["input"].items()}
        calls.append(call)
    intro = {"type": "text", "text": f"I'll ask the notebook's `{calls[0]['name']}` function."}
    return _paced(message_script([intro, *calls], model=request.get("model", ""), stop_reason="tool_use", chunk=6))


def _tool_answer(request: dict[str, Any]) -> Any:
    """The turn after the notebook ran its function: what it returned, in a sentence each."""
    from ..replay import message_script
    from ..replay._tool_scenarios import tool_results

    names: dict[str, str] = {}
    inputs: dict[str, Any] = {}
    for message in request.get("messages") or []:
        for block in message.get("content") or [] if isinstance(message.get("content"), list) else []:
            if isinstance(block, dict) and block.get("type") == "tool_use":
                names[str(block.get("id"))] = str(block.get("name"))
                inputs[str(block.get("id"))] = block.get("input")
    lines = []
    for result in tool_results(request):
        call = str(result.get("tool_use_id"))
        content = result.get("content")
        if isinstance(content, list):
            content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        args = ", ".join(f"{k}={v!r}" for k, v in (inputs.get(call) or {}).items())
        verb = "failed with" if result.get("is_error") else "returned"
        lines.append(f"- `{names.get(call, 'the tool')}({args})` {verb} **{content}**")
    text = (
        "Your notebook ran the function and sent back its result:\n\n"
        + "\n".join(lines)
        + "\n\nThat is the tool loop: Claude asks, the notebook runs its own Python, and the answer goes on "
        "in the same view."
    )
    return _paced(
        message_script([{"type": "text", "text": text}], model=request.get("model", ""), message_id="msg_demo")
    )
