"""Record a real run to a cassette and replay it in a fresh kernel with no key and no
reachable server; demo mode in a kernel started with CLAUDE_NB_DEMO=1."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from claude_nb.offline.cassette import Cassette, CassetteError
from claude_nb.replay import ReplayServer

from ..conftest import SENTINEL_KEY, kernel_env
from ..kernel import Kernel

pytestmark = pytest.mark.sdk  # run again against the oldest supported SDK

CONTENT = "import json; print(json.dumps([b.model_dump(mode='json') for b in _claude.content]))"


def _no_key_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_NB_"))}
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    env["ANTHROPIC_BASE_URL"] = "http://127.0.0.1:9"  # nothing listens there
    return env


def test_record_then_replay_with_no_key_and_no_server(replay: ReplayServer, tmp_path: Path) -> None:
    path = tmp_path / "answer.jsonl"
    kernel = Kernel(kernel_env(replay))
    try:
        kernel.run("%load_ext claude_nb")
        run = kernel.run(f"%%claude --new --record {path}\nreplay:broken_once tell me", timeout=120)
        assert run.ok, run.error_lines
        recorded = json.loads(kernel.run(CONTENT).stdout.strip().splitlines()[-1])
    finally:
        kernel.stop()
    text = path.read_text()
    assert SENTINEL_KEY not in text and "x-api-key" not in text.lower() and "authorization" not in text.lower()
    cassette = Cassette.read(path)
    assert len(cassette.turns) == 2, "the broken stream and its continuation"
    fresh = Kernel(_no_key_env())
    try:
        fresh.run("%load_ext claude_nb\n%config Claude.demo_tokens_per_second = 0", timeout=60)
        run = fresh.run(f"%%claude --replay {path}\nreplay:broken_once tell me", timeout=120)
        assert run.ok, run.error_lines
        replayed = json.loads(fresh.run(CONTENT).stdout.strip().splitlines()[-1])
        assert replayed == recorded
        other = fresh.run(f"%%claude --new --replay {path}\nsomething else entirely", timeout=120)
        assert other.ok and any("another prompt" in m["content"].get("text", "") for m in other.messages)
    finally:
        fresh.stop()


def test_a_cassette_of_another_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "v9.jsonl"
    path.write_text(json.dumps({"format": "claude_nb.cassette", "version": 9}) + "\n")
    try:
        Cassette.read(path)
    except CassetteError as exc:
        assert "version 9" in str(exc)
    else:
        raise AssertionError("a version 9 cassette was read")


def test_demo_mode_from_the_environment_answers_a_table() -> None:
    env = {**_no_key_env(), "CLAUDE_NB_DEMO": "1"}
    kernel = Kernel(env)
    try:
        kernel.run("%load_ext claude_nb\n%config Claude.demo_tokens_per_second = 0", timeout=60)
        run = kernel.run("%%claude\nShow me a markdown table, please.", timeout=120)
        assert run.ok, run.error_lines
        bundles = [
            m["content"]["data"] for m in run.messages if m["msg_type"] in ("display_data", "update_display_data")
        ]
        final = bundles[-1]
        assert "<table>" in final["text/html"] and "recorded answer" in final["text/html"]
        assert "recorded answer" in final["text/plain"]
    finally:
        kernel.stop()


def test_the_no_key_error_suggests_demo_mode() -> None:
    kernel = Kernel(_no_key_env())
    try:
        kernel.run("%load_ext claude_nb")
        run = kernel.run("%%claude\nhello", timeout=60)
        assert not run.ok and any("%claude demo" in line for line in run.error_lines)
    finally:
        kernel.stop()
