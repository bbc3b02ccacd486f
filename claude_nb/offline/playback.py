"""How a recorded turn plays back through the in-process endpoint: its events as the
loopback's script, paced like the API (demo mode and cassette replay share it)."""

from __future__ import annotations

from typing import Any

from .cassette import Turn

_speed = {"tokens_per_second": 80.0}


def set_speed(tokens_per_second: float) -> None:
    """How fast recorded answers stream: tokens per second (0: as fast as possible)."""
    _speed["tokens_per_second"] = max(0.0, float(tokens_per_second))


def pace_for(events: list[tuple[float, str, dict[str, Any]]]) -> float:
    """The pause after each event that makes its deltas arrive at the set tokens per
    second (about four characters a token, as the API's tokenizer averages in English)."""
    rate = _speed["tokens_per_second"]
    deltas = [d for _, name, d in events if name == "content_block_delta"]
    if not rate or not deltas:
        return 0.0
    chars = 0
    for data in deltas:
        delta = data.get("delta") or {}
        chars += len(str(delta.get("text") or delta.get("thinking") or delta.get("partial_json") or ""))
    return min(0.25, chars / 4 / rate / len(deltas))


def script_of(turn: Turn) -> Any:
    """The loopback's answer for one recorded turn."""
    from ..replay import Script, Step

    steps = [Step("event", name, data) for _, name, data in turn.events]
    if turn.broke:
        steps.append(Step("drop"))
    return Script(steps=steps, pace=pace_for(turn.events))
