"""Without a widget frontend (a script, terminal IPython) text streams to stdout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from claude_nb.replay import ReplayServer

from ..conftest import SENTINEL_KEY, kernel_env

pytestmark = pytest.mark.sdk  # run again against the oldest supported SDK


def test_plain_script_streams_to_stdout(replay: ReplayServer) -> None:
    code = (
        "import claude_nb\nm = claude_nb.stream('replay:thinking go', thinking='adaptive')\n"
        "print('BOUND', m.stop_reason)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=kernel_env(replay), capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert "## Answer" in out.stdout and "BOUND end_turn" in out.stdout
    assert "[thinking…]" in out.stdout
    assert SENTINEL_KEY not in out.stdout + out.stderr


def test_terminal_ipython_magic_binds_result(replay: ReplayServer, tmp_path: Path) -> None:
    check = tmp_path / "check.ipy"
    check.write_text(
        "%load_ext claude_nb\n"
        "get_ipython().run_cell_magic('claude', '-o ans', 'replay:rich hello')\n"
        "print('STOP', ans.stop_reason, len(ans.content[0].text))\n"
    )
    out = subprocess.run(
        [sys.executable, "-m", "IPython", "--no-banner", "--colors=nocolor", str(check)],
        env=kernel_env(replay),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "# Streaming report" in out.stdout
    assert "STOP end_turn" in out.stdout


def test_binder_start_turns_demo_mode_on() -> None:
    import os

    root = Path(__file__).resolve().parent.parent.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    code = "import os; print(os.environ['CLAUDE_NB_DEMO'])"
    out = subprocess.run(
        [str(root / "binder" / "start"), sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1"
