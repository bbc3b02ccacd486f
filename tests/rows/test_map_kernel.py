"""``claude_nb.map`` in a real kernel: the progress line and its Stop button while it
runs (at most about five redraws a second), a static summary left in the output, the
interrupt ending the call with one line, and a new kernel finishing only the rows
still missing."""

from __future__ import annotations

import collections
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claude_nb.replay import ReplayServer
from claude_nb.replay._limits import Limits
from claude_nb.replay._rows import RowAnswers, last_text
from claude_nb.rows.table import digest

from ..conftest import Kernel, kernel_env

SETUP = """
%load_ext claude_nb
import claude_nb, json, os, pandas as pd
os.chdir({folder!r})
frame = pd.DataFrame({{"text": [f"review {{i}}" + (" replay:reject" if i == 5 else "") for i in range({n})]}},
                     index=[f"r{{i}}" for i in range({n})])
"""


@pytest.fixture
def rows_server() -> Iterator[ReplayServer]:
    with ReplayServer(chooser=RowAnswers()) as server:
        yield server


def _start(server: ReplayServer, folder: Path, n: int) -> Kernel:
    kernel = Kernel(kernel_env(server))
    setup = kernel.run(SETUP.format(folder=str(folder), n=n))
    assert setup.ok, setup.error_lines
    return kernel


def _model(message: dict[str, Any]) -> str:
    return str(message["content"]["data"]["state"].get("_model_name"))


def _live_requests(server: ReplayServer) -> collections.Counter[str]:
    return collections.Counter(last_text(r.body) for r in server.requests if r["path"].endswith("/v1/messages"))


def test_progress_updates_while_it_runs_and_a_summary_stays(rows_server: ReplayServer, tmp_path: Path) -> None:
    rows_server.limits = Limits(rpm=900)  # fifteen a second: 40 rows take about two and a half seconds
    kernel = _start(rows_server, tmp_path, 40)
    try:
        run = kernel.run('out = claude_nb.map("Summarize: {text}", frame, mode="live")\nprint(out.isna().sum())')
        assert run.ok, run.error_lines
        assert run.stdout.strip() == "1"
        opened = [m for m in run.messages if m["msg_type"] == "comm_open"]
        labels = [
            m["content"]["comm_id"] for m in opened if m["content"]["data"]["state"]["_model_name"] == "HTMLModel"
        ]
        assert len(labels) == 1
        # The blocking call hears its Stop button (the wait dispatches the page's clicks).
        assert len([m for m in opened if _model(m) == "ButtonModel"]) == 1
        label = next(m for m in opened if m["content"]["comm_id"] == labels[0])
        assert "interrupt the kernel" not in label["content"]["data"]["state"]["value"]
        updates = [
            m
            for m in run.messages
            if m["msg_type"] == "comm_msg"
            and m["content"]["comm_id"] == labels[0]
            and "value" in m["content"]["data"].get("state", {})
        ]
        assert len(updates) >= 3, "the progress was redrawn while rows arrived"
        stamps = [time.mktime(m["header"]["date"].timetuple()) + m["header"]["date"].microsecond / 1e6 for m in updates]
        span = max(stamps) - min(stamps)
        assert len(updates) <= 6 * span + 2, "at most about five redraws a second"
        counts = {re.search(r"(\d+) of 40 done", m["content"]["data"]["state"]["value"]).group(1) for m in updates}
        assert len(counts) >= 3, "the counts moved while the call ran"
        summary = [m for m in run.messages if m["msg_type"] == "update_display_data"][-1]["content"]["data"]
        assert "39 of 40 done" in summary["text/plain"] and "1 failed" in summary["text/plain"]
        assert "row &#x27;r5&#x27;" in summary["text/html"] or "row 'r5'" in summary["text/html"]
        assert "this row is refused" in summary["text/html"]
    finally:
        kernel.stop()


def test_an_interrupt_ends_with_one_line_and_a_new_kernel_sends_only_what_is_missing(
    rows_server: ReplayServer, tmp_path: Path
) -> None:
    rows_server.limits = Limits(rpm=600)
    kernel = _start(rows_server, tmp_path, 60)
    call = 'out = claude_nb.map("Summarize: {text}", frame, mode="live")'
    try:

        def interrupt_once_under_way() -> None:
            deadline = time.monotonic() + 30
            while len(rows_server.requests) < 15 and time.monotonic() < deadline:
                time.sleep(0.02)
            kernel.km.interrupt_kernel()

        threading.Thread(target=interrupt_once_under_way, daemon=True).start()
        stopped = kernel.run(call)
        assert not stopped.ok
        lines = [line for line in stopped.error_lines if line.strip()]
        assert len(lines) == 1 and "of 60 done; run again to finish" in lines[0], lines
    finally:
        kernel.stop()
    sent_before = _live_requests(rows_server)
    kept_before = _answered_hashes(tmp_path)
    assert 0 < len(kept_before) < 60
    rows_server.limits = None
    again = _start(rows_server, tmp_path, 60)
    try:
        run = again.run(call + "\nprint(json.dumps([int(out.notna().sum()), claude_nb.last_map().stats.kept]))")
        assert run.ok, run.error_lines
        assert run.json_out() == [59, len(kept_before)]
    finally:
        again.stop()
    sent_after = _live_requests(rows_server)
    for prompt, times in sent_after.items():
        if digest(prompt) in kept_before:
            assert times == sent_before[prompt], f"{prompt!r} was answered before and asked again"
        elif "reject" not in prompt:
            assert times == sent_before[prompt] + 1, f"{prompt!r} should have been sent once more"


def _answered_hashes(folder: Path) -> set[str]:
    found = set()
    for path in folder.joinpath(".claude_nb").glob("map-*.jsonl"):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            if "a" in row:
                found.add(row["h"])
    return found


@pytest.mark.kernel_internals
def test_a_blocking_call_is_stopped_by_its_button_and_the_cell_queued_behind_it_runs_after(
    rows_server: ReplayServer, tmp_path: Path
) -> None:
    rows_server.limits = Limits(rpm=600)  # 60 rows would take six seconds
    kernel = _start(rows_server, tmp_path, 60)
    try:
        started = time.monotonic()
        call = kernel.kc.execute(
            'out = claude_nb.map("Summarize: {text}", frame, mode="live")\n'
            "print(json.dumps([int(out.notna().sum()), len(out), claude_nb.last_map().stats.stopped]))"
        )
        button = None
        while button is None and time.monotonic() - started < 30:
            msg = kernel.kc.get_iopub_msg(timeout=30)
            if msg["msg_type"] == "comm_open" and _model(msg) == "ButtonModel":
                button = msg["content"]["comm_id"]
        assert button is not None
        while len(rows_server.requests) < 15 and time.monotonic() - started < 30:
            time.sleep(0.05)
        queued = kernel.kc.execute("print('after the map')")
        click = kernel.kc.session.msg(
            "comm_msg", {"comm_id": button, "data": {"method": "custom", "content": {"event": "click"}}}
        )
        kernel.kc.shell_channel.send(click)
        outputs: dict[str, str] = {call: "", queued: ""}
        idle: list[str] = []
        while len(idle) < 2:
            msg = kernel.kc.get_iopub_msg(timeout=30)
            parent = msg["parent_header"].get("msg_id")
            if parent in outputs and msg["msg_type"] == "stream":
                outputs[parent] += msg["content"]["text"]
            if parent in outputs and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                idle.append(parent)
        took = time.monotonic() - started
        answered, rows, stopped = json.loads(outputs[call].strip().splitlines()[-1])
        assert stopped and rows == 60 and 10 <= answered < 59
        assert took < 5.5, "sending stopped when the button was pressed"
        assert idle == [call, queued] and outputs[queued].strip() == "after the map"
    finally:
        kernel.stop()


def test_a_call_that_does_not_wait_runs_beside_other_cells_and_its_stop_button_stops_it(
    rows_server: ReplayServer, tmp_path: Path
) -> None:
    """``wait=False``: the cell returns a handle at once, the next cells run, and the
    progress's Stop button (heard, since no cell is running) stops sending."""
    rows_server.limits = Limits(rpm=600)  # 60 rows would take six seconds
    kernel = _start(rows_server, tmp_path, 60)
    try:
        started = time.monotonic()
        run = kernel.run('handle = claude_nb.map("Summarize: {text}", frame, mode="live", wait=False)')
        assert run.ok, run.error_lines
        assert time.monotonic() - started < 2.5, "the cell waited for the call"
        buttons = [
            m["content"]["comm_id"] for m in run.messages if m["msg_type"] == "comm_open" and _model(m) == "ButtonModel"
        ]
        assert len(buttons) == 1
        during = kernel.run("print(json.dumps([handle.done.is_set(), handle.result is None]))")
        assert during.json_out() == [False, True]
        deadline = time.monotonic() + 20
        while len(rows_server.requests) < 15 and time.monotonic() < deadline:
            time.sleep(0.05)
        click = kernel.kc.session.msg(
            "comm_msg", {"comm_id": buttons[0], "data": {"method": "custom", "content": {"event": "click"}}}
        )
        kernel.kc.shell_channel.send(click)
        ended = kernel.run(
            "out = handle.wait(10)\n"
            "print(json.dumps([int(out.notna().sum()), len(out), handle.stats.stopped, handle.mode]))"
        )
        took = time.monotonic() - started
        assert ended.ok, ended.error_lines
        answered, rows, stopped, mode = ended.json_out()
        assert stopped and mode == "live" and rows == 60 and 10 <= answered < 59
        assert took < 5.5, "sending stopped when the button was pressed"
        summary = [m for m in kernel.all_messages if m["msg_type"] == "update_display_data"][-1]["content"]["data"]
        assert "not done (stopped): run the same call again to finish" in summary["text/plain"]
    finally:
        kernel.stop()


def test_a_kernel_restarted_while_its_batch_runs_adopts_it_with_the_same_call(
    rows_server: ReplayServer, tmp_path: Path
) -> None:
    rows_server.batches.seconds = 1.5
    call = 'out = claude_nb.map("Summarize: {text}", frame, mode="batch")'
    kernel = _start(rows_server, tmp_path, 12)
    try:
        kernel.kc.execute(call)  # the cell is not awaited: the kernel dies while it polls
        deadline = time.monotonic() + 30
        while not rows_server.batches.created and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
    finally:
        kernel.stop()
    assert len(rows_server.batches.created) == 1
    again = _start(rows_server, tmp_path, 12)
    try:
        run = again.run(call + "\nprint(json.dumps([int(out.notna().sum()), claude_nb.last_map().batches]))")
        assert run.ok, run.error_lines
        answered, batches = run.json_out()
        assert answered == 11  # the tagged row is refused
        assert batches == [rows_server.batches.created[0].id]
    finally:
        again.stop()
    assert len(rows_server.batches.created) == 1, "the running batch was adopted, not made again"
