"""What ``%%claude`` and ``%claude`` promise around the stream, in a real kernel: help,
status, settings through %config, the key, interpolation, the saved fallbacks, start-up."""

from __future__ import annotations

import html as htmllib
import json
import re
import subprocess
import sys
from typing import Any

import pytest

from claude_nb.replay import ReplayServer, message_script

from ..conftest import SENTINEL_KEY, Kernel, kernel_env

pytestmark = pytest.mark.sdk  # run again against the oldest supported SDK


def test_usage_line_and_line_magic_help(kernel: Kernel) -> None:
    run = kernel.run("%%claude?\n")
    text = json.dumps(run.reply["content"].get("payload", [])) + run.stdout
    assert "%%claude [-m MODEL]" in text
    for option in ("--thinking-display", "--raw", "--new", "--max-tokens"):
        assert option in text
    run = kernel.run("%claude?")
    text = json.dumps(run.reply["content"].get("payload", [])) + run.stdout
    for command in ("status", "reset", "history", "login", "logout"):
        assert command in text


def test_status_tells_where_requests_go(kernel: Kernel, replay: ReplayServer) -> None:
    out = kernel.run("%claude").stdout
    assert f"{replay.base_url} (from ANTHROPIC_BASE_URL; a loopback server on this machine)" in out
    assert re.search(r"sdk\s+anthropic \d+\.\d+", out)
    assert "ANTHROPIC_API_KEY" in out and SENTINEL_KEY not in out
    assert kernel.run("%claude status").stdout == out
    bad = kernel.run("%claude frobnicate")
    assert not bad.ok and "status, reset, history" in "\n".join(bad.error_lines)


def test_config_settings_take_effect(kernel: Kernel, replay: ReplayServer) -> None:
    kernel.run(
        "%config Claude.model = 'claude-configured'\n%config Claude.max_tokens = 777\n"
        "%config Claude.system = 'From config.'\n%config Claude.temperature = 0.5\n%config Claude.out = 'configured'"
    )
    try:
        run = kernel.run("%%claude --new\nreplay:echo hi")
        assert run.ok, run.error_lines
        assert "temperature not sent" in run.of_type("update_display_data")[-1]["content"]["data"]["text/plain"]
        body = replay.requests[-1].body
        assert (body["model"], body["max_tokens"], body["system"]) == ("claude-configured", 777, "From config.")
        assert "temperature" not in body  # API version 2026-10-21 refuses it
        bound = kernel.run("import anthropic\nprint(isinstance(configured, anthropic.types.Message), configured.model)")
        assert bound.stdout.split() == ["True", "claude-configured"]
        # A cell option beats the setting.
        assert kernel.run("%%claude --new -m claude-cell --max-tokens 55\nreplay:echo hi").ok
        assert (replay.requests[-1].body["model"], replay.requests[-1].body["max_tokens"]) == ("claude-cell", 55)
    finally:
        kernel.run(
            "%config Claude.model = claude_nb.core.config.default_model()\n%config Claude.max_tokens = 4096\n"
            "%config Claude.system = ''\n%config Claude.temperature = None\n%config Claude.out = '_claude'"
        )


def test_interpolation_leaves_code_alone_and_raw_sends_as_written(kernel: Kernel, replay: ReplayServer) -> None:
    kernel.run("name = 'Ada'")
    prompt = 'replay:echo hello {name}\n\n```python\nprint(f"{name}")\n```\n\nand `{name}` stays, {name} not'
    assert kernel.run(f"%%claude --new\n{prompt}").ok
    assert replay.requests[-1].body["messages"][-1]["content"] == prompt.replace("hello {name}", "hello Ada").replace(
        "{name} not", "Ada not"
    )
    assert kernel.run(f"%%claude --new --raw\n{prompt}").ok
    assert replay.requests[-1].body["messages"][-1]["content"] == prompt


CODE_ANSWER = (
    "Use generics:\n\n```java\nList<String> xs = new ArrayList<>();\n```\n\n"
    '```html\n<div class="x">hi</div>\n```\n\nInline `List<String>` and raw <b>bold</b> here.\n'
)


def test_saved_fallbacks_keep_code_exact(kernel: Kernel, replay: ReplayServer) -> None:
    replay.queue(message_script([{"type": "text", "text": CODE_ANSWER}]))
    run = kernel.run("%%claude --new\nshow code")
    assert run.ok, run.error_lines
    data = run.of_type("update_display_data")[-1]["content"]["data"]
    assert data["text/plain"].startswith(CODE_ANSWER)
    markdown = data["text/markdown"]
    assert "```java\nList<String> xs = new ArrayList<>();\n```" in markdown
    assert '```html\n<div class="x">hi</div>\n```' in markdown
    assert "Inline `List<String>` and raw &lt;b>bold&lt;/b> here." in markdown
    html = data["text/html"]
    assert "<b>bold</b>" not in html and '<div class="x">' not in html
    shown = htmllib.unescape(re.sub(r"<[^>]+>", "", html))  # what a reader sees
    for text in ("List<String> xs = new ArrayList<>();", '<div class="x">hi</div>', "raw <b>bold</b> here"):
        assert text in shown


def test_error_footer_keeps_its_colour_class(kernel: Kernel) -> None:
    run = kernel.run("%%claude --new\nreplay:overloaded_midstream")
    assert not run.ok
    html = run.of_type("update_display_data")[-1]["content"]["data"]["text/html"]
    assert 'class="cnb-footer cnb-status-error"' in html
    assert ".cnb .cnb-footer.cnb-status-error" in html  # the rule that makes it red


WATCH_THE_SDK_IMPORT = """
import sys, threading
IMPORTED_BY = []
class _Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "anthropic":
            IMPORTED_BY.append(threading.current_thread().name)
        return None
sys.meta_path.insert(0, _Watch())
"""


def test_load_ext_leaves_the_sdk_import_to_a_thread_of_its_own(replay: ReplayServer) -> None:
    """Importing the SDK takes seconds: ``%load_ext`` must not make the cell wait for it."""
    kernel = Kernel(kernel_env(replay))
    try:
        assert kernel.run(WATCH_THE_SDK_IMPORT).ok
        run = kernel.run("%load_ext claude_nb\nprint('on load:', IMPORTED_BY, 'anthropic' in sys.modules)")
        assert run.ok, run.error_lines
        assert "on load: [] False" in run.stdout or "on load: ['claude-nb-warm-sdk']" in run.stdout, run.stdout
        waited = kernel.run(
            "import time\nfor _ in range(300):\n    if 'anthropic' in sys.modules: break\n    time.sleep(0.1)\n"
            "print('imported by:', IMPORTED_BY)"
        )
        assert "imported by: ['claude-nb-warm-sdk']" in waited.stdout, waited.stdout
        # The first cell still works (the SDK was warmed, or is imported now).
        assert kernel.run("%%claude\nreplay:echo first").ok
    finally:
        kernel.stop()


CATCH_NO_KEY = """
import claude_nb
try:
    claude_nb.stream('hi')
except claude_nb.ClaudeError as error:
    print(type(error).__name__)
    print(str(error).splitlines()[0])
    print(str(error))
except BaseException as other:  # SystemExit would end a web app or a test run
    print('escaped', type(other).__name__)
"""


def test_a_script_without_a_key_can_catch_a_claude_error(replay: ReplayServer) -> None:
    """A library never exits its caller: no key is a ``MissingKeyError`` (a
    ``ClaudeError``) whose first line names the variable, worded for a script."""
    env = {k: v for k, v in kernel_env(replay).items() if not k.startswith("ANTHROPIC_API")}
    env.pop("ANTHROPIC_AUTH_TOKEN", None)
    before = len(replay.requests)
    out = subprocess.run([sys.executable, "-c", CATCH_NO_KEY], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "MissingKeyError" and "ANTHROPIC_API_KEY" in lines[1], out.stdout
    assert "%claude" not in out.stdout and "CLAUDE_NB_DEMO=1" in out.stdout
    assert len(replay.requests) == before


MEMORY_KEY = "sk-ant-memory-key-" + "x7" * 10


def test_auth_token_and_login_logout(replay: ReplayServer) -> None:
    env = {k: v for k, v in kernel_env(replay).items() if k != "ANTHROPIC_API_KEY"}
    env["ANTHROPIC_AUTH_TOKEN"] = SENTINEL_KEY
    env["TYPED_KEY"] = MEMORY_KEY  # what the user types at the hidden prompt
    k = Kernel(env)
    try:
        assert k.run("%load_ext claude_nb").ok
        assert "ANTHROPIC_AUTH_TOKEN" in k.run("%claude").stdout
        assert k.run("%%claude\nreplay:echo with a token").ok
        assert replay.requests[-1].headers.get("authorization") == f"Bearer {SENTINEL_KEY}"
        # login puts a key in memory (here without a prompt: getpass reads a pipe), logout forgets it.
        login = k.run("import getpass, os\ngetpass.getpass = lambda prompt='': os.environ['TYPED_KEY']\n%claude login")
        assert login.ok and "in memory" in login.stdout
        assert "%claude login (in memory)" in k.run("%claude").stdout
        assert k.run("%%claude\nreplay:echo with the memory key").ok
        sent = replay.requests[-1].headers
        assert MEMORY_KEY in (sent.get("x-api-key", "") + sent.get("authorization", ""))
        assert k.run("%claude logout").ok
        assert "ANTHROPIC_AUTH_TOKEN" in k.run("%claude").stdout
        everything = json.dumps(k.all_messages, default=str)
        assert MEMORY_KEY not in everything and SENTINEL_KEY not in everything
    finally:
        k.stop()


def test_effort_goes_as_output_config(kernel: Kernel, replay: ReplayServer) -> None:
    run = kernel.run("%%claude --new --effort low\nreplay:echo hi")
    assert run.ok, run.error_lines
    assert replay.requests[-1].body["output_config"] == {"effort": "low"}
    kernel.run("%config Claude.effort = 'high'")
    try:
        assert kernel.run("%%claude --new\nreplay:echo hi").ok
        assert replay.requests[-1].body["output_config"] == {"effort": "high"}
        sent = len(replay.requests)
        bad = kernel.run("%%claude --new --effort extreme\nreplay:echo hi")
        assert not bad.ok and "--effort takes one of low, medium, high, xhigh, max" in "\n".join(bad.error_lines)
        assert len(replay.requests) == sent
    finally:
        kernel.run("%config Claude.effort = ''")
    assert kernel.run("%%claude --new\nreplay:echo hi").ok
    assert "output_config" not in replay.requests[-1].body


def test_a_finished_answer_says_who_wrote_it_in_its_saved_metadata(kernel: Kernel, replay: ReplayServer) -> None:
    run = kernel.run("%%claude --new -m claude-sonnet-5-5\nreplay:rich hi")
    assert run.ok, run.error_lines
    about = run.of_type("update_display_data")[-1]["content"]["metadata"]["claude_nb"]
    assert about["model"] == "claude-sonnet-5-5" and about["stop_reason"] == "end_turn"
    assert about["message_id"].startswith("msg_") and about["request_id"].startswith("req_")
    assert about["usage"]["output_tokens"] > 0 and about["status"] == "done"
    assert about["finished"].endswith("+00:00")


PYTHON_AND_SHELL = (
    "Here is the code:\n\n```python\ndef ratio(a, b):\n    return a / b\n\nprint(ratio(1, 0))\n```\n\n"
    "And run it with:\n\n```bash\npython ratio.py --verbose\n```\n"
)


def test_claude_code_puts_the_answers_code_in_a_new_cell_below(kernel: Kernel, replay: ReplayServer) -> None:
    replay.queue(message_script([{"type": "text", "text": PYTHON_AND_SHELL}]))
    assert kernel.run("%%claude --new\nwrite code").ok

    def inserted(line: str) -> dict[str, Any]:
        run = kernel.run(line)
        assert run.ok, run.error_lines
        (payload,) = [p for p in run.reply["content"]["payload"] if p["source"] == "set_next_input"]
        return payload  # type: ignore[no-any-return]

    python = inserted("%claude code")
    assert python["text"] == "def ratio(a, b):\n    return a / b\n\nprint(ratio(1, 0))"
    assert python["replace"] is False  # a new cell below, the current one kept
    assert inserted("%claude code 2")["text"] == "python ratio.py --verbose"
    assert inserted("%claude code 1")["text"] == python["text"]
    wrong = kernel.run("%claude code 3")
    assert not wrong.ok and "block number from 1 to 2" in "\n".join(wrong.error_lines)


def test_claude_fix_asks_about_the_last_error_with_the_users_frames_only(kernel: Kernel, replay: ReplayServer) -> None:
    kernel.run("def ratio(a, b):\n    return a / b")
    failed = kernel.run("total = 10\nshare = ratio(total, 0)\nprint(share)")
    assert not failed.ok
    run = kernel.run("%claude fix")
    assert run.ok, run.error_lines
    sent = replay.requests[-1].body["messages"][-1]["content"]
    assert isinstance(sent, str) and len(sent.encode()) < 8_000
    assert "ZeroDivisionError: division by zero" in sent
    assert "notebook cell, line 2, in <module>: share = ratio(total, 0)" in sent
    assert "notebook cell, line 2, in ratio: return a / b" in sent
    assert "share = ratio(total, 0)  # <-- the error" in sent and "print(share)" in sent  # the cell that raised
    assert "ipykernel" not in sent and "IPython" not in sent and "interactiveshell" not in sent
    assert run.of_type("update_display_data"), "the answer streams in a view like any other"
    # The cell form: the user's question first, then the same report, never interpolated.
    run = kernel.run("%%claude --fix\nWhy {total}?")
    assert run.ok, run.error_lines
    sent = replay.requests[-1].body["messages"][-1]["content"]
    assert sent.startswith("Why 10?") and "ZeroDivisionError: division by zero" in sent


def test_claude_fix_without_an_error_says_so(replay: ReplayServer) -> None:
    fresh = Kernel(kernel_env(replay))
    try:
        fresh.run("%load_ext claude_nb")
        run = fresh.run("%claude fix")
        assert not run.ok and "no error to fix yet" in "\n".join(run.error_lines)
    finally:
        fresh.stop()


SCHEMAS = """
import pydantic
class City(pydantic.BaseModel):
    name: str
    population: int
counted = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
"""


def test_schema_sends_output_config_format_and_binds_the_parsed_object(kernel: Kernel, replay: ReplayServer) -> None:
    assert kernel.run(SCHEMAS).ok
    replay.queue(message_script([{"type": "text", "text": '{"name": "Paris", "population": 2100000}'}]))
    run = kernel.run("%%claude --new --schema City -o city --effort low\nThe biggest city of France?")
    assert run.ok, run.error_lines
    config = replay.requests[-1].body["output_config"]
    assert config["effort"] == "low" and config["format"]["type"] == "json_schema"
    assert set(config["format"]["schema"]["properties"]) == {"name", "population"}
    # Shown as JSON code as it streams, laid out once whole; saved so too.
    saved = run.of_type("update_display_data")[-1]["content"]["data"]["text/html"]
    assert 'class="language-json' in saved
    shown = htmllib.unescape(re.sub(r"<[^>]+>", "", saved))
    assert '{\n  "name": "Paris",\n  "population": 2100000\n}' in shown
    bound = kernel.run("print(type(city).__name__, city.name, city.population)")
    assert bound.stdout.split() == ["City", "Paris", "2100000"]
    assert kernel.run("print(claude_nb.last_view().message.stop_reason)").stdout.strip() == "end_turn"
    # A JSON-schema dict binds the parsed dict.
    replay.queue(message_script([{"type": "text", "text": '{"n": 7}'}]))
    assert kernel.run("%%claude --new --schema counted -o n\nHow many?").ok
    assert replay.requests[-1].body["output_config"]["format"]["schema"]["required"] == ["n"]
    assert kernel.run("print(n)").stdout.strip() == "{'n': 7}"
    # An answer cut short keeps the Message and says why it is not the object.
    replay.queue(message_script([{"type": "text", "text": '{"name": "Par'}], stop_reason="max_tokens"))
    cut = kernel.run("%%claude --new --schema City -o city\nAgain?")
    assert not cut.ok and "the answer is not a City" in "\n".join(cut.error_lines)
    assert "stop reason: max_tokens" in "\n".join(cut.error_lines)
    kept = kernel.run("import anthropic\nprint(isinstance(city, anthropic.types.Message), city.content[0].text)")
    assert kept.stdout.split() == ["True", '{"name":', '"Par']
    wrong = kernel.run("%%claude --new --schema total\nx")
    assert not wrong.ok and "pydantic model or a JSON-schema dict" in "\n".join(wrong.error_lines)


def test_claude_models_lists_the_apis_models_and_unsupported_options_are_refused(
    kernel: Kernel, replay: ReplayServer
) -> None:
    run = kernel.run("%claude models")
    assert run.ok, run.error_lines
    lines = run.stdout.splitlines()
    assert lines[0].split()[:4] == ["id", "name", "released", "context"]
    ids = [line.split()[0] for line in lines[1:]]
    assert ids[:2] == ["claude-fable-5-2", "claude-sonnet-5-5"] and ids[-1] == "claude-haiku-4-5"  # newest first
    haiku = next(line for line in lines if line.startswith("claude-haiku-4-5"))
    assert "200,000" in haiku and "64,000" in haiku
    assert haiku.split()[-4:] == ["enabled,disabled", "no", "yes", "active"]  # thinking types, effort, schema
    retiring = next(line for line in lines if line.startswith("claude-opus-4-5"))
    assert retiring.endswith("deprecated, retires 2027-01-22")
    # An option the model's entry says it lacks is refused before anything is sent.
    sent = len(replay.requests)
    refused = kernel.run("%%claude --new -m claude-haiku-4-5 --effort low\nreplay:echo hi")
    assert not refused.ok and "claude-haiku-4-5 does not support effort" in "\n".join(refused.error_lines)
    assert not [r for r in replay.requests[sent:] if r["path"].endswith("/v1/messages")]
    # Supported, or a model the Models API does not list: sent as asked.
    assert kernel.run("%%claude --new -m claude-haiku-4-5 --thinking 2048\nreplay:echo hi").ok
    assert kernel.run("%%claude --new -m claude-unlisted-1 --effort low\nreplay:echo hi").ok
    assert replay.requests[-1].body["output_config"] == {"effort": "low"}


def test_history_says_who_wrote_each_answer(kernel: Kernel, replay: ReplayServer) -> None:
    assert kernel.run("%%claude --new -m claude-sonnet-5-5\nreplay:rich hi").ok
    history = kernel.run("%claude history").stdout
    about = history.strip().splitlines()[-1]
    assert about.startswith("    (claude-sonnet-5-5 · msg_") and "request req_" in about
    assert "out tokens" in about and "stop: end_turn" in about
