"""Shared fixtures: the loopback API and a real ipykernel talking to it."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from claude_nb.replay import ReplayServer

from .kernel import CellRun, Kernel
from .scenarios import chooser

__all__ = ["SENTINEL_KEY", "CellRun", "Kernel", "kernel_env"]

SENTINEL_KEY = "sk-ant-api03-SENTINEL-" + "Zq9" * 12


@pytest.fixture(scope="session")
def replay() -> Iterator[ReplayServer]:
    with ReplayServer(chooser=chooser) as server:
        yield server


@pytest.fixture(scope="module")
def server() -> Iterator[ReplayServer]:
    """A loopback API of the test module's own, for tests that change its settings or
    read its cache and request log without other modules' requests in between."""
    with ReplayServer(chooser=chooser) as s:
        yield s


@pytest.fixture
def api(server: ReplayServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[ReplayServer]:
    """This process talks to the module's loopback API with a key, as a script would."""
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", SENTINEL_KEY)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    monkeypatch.delenv("CLAUDE_NB_DEMO", raising=False)
    yield server
    server.counting_hold = None


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Demo mode with no key, its recorded answers streamed at full speed (the pace is
    for people watching)."""
    from claude_nb.offline import endpoint as _offline
    from claude_nb.offline import playback as _playback

    monkeypatch.setenv("CLAUDE_NB_DEMO", "1")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setattr(_offline, "set_speed", lambda _rate: _playback.set_speed(0))


def kernel_env(replay: ReplayServer, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env.update(
        {
            "ANTHROPIC_BASE_URL": replay.base_url,
            "ANTHROPIC_API_KEY": SENTINEL_KEY,
            "NO_PROXY": "127.0.0.1,localhost",
            "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        }
    )
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def kernel(replay: ReplayServer) -> Iterator[Kernel]:
    k = Kernel(kernel_env(replay))
    setup = k.run("%load_ext claude_nb\nimport claude_nb, json")
    assert setup.ok, setup.error_lines
    yield k
    k.stop()
