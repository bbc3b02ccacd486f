"""Demo answers for what no long recording fits: a short answer to a short ask ("And
in five words?", "in two sentences"), and an answer that says no recording fits a
prompt, instead of an unrelated essay."""

from __future__ import annotations

import re
from typing import Any

_COUNTS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_LENGTH = re.compile(
    r"\b(?:in|with|to|using)\s+(?:just\s+|only\s+)?(a|one|two|three|four|five|six|seven|eight|\d{1,2})"
    r"(?:\s+(word|sentence)s?)?\b",
    re.IGNORECASE,
)

NO_RECORDING = (
    "Demo mode has no recorded answer for this prompt, so it does not pretend to answer it. The "
    "recordings cover: compound interest (a table, code and the formula), prompts that ask to *think* "
    "or *plan* (extended thinking), *search* with `--server-tools web_search` (Python 3.13), a stream "
    "that breaks and *resumes*, notebook objects passed as `{name}`, notebook functions with `--tools`, "
    'and short follow-ups ("in five words"). Set `ANTHROPIC_API_KEY` (or run `%claude login`) for '
    "Claude's own answer."
)


def asked_length(prompt: str) -> tuple[int, str] | None:
    """(count, "word" or "sentence") when the prompt asks for an answer that short
    ("in five words", "in two sentences"); a bare count means words only in a prompt of
    a few words ("And in one?"), not in "explain it with a table"."""
    words = len(prompt.split())
    if words > 14:
        return None
    match = _LENGTH.search(prompt)
    if match is None or (match.group(2) is None and words > 4):
        return None
    count = match.group(1).lower()
    number = _COUNTS[count] if count in _COUNTS else int(count)
    return (number, (match.group(2) or "word").lower()) if 0 < number <= 20 else None


def _previous_answer(request: dict[str, Any]) -> str:
    for message in reversed(request.get("messages") or []):
        if message.get("role") != "assistant":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        return " ".join(b.get("text", "") for b in content or [] if isinstance(b, dict) and b.get("type") == "text")
    return ""


SENTENCES = [
    "Compound interest pays interest on earlier interest, so savings grow faster the longer they stay.",
    "At 5 % a year compounded monthly, $100 becomes about $447 in thirty years, against $250 with simple interest.",
    "Start early: time does more of the work than the rate.",
]
WORDS = {
    1: "Snowballing.",
    2: "Interest compounds.",
    3: "Interest earns interest.",
    4: "Interest keeps earning interest.",
    5: "Interest earns interest over time.",
    6: "Savings grow on their own growth.",
}
OTHER = ["Demo mode records short answers about compound interest only.", "Ask with a key for this one."]
OTHER_WORDS = {
    1: "Unrecorded.",
    2: "Not recorded.",
    3: "No recording here.",
    4: "No short recording here.",
    5: "Demo mode recorded no answer.",
}


def short_text(previous: str, count: int, unit: str, prompt: str = "") -> str:
    """The recorded short answers are about compound interest, the demo's topic (the
    prompt or the answer before is about it, or there was none); after anything else
    the demo says it has no short answer for it, as briefly as asked."""
    unrecorded = previous.startswith("Demo mode")  # what this module says when it has nothing
    on_topic = "interest" in prompt.lower() or not previous or ("interest" in previous.lower() and not unrecorded)
    sentences, words = (SENTENCES, WORDS) if on_topic else (OTHER, OTHER_WORDS)
    if unit == "sentence":
        return " ".join(sentences[:count])
    if count in words:
        return words[count]
    cut = sentences[0].rstrip(".").split()[:count]
    return " ".join(cut).rstrip(",;:") + "."


def _last_prompt(request: dict[str, Any]) -> str:
    from ..replay._scenarios import _last_user_text

    return _last_user_text(request)


def answer(request: dict[str, Any], asked: tuple[int, str]) -> Any:
    from ..replay import message_script

    text = short_text(_previous_answer(request), *asked, prompt=_last_prompt(request))
    return message_script([{"type": "text", "text": text}], model=request.get("model", ""), message_id="msg_demo_short")


def no_recording(request: dict[str, Any]) -> Any:
    from ..replay import message_script

    return message_script(
        [{"type": "text", "text": NO_RECORDING}], model=request.get("model", ""), message_id="msg_demo_none"
    )
