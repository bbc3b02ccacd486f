"""``%%claude --tools`` as a notebook user meets it: functions defined in a real kernel."""

from __future__ import annotations

import json
import re

import pytest

from claude_nb.replay import ReplayServer
from claude_nb.replay._tool_scenarios import NARRATION
from claude_nb.view.tool_table import HIDDEN_NARRATION

from ..conftest import Kernel
from ..notebook.test_magic_kernel import state

pytestmark = pytest.mark.sdk  # run again against the oldest supported SDK

DEFINE = '''
ran = []
def get_weather(city: str, units: str = "celsius", days: list[int] | None = None) -> str:
    """Today's weather for a city.

    Args:
        city: The city to look up.
    """
    ran.append(city)
    return f"sunny in {city}"
'''


def test_a_notebook_function_is_called_and_the_answer_goes_on(kernel: Kernel, replay: ReplayServer) -> None:
    assert kernel.run(DEFINE).ok
    before = len(replay.requests)
    run = kernel.run("%%claude --new --tools get_weather -o w\nreplay:tools weather please", cell_id="t1")
    assert run.ok, run.error_lines
    sent = [r for r in replay.requests[before:] if r["path"].endswith("/v1/messages")]
    assert len(sent) == 2
    definition = sent[0].body["tools"][0]
    assert definition["name"] == "get_weather" and definition["description"] == "Today's weather for a city."
    assert definition["input_schema"]["properties"]["city"]["description"] == "The city to look up."
    assert sent[1].body["messages"][-1]["content"][0]["content"] == "sunny in Zürich"
    assert json.loads(kernel.run("print(json.dumps(ran))").stdout) == ["Zürich"]
    s = state(kernel, "w")
    assert s["bound"]["id"] == "msg_reply" and s["status"] == "done"
    assert s["tool_calls"][0]["result"] == "sunny in Zürich" and "sunny in Zürich" in s["html"]
    # The next cell continues from the whole loop: call, result, answer.
    assert kernel.run("%%claude\nreplay:echo and then?", cell_id="t2").ok
    history = replay.requests[-1].body["messages"]
    assert [m["role"] for m in history] == ["user", "assistant", "user", "assistant", "user"]
    assert history[2]["content"][0]["type"] == "tool_result"
    # Running the tool cell again replaces its turns instead of adding more.
    assert kernel.run("%%claude --tools get_weather\nreplay:tools again", cell_id="t1").ok
    assert kernel.run("%%claude\nreplay:echo count", cell_id="t2").ok
    assert len(replay.requests[-1].body["messages"]) == 5


def test_max_turns_and_missing_tools_in_the_magic(kernel: Kernel, replay: ReplayServer) -> None:
    assert kernel.run(DEFINE).ok
    before = len(replay.requests)
    run = kernel.run("%%claude --new --tools get_weather --max-turns 3\nreplay:tool_forever")
    assert run.ok, run.error_lines
    assert len([r for r in replay.requests[before:] if r["path"].endswith("/v1/messages")]) == 3
    assert "stopped after 3 turns (max turns 3)" in state(kernel)["html"]
    missing = kernel.run("%%claude --tools get_weather,nope,ran\nhi")
    assert not missing.ok
    assert "not defined: nope" in "\n".join(missing.error_lines)
    assert "not callable: ran" in "\n".join(missing.error_lines)
    assert len(missing.error_lines) <= 3


def test_server_tools_in_the_magic(kernel: Kernel, replay: ReplayServer) -> None:
    before = len(replay.requests)
    run = kernel.run("%%claude --new --server-tools web_fetch,code_execution\nreplay:server_results")
    assert run.ok, run.error_lines
    # The first Messages request (the model's entry may be looked up before it, once a kernel).
    sent = next(r for r in replay.requests[before:] if r["path"].endswith("/v1/messages"))
    assert [t["name"] for t in sent.body["tools"]] == ["web_fetch", "code_execution"]
    html = state(kernel)["html"]
    assert "return code 2" in html and 'href="https://example.org/page"' in html


def _rows(page: str) -> list[str]:
    """The tool table's rows in order: a call by its id, narration by its words."""
    table = page[page.index('<table class="cnb-tools"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r'<tr (data-tool-id="([^"]*)"[^>]*|class="cnb-narration")>(.*?)</tr>', table, re.S)
    return [tool_id or re.sub(r"<[^>]+>", "", body).strip() for _, tool_id, body in rows]


def test_what_the_model_says_between_calls_is_shown_between_the_rows(kernel: Kernel, replay: ReplayServer) -> None:
    # Today's models send their words between tool calls in thinking blocks.
    assert kernel.run(DEFINE).ok
    run = kernel.run("%%claude --new --tools get_weather -o narrated\nreplay:narrated_tools look twice")
    assert run.ok, run.error_lines
    s = state(kernel, "narrated")
    assert _rows(s["html"]) == [NARRATION[0], "toolu_narrated_1", NARRATION[1], "toolu_narrated_2", NARRATION[2]]
    assert NARRATION[0] in s["thinking"]  # the pane at the top holds all of it too
    assert "Sunny, by both looks." in s["text"]


def test_narration_the_api_hid_keeps_a_one_line_marker(kernel: Kernel, replay: ReplayServer) -> None:
    assert kernel.run(DEFINE).ok
    run = kernel.run("%%claude --new --tools get_weather --thinking-display omitted -o hid\nreplay:narrated_tools")
    assert run.ok, run.error_lines
    s = state(kernel, "hid")
    hidden = HIDDEN_NARRATION
    assert _rows(s["html"]) == [hidden, "toolu_narrated_1", hidden, "toolu_narrated_2", hidden]
    assert "hidden by the API" in s["html"]  # the pane says so too, never empty
