"""Resume and retries as a notebook user meets them: ``%%claude`` in a real kernel."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from claude_nb.replay import HttpError, ReplayServer, Script

from ..conftest import Kernel
from ..notebook.test_magic_kernel import state
from ..scenarios import CUT_AT, FULL_ANSWER

pytestmark = pytest.mark.sdk  # run again against the oldest supported SDK


@pytest.mark.parametrize(("flags", "last_role"), [("", "user"), ("-m claude-sonnet-4-5 --no-thinking", "assistant")])
def test_a_cell_survives_an_overloaded_stream(kernel: Kernel, replay: ReplayServer, flags: str, last_role: str) -> None:
    before = len(replay.requests)
    run = kernel.run(f"%%claude --new -o whole {flags}\nreplay:broken_once tell me", cell_id="r1")
    assert run.ok, run.error_lines
    sent = [r for r in replay.requests[before:] if r["path"].endswith("/v1/messages")]
    assert len(sent) == 2
    assert sent[1].body["messages"][-1]["role"] == last_role
    assert FULL_ANSWER[:CUT_AT].rstrip() in json.dumps(sent[1].body["messages"], ensure_ascii=False)
    s = state(kernel, "whole")
    assert s["status"] == "done" and s["text"] == FULL_ANSWER
    assert [b["text"] for b in s["bound"]["content"]] == [FULL_ANSWER]
    assert "resumed once" in s["html"]
    data = run.of_type("update_display_data")[-1]["content"]["data"]
    assert data["text/plain"].count("cut off half way") == 1
    # The conversation holds the whole answer as one turn.
    assert kernel.run("%%claude\nreplay:echo next", cell_id="r2").ok
    # (with the prompt-cache breakpoint the end of the history carries)
    assert replay.requests[-1].body["messages"][1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": FULL_ANSWER, "cache_control": {"type": "ephemeral"}}],
    }


def test_a_silent_stream_gives_up_with_a_short_read_timeout(kernel: Kernel) -> None:
    kernel.run("%config Claude.read_timeout = 0.5\n%config Claude.max_resumes = 1")
    try:
        start = time.monotonic()
        run = kernel.run("%%claude --new -o cut\nreplay:stall", timeout=60)
        assert time.monotonic() - start < 10
        assert not run.ok and len(run.error_lines) <= 12
        s = state(kernel, "cut")
        assert s["status"] == "error" and s["text"] == "This answer is cut off half way through"
        keys = kernel.run("print(sorted(k[2] for k in claude_nb.wire.client._clients))").stdout
        assert "(10.0, 0.5)" in keys  # a client for the new setting; the old one is kept for its own
    finally:
        kernel.run("%config Claude.read_timeout = 120.0\n%config Claude.max_resumes = 3")


def test_a_rate_limited_cell_says_it_waits_then_succeeds(kernel: Kernel, replay: ReplayServer) -> None:
    replay.queue(Script(error=HttpError(429, "rate_limit_error", "Too many requests", retry_after_ms=700)))
    start = time.monotonic()
    run = kernel.run("%%claude --new\nreplay:rich hello")
    assert run.ok, run.error_lines
    assert time.monotonic() - start >= 0.7
    live = [
        m["content"]["data"]["content"]
        for m in run.of_type("comm_msg")
        if m["content"]["data"].get("method") == "custom"
    ]
    said = [m.get("foot", "") for m in live]
    assert any("retrying in 0.7 s (attempt 2/3: rate limited)" in f for f in said), said
    assert state(kernel)["status"] == "done"


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server that accepts every connection and never answers, not even headers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()
    for conn in held:
        conn.close()


def test_a_server_that_never_answers_ends_the_cell_within_one_read_timeout(kernel: Kernel, silent_server: str) -> None:
    kernel.run(f"%config Claude.read_timeout = 3.0\n%config Claude.base_url = {silent_server!r}")
    try:
        start = time.monotonic()
        run = kernel.run("%%claude --new -m claude-sonnet-5-6\nhello?", timeout=60)
        took = time.monotonic() - start
        print(f"silent server: cell ended after {took:.1f} s")
        assert took < 10, f"{took:.1f} s"
        assert not run.ok and len(run.error_lines) <= 3
        assert "no answer from the API" in "\n".join(run.error_lines)
        assert "no answer from the API" in state(kernel)["html"]
    finally:
        kernel.run("%config Claude.read_timeout = 120.0\n%config Claude.base_url = None")
