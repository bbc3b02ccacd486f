"""Hearing the page while a cell blocks, in a real kernel driven as a page drives it:
a click sent during a blocking wait is handled at once, and the messages that came
with it (a queued cell, a kernel_info request) are answered after the cell, in order."""

from __future__ import annotations

import json
import time

import pytest

from claude_nb.core.hearing import Hearing
from tests.kernel import Kernel

pytestmark = pytest.mark.kernel_internals

_SETUP = """
import ipywidgets, json, time
from claude_nb.core.hearing import Hearing
button = ipywidgets.Button(description="Run")
heard = []
button.on_msg(lambda _w, content, _b: heard.append(content))
print(button.model_id)
"""

_BLOCKING = """
start = time.monotonic()
with Hearing.open() as hearing:
    got = hearing.wait(20, until=lambda: bool(heard))
print(json.dumps({"got": got, "live": hearing.live, "heard": heard, "seconds": time.monotonic() - start}))
"""


def test_a_click_is_heard_while_the_cell_blocks_and_queued_cells_run_after(kernel: Kernel) -> None:
    setup = kernel.run(_SETUP)
    assert setup.ok, setup.error_lines
    model_id = setup.stdout.strip().splitlines()[-1]
    blocking = kernel.kc.execute(_BLOCKING)
    time.sleep(1.0)
    queued = kernel.kc.execute("print('queued', len(heard))")
    info = kernel.kc.kernel_info()
    kernel.send_to_widget(model_id, {"event": "click"})
    order, got = kernel.until_idle(blocking, queued)
    result = json.loads(got[blocking].stdout.strip().splitlines()[-1])
    assert result["live"] and result["got"] and result["heard"] == [{"event": "click"}], result
    assert result["seconds"] < 10  # heard, not waited out
    assert order == [blocking, queued]
    assert got[queued].stdout.strip() == "queued 1"
    replies = [kernel.kc.get_shell_msg(timeout=30) for _ in range(3)]
    by_parent = {r["parent_header"]["msg_id"]: r["msg_type"] for r in replies}
    assert by_parent.get(info) == "kernel_info_reply"
    assert by_parent.get(queued) == "execute_reply" and by_parent.get(blocking) == "execute_reply"
    again = kernel.run("print('still answering')")
    assert again.ok and again.stdout.strip() == "still answering"


def test_outside_a_kernel_the_wait_only_sleeps() -> None:
    hearing = Hearing.open()
    assert not hearing.live
    start = time.monotonic()
    assert hearing.wait(0.2, until=lambda: time.monotonic() - start > 0.1)
    assert not hearing.wait(0.05)
    hearing.close()
