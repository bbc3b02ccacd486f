"""Every kind of citation names its source and where in it, each place once."""

from __future__ import annotations

from claude_nb.reduce.stops import stop_phrase
from claude_nb.render.citations import sources, sources_html, sources_lines


def test_each_kind_says_where_in_the_source() -> None:
    cited = [
        {"type": "page_location", "document_title": "Report", "start_page_number": 3, "end_page_number": 6},
        {"type": "page_location", "document_index": 1, "start_page_number": 2, "end_page_number": 3},
        {"type": "char_location", "document_index": 0, "start_char_index": 5, "end_char_index": 9},
        {"type": "content_block_location", "document_title": "Deck", "start_block_index": 2, "end_block_index": 3},
        {"type": "web_search_result_location", "url": "https://e.org/a", "title": "A"},
        {"type": "web_search_result_location", "url": "https://e.org/a", "title": "A"},
        {"type": "search_result_location", "source": "internal wiki", "title": "Wiki"},
    ]
    where = [(s.title, s.where) for s in sources(cited)]
    assert where == [
        ("Report", "pages 3–5"),  # the API's end page is exclusive
        ("document 2", "page 2"),
        ("document 1", "characters 5–9"),
        ("Deck", "block 3"),
        ("A", ""),  # one web page, cited twice, listed once
        ("Wiki", "internal wiki"),  # a source that is not a link is named, not linked
    ]
    assert sources_html(cited).count("<li>") == 6 and sources_html([]) == ""
    assert sources_lines(cited)[4] == "A (https://e.org/a)"


def test_a_long_quote_is_shortened_and_markup_in_it_is_escaped() -> None:
    quote = "<script>alert(1)</script> " + "word " * 100
    (line,) = sources_lines([{"type": "char_location", "document_title": "T", "cited_text": quote}])
    assert line.endswith("…”") and len(line) < 260
    assert "<script>" not in sources_html([{"type": "page_location", "document_title": "T", "cited_text": quote}])


def test_every_stop_has_words() -> None:
    assert stop_phrase("end_turn") == "stop: end_turn"
    assert stop_phrase("refusal", {"category": None, "explanation": None}) == "stop: refusal · refused"
    assert "category: bio" in stop_phrase("refusal", {"category": "bio", "explanation": "no"})
    assert "--new" in stop_phrase("model_context_window_exceeded")
    assert "--max-tokens" in stop_phrase("max_tokens")
    assert stop_phrase(None) == ""
