"""The live view's Stop button while its cell is still running, in a real kernel:
the click (a widget message, as the page sends it) ends the stream within a frame or
two, what arrived is kept and bound, and a cell queued behind it runs after it."""

from __future__ import annotations

import json
import time

import pytest

from claude_nb.replay import ReplayServer, message_script

from ..conftest import Kernel

pytestmark = pytest.mark.kernel_internals


def test_stop_is_heard_while_the_answer_streams(kernel: Kernel, replay: ReplayServer) -> None:
    words = " ".join(f"word{i}" for i in range(600))
    replay.queue(message_script([{"type": "text", "text": words}], chunk=8, pace=0.02, ping_every=0))  # ~15 s
    started = time.monotonic()
    cell = kernel.kc.execute("%%claude --new -o partial\nreplay:rich a long answer")
    view = None
    streamed = 0
    while streamed < 3:  # three frames with words of the answer in them
        msg = kernel.kc.get_iopub_msg(timeout=30)
        if msg["parent_header"].get("msg_id") != cell:
            continue
        if msg["msg_type"] == "comm_open" and "_esm" in msg["content"]["data"]["state"]:
            view = msg["content"]["comm_id"]
        frame = msg["content"].get("data", {}).get("content", {}) if msg["msg_type"] == "comm_msg" else {}
        if view is not None and msg["content"].get("comm_id") == view and "word" in json.dumps(frame.get("a", "")):
            streamed += 1
    assert view is not None
    queued = kernel.kc.execute("print('after the answer')")
    data = {"method": "custom", "content": {"type": "stop"}}
    kernel.kc.shell_channel.send(kernel.kc.session.msg("comm_msg", {"comm_id": view, "data": data}))
    errors, outputs, idle = [], {cell: "", queued: ""}, []
    while len(idle) < 2:
        msg = kernel.kc.get_iopub_msg(timeout=30)
        parent = msg["parent_header"].get("msg_id")
        if parent not in outputs:
            continue
        if msg["msg_type"] == "error":
            errors.append(msg["content"])
        if msg["msg_type"] == "stream":
            outputs[parent] += msg["content"]["text"]
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            idle.append(parent)
    assert time.monotonic() - started < 10, "the stream ended when Stop was pressed"
    assert idle == [cell, queued] and outputs[queued].strip() == "after the answer"
    assert not errors  # a Stop is the user's choice, not a failure: the cells after it run
    run = kernel.run(
        "v = claude_nb.last_view()\n"
        "print(json.dumps([v.status, len(v.text), v.error, partial.content[0].text == v.text]))"
    )
    status, chars, error, bound = json.loads(run.stdout)
    assert status == "stopped" and 0 < chars < len(words) and "stopped by the user" in error and bound
