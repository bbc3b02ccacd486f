"""Faults the tests inject through the loopback API: an error event mid-stream, a
dropped socket, an end without ``message_stop``, a stall, a stream that breaks once
and is continued, HTTP errors. They live with the tests: the package's loopback (demo
mode, ``python -m claude_nb.replay``) serves answers, not breakage.

A prompt tagged ``replay:NAME`` gets the fault of that name from the tests' server
(``chooser``), as it gets a built-in scenario."""

from __future__ import annotations

import functools
from typing import Any

from claude_nb.replay import HttpError, Script, Step, block_events, message_script
from claude_nb.replay._scenarios import SCENARIOS, Builder, _continuation_of, pick_scenario


def _partial(request: dict[str, Any]) -> Script:
    return message_script(
        [{"type": "text", "text": "This answer is cut off half way through"}],
        model=request.get("model", ""),
        finish=False,
    )


def overloaded_midstream(request: dict[str, Any]) -> Script:
    script = _partial(request)
    script.steps.append(
        Step("event", "error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    )
    return script


def dropped(request: dict[str, Any]) -> Script:
    script = _partial(request)
    script.steps.append(Step("drop"))
    return script


def eof(request: dict[str, Any]) -> Script:
    return _partial(request)


def stall(request: dict[str, Any]) -> Script:
    script = _partial(request)
    script.steps.append(Step("sleep", seconds=30.0))
    return script


FULL_ANSWER = (
    "This answer is cut off half way through 🧑‍💻 and 東京 and cafe\u0301, "
    "then it carries on after the break to the very end."
)
CUT_AT = 60


def _broken_once(fault: str) -> Builder:
    """A long answer whose first stream breaks (``fault``) after CUT_AT characters;
    a continuation request gets the rest — after a prefill exactly the rest, after a
    "continue" turn the rest with its last words restated, as models sometimes do."""

    def build(request: dict[str, Any]) -> Script:
        said = _continuation_of(request)
        model = request.get("model", "")
        thinking = {"type": "thinking", "thinking": "Planning the long answer."}
        if said is not None:
            start = len(said.rstrip())
            if request["messages"][-1].get("role") == "user":
                start = max(0, FULL_ANSWER.rfind(" ", 0, start - 8))  # restate a few words
            return message_script([{"type": "text", "text": FULL_ANSWER[start:]}], model=model, message_id="msg_cont")
        blocks: list[dict[str, Any]] = [{"type": "text", "text": FULL_ANSWER[:CUT_AT]}]
        if fault == "thinking":  # the break comes inside a second thinking block
            script = message_script([thinking, *blocks], model=model, finish=False)
            script.steps.extend(block_events(2, {"type": "thinking", "thinking": "More thoughts"})[:-2])
            script.steps.append(Step("drop"))
            return script
        if fault == "tool":  # inside a tool call's input
            script = message_script(blocks, model=model, finish=False)
            call = {"type": "tool_use", "id": "toolu_cut", "name": "get_weather", "input": {"city": "Bern"}}
            script.steps.extend(block_events(1, call)[:-2])
            script.steps.append(Step("drop"))
            return script
        script = message_script(blocks, model=model, finish=False)
        if fault == "overloaded":
            script.steps.append(
                Step(
                    "event", "error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
                )
            )
        elif fault == "invalid":
            error = {"type": "invalid_request_error", "message": "prompt is too long"}
            script.steps.append(Step("event", "error", {"type": "error", "error": error}))
        elif fault == "dropped":
            script.steps.append(Step("drop"))
        elif fault == "stall":
            script.steps.append(Step("sleep", seconds=30.0))
        return script  # "eof": the stream just ends

    return build


def _http_error(status: int, error_type: str, message: str, retry_after_ms: int | None = None) -> Builder:
    def build(request: dict[str, Any]) -> Script:
        return Script(error=HttpError(status, error_type, message, retry_after_ms))

    return build


SLOW_TEXT = " ".join(f"word{i}" for i in range(120))
"""What ``replay:slow`` says, over about three seconds."""


def slow(request: dict[str, Any]) -> Script:
    """A plain answer that takes a few seconds: long enough to do other things meanwhile."""
    return message_script([{"type": "text", "text": SLOW_TEXT}], chunk=8, pace=0.04)


FAULTS: dict[str, Builder] = {
    "slow": slow,
    "overloaded_midstream": overloaded_midstream,
    "dropped": dropped,
    "eof": eof,
    "stall": stall,
    "broken_once": _broken_once("overloaded"),
    "broken_once_dropped": _broken_once("dropped"),
    "broken_once_eof": _broken_once("eof"),
    "broken_once_stall": _broken_once("stall"),
    "broken_once_thinking": _broken_once("thinking"),
    "broken_once_tool": _broken_once("tool"),
    "broken_invalid": _broken_once("invalid"),
    "http_401": _http_error(401, "authentication_error", "invalid x-api-key"),
    "http_404": _http_error(404, "not_found_error", "model: claude-nope"),
    "http_429": _http_error(429, "rate_limit_error", "Number of requests has exceeded your rate limit", 10),
    "http_529": _http_error(529, "overloaded_error", "Overloaded", 10),
}

chooser = functools.partial(pick_scenario, scenarios={**SCENARIOS, **FAULTS})
"""The tests' servers: the built-in scenarios and these faults, by ``replay:NAME``."""
