"""What a request says about thinking, fitted to a model's thinking types (pure)."""

from __future__ import annotations

import pytest

from claude_nb.core.errors import ClaudeError
from claude_nb.request.thinking import (
    default_thinking,
    describe_thinking,
    fitted,
    thinking_option,
    thinking_param,
    with_display,
    without_default,
)

SONNET = {"adaptive": True, "enabled": True, "disabled": False, "between_tools": True}
OPUS = {"adaptive": True, "enabled": False, "disabled": True, "between_tools": False}
STUCK = {"adaptive": True, "enabled": False, "disabled": False, "between_tools": False}
OLD = {"adaptive": False, "enabled": True, "disabled": True}


def _request(thinking: object) -> dict[str, object]:
    return {"model": "claude-x", "messages": [], "thinking": thinking}


def test_values_become_thinking_params() -> None:
    assert thinking_param("adaptive") == thinking_param(True) == {"type": "adaptive"}
    assert thinking_param(False) == thinking_param("off") == thinking_param("OFF") == {"type": "disabled"}
    assert thinking_param(2048) == thinking_param("2048") == {"type": "enabled", "budget_tokens": 2048}
    assert thinking_param(None) is None and thinking_param("") is None
    with pytest.raises(ClaudeError, match="at least 1024"):
        thinking_param(100)
    with pytest.raises(ClaudeError, match="'adaptive' or 'off'"):
        thinking_param("lots")


def test_display_only_where_thinking_is_on() -> None:
    assert with_display({"type": "adaptive"}, "summarized") == {"type": "adaptive", "display": "summarized"}
    assert with_display({"type": "disabled"}, "summarized") == {"type": "disabled"}
    assert with_display({"type": "between_tools"}, "omitted") == {"type": "between_tools"}
    with pytest.raises(ClaudeError, match="--thinking-display"):
        with_display({"type": "adaptive"}, "loud")


def test_the_default_goes_only_where_the_entry_takes_adaptive() -> None:
    auto = _request(default_thinking("summarized"))
    sent = fitted(auto, SONNET)
    assert sent["thinking"] == {"type": "adaptive", "display": "summarized"}
    assert type(sent["thinking"]) is dict  # the marker class does not travel
    assert "thinking" not in fitted(auto, OLD)
    assert "thinking" not in fitted(auto, None)  # no entry: nothing forced on
    assert "thinking" not in without_default(auto)
    asked = _request({"type": "adaptive"})
    assert without_default(asked) is asked and fitted(asked, None) is asked  # asked for: sent as asked


def test_off_becomes_what_the_model_takes() -> None:
    off = _request({"type": "disabled"})
    assert fitted(off, SONNET)["thinking"] == {"type": "between_tools"}
    assert fitted(off, OPUS)["thinking"] == {"type": "disabled"}
    assert fitted(off, None)["thinking"] == {"type": "disabled"}  # unknown: as asked
    with pytest.raises(ClaudeError, match="claude-x cannot turn thinking off"):
        fitted(off, STUCK)


def test_types_a_model_refuses_are_stopped_with_what_to_do() -> None:
    with pytest.raises(ClaudeError, match=r"claude-x does not take a thinking budget.*--effort"):
        fitted(_request({"type": "enabled", "budget_tokens": 2048}), OPUS)
    with pytest.raises(ClaudeError, match="claude-x does not take adaptive thinking"):
        fitted(_request({"type": "adaptive"}), OLD)
    budget = _request({"type": "enabled", "budget_tokens": 2048})
    assert fitted(budget, SONNET) is budget


def test_cell_options_and_status_words() -> None:
    assert thinking_option(None, True) is False and thinking_option("2048", False) == "2048"
    with pytest.raises(ClaudeError, match="not both"):
        thinking_option("2048", True)
    assert describe_thinking("adaptive", "summarized").startswith("adaptive where the model takes it")
    assert describe_thinking(4096, "omitted") == "budget 4,096 tokens (display: omitted)"
    assert describe_thinking("", "summarized").startswith("not sent")
    assert describe_thinking(False, "summarized").startswith("off")
