"""Settings as traitlets, so ``%config Claude.model = ...`` and ``ipython_config.py`` work."""

from __future__ import annotations

import os
import typing

from traitlets import Bool, Float, Int, Unicode, Union, default, observe
from traitlets.config import Configurable

DEFAULT_CONTEXT_CHARS = 4000
"""Most characters one ``{name}`` value sends (a DataFrame's description included)."""
DEFAULT_FILE_CHARS = 20_000
"""Most characters of a text file a Path in ``{name}`` sends."""

_FALLBACK_MODEL = "claude-sonnet-4-5"


def default_model() -> str:
    """The first Sonnet in the installed SDK's model list (it lists newest first), so
    the default follows SDK upgrades instead of a table kept by hand."""
    from anthropic.types import ModelParam

    for arg in typing.get_args(ModelParam):
        for name in typing.get_args(arg):
            if isinstance(name, str) and "sonnet" in name:
                return name
    return _FALLBACK_MODEL


class Claude(Configurable):
    """Defaults for ``%%claude`` and ``claude_nb.stream``."""

    model = Unicode(help="Model used when -m is not given (default: the newest Sonnet the SDK names).").tag(config=True)
    max_tokens = Int(4096, help="max_tokens when --max-tokens is not given.").tag(config=True)
    system = Unicode("", help="System prompt used when -s is not given.").tag(config=True)
    thinking = Union(
        [Bool(), Int(), Unicode()],
        default_value="adaptive",
        help="Thinking: 'adaptive' (default: adaptive thinking, with its text, wherever the Models API says "
        "the model takes it), a budget in tokens (>= 1024) for 'enabled', or off (False or 'off': "
        "'disabled' where the model takes it, else 'between_tools').",
    ).tag(config=True)
    thinking_display = Unicode(
        "summarized",
        help="What thinking shows: 'summarized' (its text) or 'omitted' (only a signature, faster; newer "
        "models' own default, which would leave the pane empty). Sent whenever thinking is on.",
    ).tag(config=True)
    temperature = Float(
        None,
        allow_none=True,
        help="Deprecated: never sent, since API version 2026-10-21 (every SDK 2.x) refuses sampling "
        "parameters; an answer asked with it says so in its footer.",
    ).tag(config=True)
    effort = Unicode(
        "",
        help="How much effort the model spends: 'low', 'medium', 'high', 'xhigh' or 'max', sent as "
        "output_config.effort ('' leaves it to the API).",
    ).tag(config=True)
    out = Unicode("_claude", help="Variable the final Message is bound to.").tag(config=True)
    frame_interval = Float(0.05, help="Seconds between frontend updates while streaming.").tag(config=True)
    allow_remote_images = Bool(
        False, help="Load images from remote URLs in answers (off: a remote image could leak data)."
    ).tag(config=True)
    connect_timeout = Float(10.0, help="Seconds to wait for a connection to the API.").tag(config=True)
    read_timeout = Float(
        120.0, help="Longest silence (seconds) tolerated mid-stream; pings keep a live stream from it."
    ).tag(config=True)
    timeout = Float(None, allow_none=True, help="Deprecated alias of read_timeout.").tag(config=True)
    max_retries = Int(
        2, help="Retries of a failed request before the stream starts (429, 5xx, connection errors)."
    ).tag(config=True)
    max_resumes = Int(
        3, help="Times a stream that broke mid-answer is continued from what arrived before giving up."
    ).tag(config=True)
    max_turns = Int(10, help="Most model turns of one answer in a tool loop (tool calls run between turns).").tag(
        config=True
    )
    agent_approval = Unicode(
        "ask", help="--agent runs code after the user's Run click ('ask') or without asking ('auto')."
    ).tag(config=True)
    agent_max_runs = Int(10, help="Most code runs of one --agent cell (Claude is told when it is reached).").tag(
        config=True
    )
    agent_run_timeout = Float(
        60.0, help="Seconds one --agent code run may take before it is interrupted (what it printed is kept)."
    ).tag(config=True)
    tool_result_chars = Int(
        100_000, help="Most characters of one tool result sent to the model (the rest is cut, and said so)."
    ).tag(config=True)
    context_chars = Int(
        DEFAULT_CONTEXT_CHARS,
        help="Most characters a DataFrame or Series in {name} becomes: its shape, columns, ranges "
        "and a sample of rows, never the whole frame.",
    ).tag(config=True)
    file_chars = Int(DEFAULT_FILE_CHARS, help="Most characters of a text file a Path in {name} sends.").tag(config=True)
    cache = Bool(
        True,
        help="Prompt caching: mark the conversation so far (and a long system prompt) for the API's "
        "cache, so each cell rereads the earlier ones at a tenth of the price.",
    ).tag(config=True)
    budget_tokens = Int(
        50_000,
        help="Requests estimated above this many input tokens are counted (the API's free count) and "
        "their size shown before sending; one over the model's context window is stopped.",
    ).tag(config=True)
    base_url = Unicode(
        None, allow_none=True, help="API base URL; ANTHROPIC_BASE_URL or the SDK default when unset."
    ).tag(config=True)
    demo = Bool(
        help="Demo mode: recorded answers from an in-process endpoint, no key or network "
        "(default: on when CLAUDE_NB_DEMO is 1; %claude demo / %claude demo off).",
    ).tag(config=True)
    demo_tokens_per_second = Float(
        80.0, help="How fast recorded answers (demo mode, --replay) stream; 0 sends them at once."
    ).tag(config=True)

    @default("demo")
    def _default_demo(self) -> bool:
        return os.environ.get("CLAUDE_NB_DEMO", "").strip().lower() in ("1", "true", "yes", "on")

    @default("model")
    def _default_model(self) -> str:
        # Computed when first read: it needs the SDK, which takes seconds to import.
        return default_model()

    @observe("timeout")
    def _timeout_is_read_timeout(self, change: dict[str, object]) -> None:
        if isinstance(change["new"], (int, float)):
            self.read_timeout = float(change["new"])
