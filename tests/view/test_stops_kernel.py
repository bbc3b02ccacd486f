"""How answers end, in a real kernel: every stop says why, a fallback shows where
another model took over, and documents cited by page or range are listed."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from claude_nb.replay import ReplayServer
from claude_nb.replay._stop_scenarios import DOCUMENT_CITATIONS, REFUSAL_DETAILS

from ..conftest import Kernel
from ..notebook.test_magic_kernel import state

pytestmark = pytest.mark.sdk  # run again against the oldest supported SDK


def _footer(page: str) -> str:
    found = re.search(r'<div class="cnb-footer[^"]*">(.*?)</div>', page, re.S)
    assert found, page[-500:]
    return html_lib.unescape(found.group(1))


def test_a_refusal_shows_its_category_and_explanation(kernel: Kernel, replay: ReplayServer) -> None:
    run = kernel.run("%%claude --new -o refused\nreplay:refusal write it")
    assert run.ok, run.error_lines
    s = state(kernel, "refused")
    footer = _footer(s["html"])
    assert "stop: refusal" in footer and f"category: {REFUSAL_DETAILS['category']}" in footer
    assert str(REFUSAL_DETAILS["explanation"]) in footer
    assert s["text"].startswith("I can explain")  # what came before the refusal is kept
    assert s["bound"]["stop_reason"] == "refusal"


def test_the_context_window_ending_a_turn_says_what_to_do(kernel: Kernel, replay: ReplayServer) -> None:
    run = kernel.run("%%claude --new -o cut\nreplay:context_window all of it")
    assert run.ok, run.error_lines
    footer = _footer(state(kernel, "cut")["html"])
    assert "stop: model_context_window_exceeded" in footer
    assert "the context window ended the turn" in footer and "--new" in footer


def test_documents_cited_by_page_and_range_are_listed_under_the_answer(kernel: Kernel, replay: ReplayServer) -> None:
    run = kernel.run("%%claude --new -o sources\nreplay:cited what do they say")
    assert run.ok, run.error_lines
    page = html_lib.unescape(state(kernel, "sources")["html"])
    listed = page[page.index('<div class="cnb-sources">') :]
    assert "Annual report 2026, page 3" in listed
    assert "Field notes, characters 120–138" in listed
    assert "Board minutes, blocks 1–2" in listed
    assert 'href="https://kb.example.org/policy"' in listed and "Travel policy" in listed
    for citation in DOCUMENT_CITATIONS:
        assert citation["cited_text"] in listed
    markdown = kernel.run("print(claude_nb.last_view().to_markdown())").stdout
    assert "Annual report 2026, page 3" in markdown


def test_a_fallback_shows_its_seam_and_the_message_names_the_model(kernel: Kernel, replay: ReplayServer) -> None:
    run = kernel.run("%%claude --new -m claude-fable-5-2 -o fell\nreplay:fallback go")
    assert run.ok, run.error_lines
    s = state(kernel, "fell")
    assert "continued on claude-opus-5-5" in s["html"]
    answer = s["html"][s["html"].index('class="cnb-answer"') :]
    assert answer.index("The first half.") < answer.index("continued on") < answer.index("The second half.")
    assert s["text"] == "The first half.\n\nThe second half."  # the text itself is the models' own
    assert s["bound"]["model"] == "claude-opus-5-5"
    assert [b["type"] for b in s["bound"]["content"]] == ["text", "fallback", "text"]
    assert "claude-opus-5-5" in _footer(s["html"])
