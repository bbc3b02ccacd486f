"""``%%claude --bg`` in a real kernel: the cell returns at once, the next cell runs
while the answer streams into the first cell's output, the variable is bound when it
ends, and its Stop button stops it as the interrupt stops a foreground answer."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

from claude_nb.replay import ReplayServer

from ..conftest import Kernel, kernel_env
from ..scenarios import SLOW_TEXT


def _wait_for(kernel: Kernel, expression: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = kernel.run(f"print(json.dumps({expression}))")
        assert run.ok, run.error_lines
        value = run.json_out()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{expression} stayed false for {timeout} s")


def test_a_background_answer_streams_while_the_next_cell_runs_and_binds_when_done(kernel: Kernel) -> None:
    started = time.monotonic()
    first = kernel.run("%%claude --bg -o bg_answer --new\nreplay:slow Tell me a long story.", cell_id="bg-1")
    returned = time.monotonic() - started
    assert first.ok, first.error_lines
    cell_id = first.reply["parent_header"]["msg_id"]
    # The next cell runs (and finishes) while the first cell's answer is still arriving.
    second = kernel.run("print(json.dumps(['bg_answer' in globals(), claude_nb.api.background.running()]))")
    assert second.ok and second.json_out() == [False, 1]
    assert returned < 2.5, "the cell waited for its answer"
    text = _wait_for(
        kernel,
        "'bg_answer' in globals() and ''.join(b.text for b in bg_answer.content if b.type == 'text')",
    )
    assert text == SLOW_TEXT
    # The view's live frames and its static answer went to the cell that started it.
    late = [m for m in kernel.all_messages if m["parent_header"].get("msg_id") == cell_id]
    finals = [m for m in late if m["msg_type"] == "update_display_data" and "text/html" in m["content"]["data"]]
    assert finals and "word119" in finals[-1]["content"]["data"]["text/html"]
    # Its Stop button is gone (an empty output) once the answer is over.
    assert any(m["content"]["data"] == {"text/plain": ""} for m in late if m["msg_type"] == "update_display_data")
    # The view and its Stop button, shown from the background, went to the first cell too.
    assert len([m for m in late if m["msg_type"] == "comm_open"]) >= 2
    comm_frames = [m for m in kernel.all_messages if m["msg_type"] == "comm_msg"]
    assert comm_frames, "the widget was updated while the answer streamed"
    assert not [m for m in late if m["msg_type"] == "error"]


def test_the_stop_button_stops_a_background_answer_and_keeps_what_arrived(kernel: Kernel) -> None:
    run = kernel.run("%%claude --bg -o stopped_answer --new\nreplay:slow Another long story.")
    assert run.ok, run.error_lines
    cell = run.reply["parent_header"]["msg_id"]
    # The button comes under the view, which the background work shows (it imports the SDK).
    _wait_for(kernel, "claude_nb.last_view() is not None and claude_nb.last_view().state.status == 'streaming'")
    buttons = [
        m["content"]["comm_id"]
        for m in kernel.all_messages
        if m["msg_type"] == "comm_open"
        and m["parent_header"].get("msg_id") == cell
        and m["content"]["data"]["state"].get("_model_name") == "ButtonModel"
    ]
    assert len(buttons) == 1
    time.sleep(0.8)  # part of the answer arrives
    click = kernel.kc.session.msg(
        "comm_msg", {"comm_id": buttons[0], "data": {"method": "custom", "content": {"event": "click"}}}
    )
    kernel.kc.shell_channel.send(click)
    status = _wait_for(
        kernel,
        "'stopped_answer' in globals() and claude_nb.last_view().state.status",
    )
    assert status == "stopped"
    text = kernel.run(
        "print(json.dumps(''.join(b.text for b in stopped_answer.content if b.type == 'text')))"
    ).json_out()
    assert 0 < len(text) < len(SLOW_TEXT) and SLOW_TEXT.startswith(text)
    assert kernel.run("print(json.dumps(claude_nb.api.background.running()))").json_out() == 0


def test_a_background_cell_right_after_load_ext_does_not_wait_for_the_sdk(replay: ReplayServer) -> None:
    """The SDK's import (seconds in a fresh kernel) joins the background work: the
    cell returns in a fraction of what importing the SDK takes, measured here too."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import anthropic, anywidget"], check=True)
    sdk_import = time.monotonic() - started
    fresh = Kernel(kernel_env(replay))
    try:
        assert fresh.run("%load_ext claude_nb").ok
        started = time.monotonic()
        run = fresh.run("%%claude --bg -o early --new\nreplay:rich hello")
        returned = time.monotonic() - started
        assert run.ok, run.error_lines
        assert returned < sdk_import / 2, f"returned after {returned:.2f} s; the import takes {sdk_import:.2f} s"
        assert fresh.run("import json").ok
        done = _wait_for(fresh, "'early' in globals() and early.stop_reason")
        assert done == "end_turn"
    finally:
        fresh.stop()
