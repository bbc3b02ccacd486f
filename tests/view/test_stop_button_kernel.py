"""The live view's Stop button while its cell is still running, in a real kernel:
the click (a widget message, as the page sends it) ends the stream within a frame or
two, what arrived is kept and bound, and a cell queued behind it runs after it."""

from __future__ import annotations

import json
import time

import pytest

from claude_nb.replay import ReplayServer, message_script

from ..conftest import Kernel
from ..kernel import frame_of, view_opened

pytestmark = pytest.mark.kernel_internals


def test_stop_is_heard_while_the_answer_streams(kernel: Kernel, replay: ReplayServer) -> None:
    words = " ".join(f"word{i}" for i in range(600))
    replay.queue(message_script([{"type": "text", "text": words}], chunk=8, pace=0.02, ping_every=0))  # ~15 s
    started = time.monotonic()
    cell = kernel.kc.execute("%%claude --new -o partial\nreplay:rich a long answer")
    view = None
    streamed = 0
    for msg in kernel.messages_of(cell):  # until three frames with words of the answer in them
        view = view_opened(msg) or view
        if (
            view is not None
            and msg["content"].get("comm_id") == view
            and "word" in json.dumps(frame_of(msg).get("a", ""))
        ):
            streamed += 1
            if streamed == 3:
                break
    assert view is not None and streamed == 3
    queued = kernel.kc.execute("print('after the answer')")
    kernel.send_to_widget(view, {"type": "stop"})
    idle, runs = kernel.until_idle(cell, queued, timeout=30)
    errors = runs[cell].of_type("error")
    assert time.monotonic() - started < 10, "the stream ended when Stop was pressed"
    assert idle == [cell, queued] and runs[queued].stdout.strip() == "after the answer"
    assert not errors  # a Stop is the user's choice, not a failure: the cells after it run
    run = kernel.run(
        "v = claude_nb.last_view()\n"
        "print(json.dumps([v.status, len(v.text), v.error, partial.content[0].text == v.text]))"
    )
    status, chars, error, bound = json.loads(run.stdout)
    assert status == "stopped" and 0 < chars < len(words) and "stopped by the user" in error and bound
