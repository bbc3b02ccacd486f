"""Hostile model output stays inert everywhere the kernel sends HTML; the key never leaks."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from claude_nb.render.markdown import MarkdownRenderer
from claude_nb.replay import message_script

from ..conftest import SENTINEL_KEY, Kernel
from ..hostile import MATH, corpus, problems, strip_own_style, visible_text
from ..view.test_view import Frontend, RecordingView

R = MarkdownRenderer()
PAYLOADS = corpus()


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z0-9_]{3,}", text)}


def test_corpus_is_large() -> None:
    assert len(PAYLOADS) >= 200


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_rendered_payload_is_inert_and_visible(payload: str) -> None:
    out = R.render(payload)
    assert problems(out) == [], out
    seen = visible_text(out)
    assert seen.strip(), f"payload vanished: {payload!r} -> {out!r}"
    if payload in MATH:
        # Typeset, a macro's name is gone and its letters are one identifier each.
        assert "<math" in out or "cnb-math-error" in out, out
        assert re.sub(r"\W", "", seen), out
        return
    assert _words(seen) & _words(payload), f"payload text not visible: {payload!r} -> {seen!r}"


def test_math_markup_is_presentation_only() -> None:
    """Every element inside a formula is presentation MathML; no attribute can link or style."""
    from claude_nb.render.math import MATH_ATTRIBUTES, MATH_TAGS

    for payload in MATH:
        out = R.render(payload)
        for tag, attrs in re.findall(r"<(m[a-z]*|none)\b([^>]*)>", out):
            assert tag in MATH_TAGS, (tag, out)
            for name in re.findall(r'([a-z:-]+)="[^"]*"', attrs):
                assert name in MATH_ATTRIBUTES, (name, out)


def _hostile_events(payload: str) -> list[dict[str, Any]]:
    blocks = [
        {"type": "thinking", "thinking": payload, "signature": "s"},
        {
            "type": "text",
            "text": payload,
            "citations": [
                {
                    "type": "web_search_result_location",
                    "url": "javascript:window.__pwned=1",
                    "title": payload,
                    "encrypted_index": "x",
                    "cited_text": payload,
                },
            ],
        },
        {"type": "tool_use", "id": "toolu_<b>", "name": payload[:60], "input": {"q": payload, payload[:20]: 1}},
        {
            "type": "web_search_tool_result",
            "tool_use_id": "toolu_<b>",
            "content": [
                {
                    "type": "web_search_result",
                    "url": "javascript:window.__pwned=1",
                    "title": payload,
                    "encrypted_content": "x",
                },
            ],
        },
        {"type": f"future_{payload[:10]}", "data": payload},
    ]
    script = message_script(blocks, model=payload[:30])
    events = [s.data for s in script.steps if s.kind == "event"]
    events.insert(-1, {"type": "error", "error": {"type": "overloaded_error", "message": payload}})
    return events


@pytest.mark.parametrize("payload", PAYLOADS[::4], ids=range(len(PAYLOADS[::4])))
def test_every_string_the_view_sends_is_inert(payload: str) -> None:
    view = RecordingView(frame_interval=0)
    for event in _hostile_events(payload):
        view.feed(event)
    assert view.status == "error"
    snapshot = view.to_html()
    assert problems(strip_own_style(snapshot)) == []
    front = Frontend()
    for msg in view.sent:
        front.apply(msg)
        for key, value in msg.items():
            if isinstance(value, str):
                assert problems(value) == [], (key, value)
    for pane in ("a", "th"):
        assert problems(front.html(pane)) == []
    assert _words(visible_text(strip_own_style(snapshot))) & _words(payload)


HTMLISH = st.sampled_from(
    [
        "<img src=x onerror=alert(1)>",
        "<script>",
        "</script>",
        "<svg",
        " onload=",
        "javascript:",
        "JaVa\tScript:",
        "&#106;",
        "data:text/html,",
        "](",
        "[",
        "]",
        "(",
        ")",
        "![",
        "<",
        ">",
        '"',
        "'",
        "`",
        "```",
        "\n",
        "\n\n",
        "# ",
        "- ",
        "1. ",
        "> ",
        "|",
        "---",
        "**",
        "_",
        "~~",
        "https://evil.example/x.png",
        "<a href=",
        "<!--",
        "-->",
        "&lt;",
        "&",
        ";",
        " ",
        "x",
        "[r]: ",
        "<https://",
        "mailto:",
        "<iframe",
        "style=",
        "onerror",
        "=",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(HTMLISH, min_size=1, max_size=30))
def test_fuzzed_markdown_and_html_stays_inert(parts: list[str]) -> None:
    assert problems(R.render("".join(parts))) == []


# text/plain is never rendered as HTML by any frontend: it holds the answer exactly as written.
def _strings(obj: Any, skip: frozenset[str] = frozenset({"_esm", "_css", "text/plain"})) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() if k not in skip for s in _strings(v, skip)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v, skip)]
    return []


@pytest.mark.sdk
def test_hostile_stream_through_a_real_kernel(kernel: Kernel, replay: Any) -> None:
    sample = PAYLOADS[:40:3] + PAYLOADS[60:200:15]
    answer = "\n\n".join(sample)
    replay.queue(
        message_script(
            [
                {"type": "thinking", "thinking": answer},
                {"type": "text", "text": answer},
                {"type": "tool_use", "id": "toolu_h", "name": "t", "input": {"payloads": sample}},
            ],
            stop_reason="tool_use",
        )
    )
    run = kernel.run(
        "hostile = claude_nb.stream('anything', max_tokens=3000, thinking={'type': 'enabled', 'budget_tokens': 1024},"
        " tools=[{'name': 't', 'input_schema': {'type': 'object'}}])"
    )
    assert run.ok, run.error_lines
    plain = [m["content"]["data"]["text/plain"] for m in run.of_type("update_display_data")]
    assert plain and plain[-1].startswith(answer)  # exact, code and all
    scanned = 0
    for msg in run.messages:
        for text in _strings(msg["content"]):
            scanned += 1
            assert problems(strip_own_style(text)) == [], text[:300]
        markdown = msg["content"].get("data", {}).get("text/markdown") if isinstance(msg["content"], dict) else None
        if markdown:
            # The worst viewer of the markdown fallback renders raw HTML: still inert.
            rendered = MarkdownIt("commonmark", {"html": True}).render(markdown)
            assert problems(rendered) == [], rendered[:300]
    assert scanned > 50
    state = kernel.run("print(json.dumps(claude_nb.last_view().to_html()))")
    html = json.loads(state.stdout)
    assert problems(strip_own_style(html)) == []
    assert "onerror=window.__pwned=1" in visible_text(html)


@pytest.mark.sdk
def test_key_absent_from_state_outputs_errors_and_reprs(kernel: Kernel, replay: Any) -> None:
    kernel.run("%%claude --new -o ok\nreplay:rich")
    kernel.run("%%claude --new\nreplay:http_401")
    probe = kernel.run(
        "import claude_nb\n"
        "v = claude_nb.last_view()\n"
        "print(repr(ok)); print(repr(v)); print(v.to_html()); print(json.dumps(v.get_state(), default=str))\n"
        "%claude\n"
        "%config Claude\n"
    )
    assert probe.ok, probe.error_lines
    everything = json.dumps(kernel.all_messages, default=str)
    assert SENTINEL_KEY not in everything
    assert SENTINEL_KEY[12:32] not in everything


@pytest.mark.sdk
def test_login_without_stdin_fails_fast(kernel: Kernel) -> None:
    run = kernel.run("%claude login", timeout=20)
    assert not run.ok
    assert "ANTHROPIC_API_KEY" in "\n".join(run.error_lines)
    assert len(run.error_lines) <= 12


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_markdown_fallback_is_inert_even_where_raw_html_is_rendered(payload: str) -> None:
    from claude_nb.render import inert as _fallback

    permissive = MarkdownIt("commonmark", {"html": True})
    assert problems(permissive.render(_fallback.markdown(payload))) == []
    # Inside a list, a quote and after a paragraph too (code is found as renderers find it).
    for wrapped in (f"- {payload}", f"> {payload}", f"Intro\n{payload}", f"1. x\n\n   {payload}"):
        assert problems(permissive.render(_fallback.markdown(wrapped))) == [], wrapped


def test_fallback_keeps_ordinary_markdown() -> None:
    from claude_nb.render import inert as _fallback

    text = (
        "Use `a < b` and <br>\n\n```html\n<div>x</div>\n```\n\n[ok](https://ok.example) ![i](https://e.example/i.png)"
    )
    out = _fallback.markdown(text)
    assert "[ok](https://ok.example)" in out
    assert "&lt;br>" in out
    assert "`a < b`" in out
    assert "```html\n<div>x</div>\n```" in out  # code exactly as written
    assert "\\[image: i — e.example\\]" in out


def test_fallback_keeps_every_kind_of_code_exact() -> None:
    from claude_nb.render import inert as _fallback

    code = [
        "```java\nList<String> xs = new ArrayList<>();\n```\n",
        '~~~\n<div class="x">&amp;</div>\n~~~\n',
        "    indented <b>code</b>\n",
        "- item\n\n  ```\n  <i>in a list</i>\n  ```\n",
        "> ```\n> <q>quoted</q>\n> ```\n",
        "```\nunclosed <fence>\n",
    ]
    for block in code:
        assert _fallback.markdown(block) == block
    for span in ("`List<String>`", "``a ` <b> ``", "```<x>```"):
        assert _fallback.markdown(f"see {span} and <i>") == f"see {span} and &lt;i>"
    # An unmatched backtick run is literal text, so the <b> after it is prose.
    assert _fallback.markdown("``no close <b>") == "``no close &lt;b>"
    assert _fallback.markdown("\\`not code <b>`") == "\\`not code &lt;b>`"
