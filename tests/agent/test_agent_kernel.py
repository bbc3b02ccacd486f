"""``%%claude --agent`` in a real kernel against the loopback API: reading tools run
without asking; ``run_code`` waits for the Run button (heard while the cell runs),
Skip tells Claude and runs nothing, a page-less run declines, a runaway run is
stopped by its timeout, and ``%claude runs`` puts what ran into a new cell."""

from __future__ import annotations

import time
from typing import Any

import pytest

from claude_nb.replay import ReplayServer

from ..conftest import Kernel
from ..kernel import frame_of, view_opened

pytestmark = pytest.mark.kernel_internals

SETUP = """
import pandas as pd, json, claude_nb
df = pd.DataFrame({"a": [1, 2, 3], "b": [4, 5, 6]})
"""


def _cell(*calls: str, flags: str = "") -> str:
    lines = "\n".join(f"call: {c}" for c in calls)
    return f"%%claude --new --raw --agent {flags} -o ans\nreplay:agent over df\n{lines}\n"


RUN = (
    'run_code {"code": "df[\'c\'] = df.a * df.b\\ntotal = int(df.c.sum())\\nprint(total)", "purpose": "add a column c"}'
)


def _results(replay: ReplayServer, before: int) -> list[Any]:
    sent = [r for r in replay.requests[before:] if r["path"].endswith("/v1/messages")]
    found = []
    for request in sent:
        last = request.body["messages"][-1]
        if last["role"] == "user" and isinstance(last["content"], list):
            found.extend(b for b in last["content"] if b.get("type") == "tool_result")
    return found


def _text(result: dict[str, Any]) -> str:
    content = result["content"]
    return content if isinstance(content, str) else " ".join(p.get("text", "") for p in content)


def _answer_when_asked(kernel: Kernel, msg_id: str, **answer: Any) -> dict[str, Any]:
    """Read the cell's messages until the live view asks (its frame's ``ask`` piece),
    answer as the page's buttons do (a widget message to the view: ``answer``), then
    read until idle. Returns the question as the page got it."""
    asked: dict[str, Any] = {}
    view = None
    for msg in kernel.messages_of(msg_id):
        view = view_opened(msg) or view
        frame = frame_of(msg)
        if not asked and isinstance(frame.get("ask"), dict) and view is not None:
            asked = frame["ask"]
            kernel.send_to_widget(view, {"type": "consent", **answer})
    assert asked, "the view never asked"
    return asked


def _asked_to_run(kernel: Kernel, replay: ReplayServer, *calls: str, **answer: Any) -> list[str]:
    """The agent over ``df`` asks to run ``calls`` (``RUN`` by default), the page answers
    each question with ``answer``: the tool results Claude was sent."""
    assert kernel.run(SETUP).ok
    before = len(replay.requests)
    msg_id = kernel.kc.execute(_cell(*(calls or (RUN,))), allow_stdin=True)
    _answer_when_asked(kernel, msg_id, **answer)
    return [_text(r) for r in _results(replay, before)]


def test_reading_tools_run_without_asking_and_are_redacted(kernel: Kernel, replay: ReplayServer) -> None:
    assert kernel.run(SETUP + "openai_token = 'sk-abcdefghijklmnopqrstuvwx'").ok
    before = len(replay.requests)
    run = kernel.run(_cell("list_variables {}", 'inspect {"name": "df"}', "get_error {}"))
    assert run.ok, run.error_lines
    listed, inspected, error = (_text(r) for r in _results(replay, before))
    assert "df: pandas.DataFrame (3×2)" in listed and "openai_token: str (len 27) = [redacted]" in listed
    assert "sk-abc" not in listed and "pd:" not in listed
    assert "3 rows × 2 columns" in inspected and "a (int64)" in inspected
    assert "No cell has raised" in error
    opened = [m["content"]["data"]["state"].get("_model_name") for m in run.messages if m["msg_type"] == "comm_open"]
    assert "ButtonModel" not in opened  # nothing asked


def test_run_waits_for_the_run_button_and_the_next_request_carries_its_output(
    kernel: Kernel, replay: ReplayServer
) -> None:
    assert kernel.run(SETUP).ok
    before = len(replay.requests)
    msg_id = kernel.kc.execute(_cell(RUN), allow_stdin=True)
    asked = _answer_when_asked(kernel, msg_id, action="run")
    # The question, in the row of its call: the purpose and the code (highlighted and as text).
    assert asked["id"] == "toolu_agent_01" and "add a column c" in asked["html"] and "df.a * df.b" in asked["code"]
    assert "<script" not in asked["html"]
    (result,) = _results(replay, before)
    assert "ran in" in _text(result) and "stdout:\n32" in _text(result) and "total" in _text(result)
    assert kernel.run("print(total, list(df.columns))").stdout.strip() == "32 ['a', 'b', 'c']"
    # What ran goes into a new cell below.
    runs = kernel.run("%claude runs")
    payloads = runs.reply["content"].get("payload", [])
    assert any("total = int(df.c.sum())" in p.get("text", "") and "(approved)" in p.get("text", "") for p in payloads)


def test_edited_code_runs_as_edited_and_claude_is_told(kernel: Kernel, replay: ReplayServer) -> None:
    (result,) = _asked_to_run(kernel, replay, action="run", code="total = 7\nprint('edited', total)")
    assert "edited the code" in result and "edited 7" in result
    assert kernel.run("print(total, list(df.columns))").stdout.strip() == "7 ['a', 'b']"


def test_skip_runs_nothing_and_claude_is_told(kernel: Kernel, replay: ReplayServer) -> None:
    (result,) = _asked_to_run(kernel, replay, action="skip", reason="not now")
    assert "the user declined" in result and "not now" in result
    assert kernel.run("print(list(df.columns))").stdout.strip() == "['a', 'b']"


def test_without_a_page_nothing_runs_unless_auto(kernel: Kernel, replay: ReplayServer) -> None:
    assert kernel.run(SETUP).ok
    before = len(replay.requests)
    run = kernel.run(_cell(RUN))  # allow_stdin false, as nbclient sends
    assert run.ok, run.error_lines
    (result,) = _results(replay, before)
    assert "nobody can approve code here" in _text(result)
    assert kernel.run("print(list(df.columns))").stdout.strip() == "['a', 'b']"
    auto = kernel.run(_cell(RUN, flags="--auto"))
    assert auto.ok, auto.error_lines
    assert kernel.run("print(total)").stdout.strip() == "32"


def test_a_runaway_run_is_stopped_by_its_timeout(kernel: Kernel, replay: ReplayServer) -> None:
    assert kernel.run(SETUP).ok
    before = len(replay.requests)
    slow = 'run_code {"code": "import time\\nprint(\'started\')\\ntime.sleep(30)", "purpose": "wait"}'
    started = time.monotonic()
    run = kernel.run(_cell(slow, flags="--auto --run-timeout 1"))
    assert run.ok, run.error_lines
    assert time.monotonic() - started < 15
    (result,) = _results(replay, before)
    assert "timed out" in _text(result) and "started" in _text(result)
    assert kernel.run("print('kernel fine')").stdout.strip() == "kernel fine"


def test_the_run_limit_holds_and_the_same_failing_code_twice_ends_the_loop(
    kernel: Kernel, replay: ReplayServer
) -> None:
    assert kernel.run(SETUP).ok
    before = len(replay.requests)
    one, two = ('run_code {"code": "x = ' + str(n) + '", "purpose": "set x"}' for n in (1, 2))
    run = kernel.run(_cell(one, two, flags="--auto --max-runs 1"))
    assert run.ok, run.error_lines
    first, second = (_text(r) for r in _results(replay, before))
    assert "ran in" in first and "limit of 1 code runs" in second
    assert kernel.run("print(x)").stdout.strip() == "1"
    before = len(replay.requests)
    bad = 'run_code {"code": "df[\'nope\']", "purpose": "read a column"}'
    run = kernel.run(_cell(bad, bad, "list_variables {}", flags="--auto"))
    assert run.ok, run.error_lines
    sent = [r for r in replay.requests[before:] if r["path"].endswith("/v1/messages")]
    assert len(sent) == 2, "no turn after the repeated failing call"
    (failed,) = (_text(r) for r in _results(replay, before))
    assert "KeyError" in failed and "Raised at" in failed and "What is the cause" not in failed
    html = kernel.run("print(claude_nb.last_view().to_html())").stdout
    assert "the agent stopped: it asked to run the same failing code again" in html
    runs = kernel.run("%claude runs").reply["content"]["payload"][0]["text"]
    assert "# df['nope']" in runs and "it failed" in runs


def test_stop_in_the_row_ends_the_answer_runs_nothing_and_the_next_cell_runs(
    kernel: Kernel, replay: ReplayServer
) -> None:
    assert not _asked_to_run(kernel, replay, RUN, "list_variables {}", action="stop"), "no turn after Stop"
    after = kernel.run("print(list(df.columns), claude_nb.last_view().status)")
    assert after.ok and after.stdout.strip() == "['a', 'b'] stopped"


def test_the_views_stop_interrupts_a_running_run_and_the_next_cell_runs(kernel: Kernel, replay: ReplayServer) -> None:
    assert kernel.run(SETUP).ok
    slow = 'run_code {"code": "import time\\nfor _ in range(300):\\n    time.sleep(0.1)", "purpose": "wait"}'
    started = time.monotonic()
    msg_id = kernel.kc.execute(_cell(slow, "list_variables {}", flags="--auto"))
    view = None
    for msg in kernel.messages_of(msg_id):
        view = view_opened(msg) or view
        if "cnb-tool-running" in str(frame_of(msg).get("tools")):
            break
    assert view is not None, "the run never started"
    time.sleep(0.5)
    queued = kernel.kc.execute("print('after the agent')")
    kernel.send_to_widget(view, {"type": "stop"})
    idle, runs = kernel.until_idle(msg_id, queued)
    errors = runs[msg_id].of_type("error")
    assert time.monotonic() - started < 15, "the run was interrupted, not waited out"
    assert not errors and idle == [msg_id, queued] and runs[queued].stdout.strip() == "after the agent"
    status = kernel.run("print(claude_nb.last_view().status, claude_nb.last_agent().runs[-1].result)").stdout
    assert status.strip() == "stopped interrupted"


def test_ask_user_asks_in_the_row_and_claude_gets_the_answer(kernel: Kernel, replay: ReplayServer) -> None:
    before = len(replay.requests)
    ask = 'ask_user {"question": "Which column, <b>a</b> or b?", "options": ["a", "b"]}'
    msg_id = kernel.kc.execute(_cell(ask), allow_stdin=True)
    asked = _answer_when_asked(kernel, msg_id, action="answer", text="b")
    assert asked["options"] == ["a", "b"] and "&lt;b&gt;a&lt;/b&gt;" in asked["html"]  # escaped
    (result,) = _results(replay, before)
    assert _text(result) == "b"
