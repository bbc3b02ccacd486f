"""What the agent reads without asking: bounded, private names and modules left out,
secrets redacted by name and by shape."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from claude_nb.agent import namespace as ns


def test_variables_leave_out_private_modules_and_own_objects_and_redact_secrets() -> None:
    from claude_nb.agent.session import Agent

    values = {
        "df": pd.DataFrame({"a": [1, 2], "b": [3, 4]}),
        "n": 42,
        "_hidden": 1,
        "os": os,
        "agent": Agent(),
        "api_key": "not-a-key-shape-but-named-so",
        "note": "call with sk-ant-api03-abcdefghijklmnopqrstuvwxyz please",
        "aws": "AKIAABCDEFGHIJKLMNOP",
        "header": "Bearer abcdefghijklmnopqrstuvwxyz0123",
        "In": ["x"],
    }
    listed = ns.list_variables(values)
    lines = dict(line.split(":", 1) for line in listed.splitlines())
    assert set(lines) == {"df", "n", "api_key", "note", "aws", "header"}
    assert "(2×2)" in lines["df"] and "columns: a, b" in lines["df"]
    for name in ("api_key", "note", "aws", "header"):
        assert lines[name].endswith(ns.REDACTED), name
    assert "sk-ant" not in listed and "AKIA" not in listed and "abcdefghijklmnopqrstuvwxyz" not in listed


def test_inspect_describes_frames_and_callables_and_refuses_unknown_names() -> None:
    def scale(x: float, factor: float = 2.0) -> float:
        """Multiply by a factor."""
        return x * factor

    values = {"df": pd.DataFrame({"a": range(500)}), "scale": scale, "token": "abc"}
    described = ns.inspect_value("df", values)
    assert "500 rows" in described and "a (int64)" in described
    assert "scale(x: float, factor: float = 2.0)" in ns.inspect_value("scale", values)
    assert ns.REDACTED in ns.inspect_value("token", values)
    with pytest.raises(KeyError, match="no user variable named 'nope'"):
        ns.inspect_value("nope", values)


def test_results_are_bounded_and_say_so() -> None:
    text = ns.bounded("x" * 10_000, 100)
    assert len(text) < 200 and "9,900 more characters cut" in text
    many = {f"v{i}": i for i in range(ns.MAX_VARIABLES + 5)}
    assert "5 more variables not listed" in ns.list_variables(many)
