"""One agent session in an in-process IPython shell (no kernel, no page): a terminal
asks at a prompt, a figure is inspected as the image itself, limits hold."""

from __future__ import annotations

from typing import Any

import matplotlib
import pytest
from IPython.core.interactiveshell import InteractiveShell

from claude_nb.agent.session import Agent
from claude_nb.core.errors import ClaudeError
from claude_nb.tools.toolbox import ToolResult

matplotlib.use("Agg")


@pytest.fixture
def shell() -> Any:
    return InteractiveShell.instance()


def _tools(agent: Agent) -> dict[str, Any]:
    return {fn.__name__: fn for fn in agent.tools()}


def test_a_terminal_asks_at_a_prompt_and_runs_only_on_yes(shell: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    agent = Agent(shell=shell)
    answers = iter(["n", "y"])
    monkeypatch.setattr("builtins.input", lambda _prompt="": next(answers))
    run_code = _tools(agent)["run_code"]
    assert "declined" in run_code("y_value = 5", "set y")
    assert "y_value" not in shell.user_ns
    result = run_code("y_value = 5\nprint('set')", "set y")
    assert "approved by the user" in result and "stdout:\nset" in result and "y_value" in result
    assert shell.user_ns["y_value"] == 5
    assert [r.approval for r in agent.runs] == ["declined", "approved"]


def test_a_figure_is_inspected_as_the_image_it_shows(shell: Any) -> None:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots()
    axes.plot([1, 2, 3])
    shell.user_ns["chart"] = figure
    result = _tools(Agent(shell=shell))["inspect"]("chart")
    assert isinstance(result, ToolResult) and result.blocks[0]["type"] == "image"
    plt.close(figure)


def test_settings_are_checked() -> None:
    with pytest.raises(ClaudeError, match="approval takes one of ask, auto"):
        Agent(approval="sometimes")
    with pytest.raises(ClaudeError, match="--run-timeout"):
        Agent(run_timeout=0)
