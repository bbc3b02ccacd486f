"""Thinking on today's models, in a real kernel: what a cell sends is fitted to the
model's Models API entry (the loopback lists one model of each kind), and an option
the model refuses is stopped before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest

from claude_nb.replay import ReplayServer

from ..conftest import Kernel
from ..notebook.test_magic_kernel import state

pytestmark = pytest.mark.sdk  # run again against the oldest supported SDK


def _sent(replay: ReplayServer, before: int) -> list[dict[str, Any]]:
    return [r.body for r in replay.requests[before:] if r["path"].endswith("/v1/messages")]


def _thinking_sent(kernel: Kernel, replay: ReplayServer, flags: str) -> Any:
    before = len(replay.requests)
    run = kernel.run(f"%%claude --new {flags}\nreplay:echo hi")
    assert run.ok, run.error_lines
    (body,) = _sent(replay, before)
    return body.get("thinking", "(left out)")


def test_a_plain_cell_asks_for_adaptive_thinking_with_its_text(kernel: Kernel, replay: ReplayServer) -> None:
    adaptive = {"type": "adaptive", "display": "summarized"}
    assert _thinking_sent(kernel, replay, "") == adaptive  # the default model, which thinks by default
    assert _thinking_sent(kernel, replay, "-m claude-opus-4-5") == "(left out)"  # takes no adaptive thinking
    assert _thinking_sent(kernel, replay, "-m claude-unlisted-9") == "(left out)"  # not listed: nothing forced
    assert _thinking_sent(kernel, replay, "--thinking-display omitted") == {"type": "adaptive", "display": "omitted"}
    assert _thinking_sent(kernel, replay, "-m claude-haiku-4-5 --thinking 2048") == {
        "type": "enabled",
        "budget_tokens": 2048,
        "display": "summarized",
    }


def test_the_thinking_of_a_plain_cell_is_shown(kernel: Kernel, replay: ReplayServer) -> None:
    run = kernel.run("%%claude --new -o plan\nreplay:thinking plan it")
    assert run.ok, run.error_lines
    s = state(kernel, "plan")
    assert s["thinking"].startswith("The user wants a short answer.")
    assert s["bound"]["content"][0]["thinking"] == s["thinking"]


def test_no_thinking_sends_what_each_model_takes(kernel: Kernel, replay: ReplayServer) -> None:
    assert _thinking_sent(kernel, replay, "--no-thinking") == {"type": "between_tools"}  # Sonnet 5.5
    assert _thinking_sent(kernel, replay, "--no-thinking -m claude-fable-5-2") == {"type": "between_tools"}
    assert _thinking_sent(kernel, replay, "--no-thinking -m claude-opus-5-5") == {"type": "disabled"}
    assert _thinking_sent(kernel, replay, "--thinking off -m claude-opus-5") == {"type": "disabled"}
    assert kernel.run("%config Claude.thinking = False").ok
    try:
        assert _thinking_sent(kernel, replay, "") == {"type": "between_tools"}
        status = kernel.run("%claude status").stdout
        assert "thinking" in status and "off ('disabled'" in status
    finally:
        assert kernel.run("%config Claude.thinking = 'adaptive'").ok
    assert "adaptive where the model takes it (display: summarized)" in kernel.run("%claude status").stdout


@pytest.mark.parametrize("model", ["claude-opus-5-5", "claude-fable-5-2"])
def test_a_budget_on_an_always_adaptive_model_is_refused_before_sending(
    kernel: Kernel, replay: ReplayServer, model: str
) -> None:
    before = len(replay.requests)
    run = kernel.run(f"%%claude --new -m {model} --thinking 2048\nreplay:echo hi")
    assert not run.ok
    words = "\n".join(run.error_lines)
    assert f"{model} does not take a thinking budget" in words and "--effort" in words
    assert len(run.error_lines) <= 3  # one short message, not a traceback
    assert not _sent(replay, before)


def test_both_thinking_options_at_once_are_refused(kernel: Kernel, replay: ReplayServer) -> None:
    run = kernel.run("%%claude --new --thinking 2048 --no-thinking\nreplay:echo hi")
    assert not run.ok and "not both" in "\n".join(run.error_lines)


def test_a_deprecated_model_says_when_it_retires(kernel: Kernel, replay: ReplayServer) -> None:
    run = kernel.run("%%claude --new -m claude-opus-4-5 -o old\nreplay:echo hi")
    assert run.ok, run.error_lines
    html = state(kernel, "old")["html"]
    assert "claude-opus-4-5 retires on 2027-01-22" in html
    assert html.count("retires on") == 1
    fresh = kernel.run("%%claude --new -o new\nreplay:echo hi")
    assert fresh.ok and "retires" not in state(kernel, "new")["html"]
