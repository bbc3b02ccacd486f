"""``%%claude`` in a real ipykernel against the loopback API, through the real SDK."""

from __future__ import annotations

import json
import re

import anthropic
import pytest

from claude_nb.replay import ReplayServer
from claude_nb.replay._rules import sign_thinking
from claude_nb.replay._scenarios import THINKING

from ..conftest import SENTINEL_KEY, Kernel, kernel_env

pytestmark = pytest.mark.sdk  # run again against the oldest supported SDK

STATE = """
v = claude_nb.last_view()
print(json.dumps({"text": v.text, "thinking": v.thinking, "tool_calls": v.tool_calls,
  "status": v.status, "html": v.to_html(), "error": v.error,
  "bound": {NAME}.model_dump(mode="json") if "{NAME}" in globals() and {NAME} is not None else None}))
"""


def state(kernel: Kernel, name: str = "_claude") -> dict:
    run = kernel.run(STATE.replace("{NAME}", name))
    assert run.ok, run.error_lines
    return run.json_out()


def sdk_final(replay: ReplayServer, prompt: str, **params) -> anthropic.types.Message:
    client = anthropic.Anthropic(api_key="sk-test", base_url=replay.base_url)
    params = {"model": "claude-sonnet-5-5", "max_tokens": 100, **params}
    with client.messages.stream(messages=[{"role": "user", "content": prompt}], **params) as s:
        return s.get_final_message()


def test_thinking_asks_for_its_text_and_binds_the_message(kernel: Kernel, replay: ReplayServer) -> None:
    before = len(replay.requests)
    run = kernel.run("%%claude --new -o answer --thinking 2048 -m claude-test-model\nreplay:thinking plan it")
    assert run.ok, run.error_lines
    # Thinking asked for: the model's entry in the Models API is read first (once).
    (request,) = [r.body for r in replay.requests[before:] if r["path"].endswith("/v1/messages")]
    assert request["model"] == "claude-test-model"
    # Newer models omit thinking text unless asked: the magic asks.
    assert request["thinking"] == {"type": "enabled", "budget_tokens": 2048, "display": "summarized"}
    assert request["max_tokens"] == 4096  # the default is room enough for a 2048 budget
    assert request["stream"] is True
    s = state(kernel, "answer")
    assert s["status"] == "done"
    assert s["text"] == "## Answer\n\n1. first\n2. second\n"
    assert s["thinking"].startswith("The user wants a short answer.")
    bound = s["bound"]
    assert [b["type"] for b in bound["content"]] == ["thinking", "text"]
    # Equal to the SDK's own accumulation of the same request.
    expected = sdk_final(
        replay, "replay:thinking plan it", model="claude-test-model", thinking=request["thinking"], max_tokens=4096
    )
    assert bound["content"] == expected.model_dump(mode="json")["content"]


def test_thinking_modes_budget_rule_and_hidden_thinking(kernel: Kernel, replay: ReplayServer) -> None:
    assert kernel.run("%%claude --new --thinking adaptive\nreplay:thinking x").ok
    assert replay.requests[-1].body["thinking"] == {"type": "adaptive", "display": "summarized"}
    assert kernel.run("%%claude --new --thinking 8192\nreplay:thinking x").ok
    assert replay.requests[-1].body["max_tokens"] == 8192 + 4096  # room made for the answer
    before = len(replay.requests)
    for bad, says in (("--thinking 4096 --max-tokens 1000", "must exceed"), ("--thinking 100", "at least 1024")):
        run = kernel.run(f"%%claude --new {bad}\nreplay:thinking x")
        assert not run.ok and says in "\n".join(run.error_lines) and len(run.error_lines) <= 3
    assert len(replay.requests) == before  # refused before anything was sent
    # The opt-out: the API sends a signature only, and the pane says so instead of staying empty.
    run = kernel.run("%%claude --new -o hid --thinking 1024 --thinking-display omitted\nreplay:thinking x")
    assert run.ok, run.error_lines
    assert replay.requests[-1].body["thinking"]["display"] == "omitted"
    s = state(kernel, "hid")
    assert s["thinking"] == "" and s["bound"]["content"][0]["thinking"] == ""
    assert "hidden by the API" in s["html"]
    final = run.of_type("update_display_data")[-1]["content"]["data"]
    assert "display: omitted" in final["text/markdown"]
    # A thinking setting takes effect through %config, display included.
    assert kernel.run("%config Claude.thinking = 'adaptive'\n%config Claude.thinking_display = 'omitted'").ok
    try:
        assert kernel.run("%%claude --new\nreplay:thinking x").ok
        assert replay.requests[-1].body["thinking"] == {"type": "adaptive", "display": "omitted"}
    finally:
        kernel.run("%config Claude.thinking = ''\n%config Claude.thinking_display = 'summarized'")


def test_tool_use_binds_as_the_sdk_accumulates(kernel: Kernel, replay: ReplayServer) -> None:
    run = kernel.run(
        "tool_answer = claude_nb.stream('replay:tools weather?', model='claude-test-model', max_tokens=3000,"
        " thinking={'type': 'enabled', 'budget_tokens': 1024}, tools=[WEATHER])".replace(
            "WEATHER", repr({"name": "get_weather", "input_schema": {"type": "object"}})
        )
    )
    assert run.ok, run.error_lines
    s = state(kernel, "tool_answer")
    assert s["tool_calls"][0]["name"] == "get_weather"
    assert s["tool_calls"][0]["input"] == {"city": "Zürich", "units": "celsius", "days": [1, 2, 3]}
    assert [b["type"] for b in s["bound"]["content"]] == ["thinking", "text", "tool_use"]
    assert s["bound"]["stop_reason"] == "tool_use"
    assert "get_weather" in s["html"]


def test_follow_up_after_unanswered_tool_calls(kernel: Kernel, replay: ReplayServer) -> None:
    """An answer that asked for two tools nobody ran, then a new cell: the API requires a
    tool_result for each call first (the loopback server enforces it as the API does)."""
    tools = [{"name": n, "input_schema": {"type": "object"}} for n in ("get_weather", "get_time")]
    setup = kernel.run(
        "import anthropic\n"
        "first = anthropic.Anthropic().messages.create(model='claude-sonnet-5-5', max_tokens=200,"
        f" tools={tools!r}, messages=[{{'role': 'user', 'content': 'replay:parallel_tools go'}}])\n"
        "assert [b.type for b in first.content] == ['text', 'tool_use', 'tool_use'], first\n"
        "magics = get_ipython().magics_manager.registry['ClaudeMagics']\n"
        "magics.conversation.reset()\n"
        # Whatever shape this SDK's to_param() has (dicts, or pydantic blocks in 2.15).
        "magics.conversation.record('t1', {'role': 'user', 'content': 'replay:parallel_tools go'}, first.to_param())"
    )
    assert setup.ok, setup.error_lines
    run = kernel.run("%%claude\nreplay:echo and now?", cell_id="t2")
    assert run.ok, run.error_lines
    sent = replay.requests[-1].body["messages"]
    results = [b for b in sent[-1]["content"] if b["type"] == "tool_result"]
    assert [r["tool_use_id"] for r in results] == ["toolu_01P", "toolu_02P"]
    assert all(r["is_error"] for r in results)
    assert sent[-1]["content"][-1] == {"type": "text", "text": "replay:echo and now?"}
    history = kernel.run("%claude history").stdout
    assert "claude: I'll look both up." in history
    assert 'claude: {"turns": 3' in history


def test_rich_markdown_renders_and_footer_counts(kernel: Kernel) -> None:
    run = kernel.run("%%claude --new\nreplay:rich show me everything")
    assert run.ok, run.error_lines
    s = state(kernel)
    html = s["html"]
    for tag in ("<h1>", "<h2>", "<strong>", "<table>", "<pre><code", "<ol>", "<ul>", "<blockquote>", "<s>"):
        assert tag in html, tag
    assert 'class="k"' in html  # highlighted
    assert "&lt;b&gt;html&lt;/b&gt;" in html  # raw HTML shown as text
    assert "25 in / 136 out tokens" in html
    assert "stop: end_turn" in html
    # Timings: time to first token, total time, then output speed (both measured, so > 0).
    timing = re.search(r"first token (\d+\.\d\d) s · (\d+\.\d) s · (\d+) tok/s", html)
    assert timing, html[-400:]
    # Rounded to hundredths, a first token on a warm loopback connection may read 0.00 s.
    assert 0 <= float(timing.group(1)) <= max(float(timing.group(2)), 0.1) and int(timing.group(3)) > 0
    # The live display was replaced by the static snapshot with readable text/plain.
    updates = run.of_type("update_display_data")
    assert updates, "the live view should be replaced at the end"
    data = updates[-1]["content"]["data"]
    assert "<table>" in data["text/html"]
    assert data["text/plain"].startswith("# Streaming report")
    assert "text/markdown" in data
    # The widget streamed patches while it ran.
    customs = [m for m in run.of_type("comm_msg") if m["content"]["data"].get("method") == "custom"]
    assert customs


def test_conversation_continues_and_new_resets(kernel: Kernel, replay: ReplayServer) -> None:
    kernel.run("%claude reset")
    assert kernel.run("%%claude --thinking 1024\nreplay:thinking first question", cell_id="c1").ok
    assert kernel.run("%%claude --thinking 1024\nreplay:echo second question", cell_id="c2").ok
    sent = replay.requests[-1].body["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[0]["content"] == "replay:thinking first question"
    thinking_block = sent[1]["content"][0]
    # Sent back byte for byte (the loopback server checks the signature against the text).
    assert thinking_block == {"type": "thinking", "thinking": THINKING, "signature": sign_thinking(THINKING)}
    # Re-running cell c2 replaces its turn rather than appending.
    assert kernel.run("%%claude\nreplay:echo second question, again", cell_id="c2").ok
    assert len(replay.requests[-1].body["messages"]) == 3
    assert kernel.run("%%claude\nreplay:echo third", cell_id="c3").ok
    assert len(replay.requests[-1].body["messages"]) == 5
    status = kernel.run("%claude")
    assert "3 turn(s)" in status.stdout
    history = kernel.run("%claude history")
    assert "third" in history.stdout
    assert "claude: ## Answer 1. first 2. second" in history.stdout
    assert kernel.run("%%claude --new\nreplay:echo fresh", cell_id="c4").ok
    assert len(replay.requests[-1].body["messages"]) == 1


def test_system_temperature_and_interpolation(kernel: Kernel, replay: ReplayServer) -> None:
    kernel.run("topic = 'streams'\ncfg = {'k': 'v'}")
    run = kernel.run(
        '%%claude --new -s "Be terse." -t 0.3 --max-tokens 321\n'
        'replay:echo about {topic} and {cfg[k]}; code {"a": {"b": 1}} keeps {braces} {{topic}}'
    )
    assert run.ok, run.error_lines
    body = replay.requests[-1].body
    assert body["system"] == "Be terse."
    # Not sent (API version 2026-10-21 refuses it, and the loopback with it), and said so.
    assert not {"temperature", "top_p", "top_k"} & set(body)
    final = run.of_type("update_display_data")[-1]["content"]["data"]
    assert "temperature not sent: API version 2026-10-21" in final["text/plain"]
    assert "temperature not sent" in final["text/html"]
    assert body["max_tokens"] == 321
    assert body["messages"][-1]["content"] == (
        'replay:echo about streams and v; code {"a": {"b": 1}} keeps {braces} {topic}'
    )


def test_future_redacted_and_web_search_stream_without_error(kernel: Kernel) -> None:
    for scenario, how in (
        ("future", "%%claude --new\nreplay:future"),
        ("redacted", "%%claude --new --thinking 1024\nreplay:redacted"),
        ("web_search", SEARCH),
    ):
        run = kernel.run(how)
        assert run.ok, (scenario, run.error_lines)
        s = state(kernel)
        assert s["status"] == "done"
        if scenario == "future":
            assert "hologram" in s["html"]
            assert s["text"] == "Before the future. \n\nAfter it."
        if scenario == "redacted":
            assert "redacted" in s["html"]
        if scenario == "web_search":
            assert "Sources" in s["html"] and "https://example.org/weather" in s["html"]
            assert s["tool_calls"][0]["name"] == "web_search"


SEARCH = "_claude = claude_nb.stream('replay:web_search weather', tools=[SEARCH_TOOL])".replace(
    "SEARCH_TOOL", repr({"type": "web_search_20250305", "name": "web_search"})
)


def test_errors_are_short_and_keep_partial(kernel: Kernel) -> None:
    # Resuming is tested on its own: here each break is final at once (no waits).
    kernel.run("%config Claude.max_resumes = 0")
    try:
        _errors_are_short_and_keep_partial(kernel)
    finally:
        kernel.run("%config Claude.max_resumes = 3")


def _errors_are_short_and_keep_partial(kernel: Kernel) -> None:
    run = kernel.run("%%claude --new -o part\nreplay:overloaded_midstream")
    assert not run.ok
    lines = run.error_lines
    assert 1 <= len(lines) <= 12, lines
    assert "overloaded_error" in "\n".join(lines)
    s = state(kernel, "part")
    assert s["status"] == "error"
    assert s["text"] == "This answer is cut off half way through"
    assert s["bound"]["content"][0]["text"] == "This answer is cut off half way through"

    run = kernel.run("%%claude --new\nreplay:http_401")
    assert not run.ok
    text = "\n".join(run.error_lines)
    assert "authentication_error" in text and "request-id" in text
    assert len(run.error_lines) <= 12

    for scenario, said in (("dropped", "the connection dropped mid-stream"), ("eof", "message_stop")):
        run = kernel.run(f"%%claude --new -o part\nreplay:{scenario}")
        assert not run.ok and len(run.error_lines) <= 12
        assert said in "\n".join(run.error_lines), run.error_lines
        assert state(kernel, "part")["text"] == "This answer is cut off half way through"


def test_help_prints_options(kernel: Kernel) -> None:
    run = kernel.run("%%claude?\n")
    assert run.ok
    payload = json.dumps(run.reply["content"].get("payload", [])) + run.stdout
    for option in ("--model", "--max-tokens", "--system", "--thinking", "--temperature", "--out", "--new"):
        assert option in payload


def test_key_never_leaves_the_kernel(kernel: Kernel) -> None:
    kernel.run("%claude")
    blob = json.dumps(kernel.all_messages, default=str)
    assert SENTINEL_KEY not in blob
    assert SENTINEL_KEY[-20:] not in blob


def test_missing_key_fails_before_sending(replay: ReplayServer) -> None:
    env = kernel_env(replay)
    del env["ANTHROPIC_API_KEY"]
    k = Kernel(env)
    try:
        assert k.run("%load_ext claude_nb").ok
        before = len(replay.requests)
        run = k.run("%%claude\nhello")
        assert not run.ok
        text = "\n".join(run.error_lines)
        assert "ANTHROPIC_API_KEY" in text
        assert len(run.error_lines) <= 12
        assert not re.search(r"Traceback|File \"", text)
        assert len(replay.requests) == before
    finally:
        k.stop()


def test_interrupt_stops_and_keeps_partial(kernel: Kernel) -> None:
    import threading

    timer = threading.Timer(2.0, kernel.km.interrupt_kernel)
    timer.start()
    try:
        run = kernel.run("%%claude --new -o cut\nreplay:stall", timeout=30)
    finally:
        timer.cancel()
    assert not run.ok
    text = "\n".join(run.error_lines)
    assert "stopped" in text and len(run.error_lines) <= 12
    s = state(kernel, "cut")
    assert s["status"] == "stopped"
    assert s["text"] == "This answer is cut off half way through"
    assert "stopped" in s["html"]


HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


def test_every_kind_of_math_is_mathml_live_and_saved_and_tex_in_markdown(kernel: Kernel) -> None:
    run = kernel.run("%%claude --new\nreplay:math typeset it")
    assert run.ok, run.error_lines
    frames = [
        json.dumps(m["content"]["data"]["content"])
        for m in run.of_type("comm_msg")
        if m["content"]["data"].get("method") == "custom"
    ]
    # MathML reaches the page in the frames while the answer streams, not only at the end.
    first_math = next(i for i, frame in enumerate(frames) if "<math" in frame)
    assert first_math < len(frames) - 2, "MathML only arrived with the last frames"
    data = run.of_type("update_display_data")[-1]["content"]["data"]
    saved = data["text/html"]
    # Saved, every formula is TeX in a span the reader's MathJax typesets (a sanitizer
    # drops MathML), two of them display math; prices stay text.
    spans = re.findall(r'<span class="cnb-tex mathjax_process tex2jax_process">(.*?)</span>', saved)
    assert len(spans) == 4 and sum(s.startswith("\\[") for s in spans) == 2, spans
    assert saved.count("<rp><math ") == 4  # and each as MathML, for readers without MathJax
    assert "for $5 or $10." in saved
    markdown = data["text/markdown"]
    for tex in ("$E = mc^2$", "$a^2 + b^2 = c^2$", "$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$", "$$\\sum_{i=1}^{n}"):
        assert tex in markdown, tex
    for html in [saved, markdown, *frames]:
        assert "<script" not in html.lower() and not HANDLER.search(html), html[:200]
