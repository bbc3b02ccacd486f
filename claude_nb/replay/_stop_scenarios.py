"""Scenarios for how answers end and where they come from: a refusal with its
details, a turn the context window cut, a server-side fallback to another model,
and an answer citing documents by page, characters and content block."""

from __future__ import annotations

from typing import Any

from ._script import Script, message_script

REFUSAL_DETAILS = {
    "type": "refusal",
    "category": "cyber",
    "explanation": "The request asks for working malware.",
}


def refusal(request: dict[str, Any]) -> Script:
    """Starts to answer, then refuses: ``stop_details`` says why."""
    return message_script(
        [{"type": "text", "text": "I can explain how such attacks are defended against, but"}],
        model=request.get("model", ""),
        stop_reason="refusal",
        stop_details=REFUSAL_DETAILS,
    )


def context_window(request: dict[str, Any]) -> Script:
    """The context window ends the turn mid-sentence."""
    return message_script(
        [{"type": "text", "text": "Summarising the whole corpus: first, the"}],
        model=request.get("model", ""),
        stop_reason="model_context_window_exceeded",
    )


def fallback(request: dict[str, Any]) -> Script:
    """The first model starts, the server falls back to the request's first fallback
    model (or Opus 5.5), which writes the rest; the message names the one that ended."""
    fallbacks = request.get("fallbacks") or [{"model": "claude-opus-5-5"}]
    first = fallbacks[0] if isinstance(fallbacks[0], dict) else {"model": str(fallbacks[0])}
    seam: dict[str, Any] = {
        "type": "fallback",
        "from": {"model": request.get("model", "")},
        "to": {"model": first.get("model", "claude-opus-5-5")},
        "trigger": "overloaded",
    }
    blocks = [{"type": "text", "text": "The first half."}, seam, {"type": "text", "text": "The second half."}]
    return message_script(blocks, model=request.get("model", ""))


DOCUMENT_CITATIONS = [
    {
        "type": "page_location",
        "document_index": 0,
        "document_title": "Annual report 2026",
        "cited_text": "Revenue grew 12% in the third quarter.",
        "start_page_number": 3,
        "end_page_number": 4,
    },
    {
        "type": "char_location",
        "document_index": 1,
        "document_title": "Field notes",
        "cited_text": "Costs held steady.",
        "start_char_index": 120,
        "end_char_index": 138,
    },
    {
        "type": "content_block_location",
        "document_index": 2,
        "document_title": "Board minutes",
        "cited_text": "The board approved the plan.",
        "start_block_index": 0,
        "end_block_index": 2,
    },
    {
        "type": "search_result_location",
        "source": "https://kb.example.org/policy",
        "title": "Travel policy",
        "cited_text": "Trains under six hours.",
        "search_result_index": 0,
        "start_block_index": 0,
        "end_block_index": 1,
    },
]


def cited(request: dict[str, Any]) -> Script:
    """An answer that cites documents of each kind, one claim per citation."""
    blocks: list[dict[str, Any]] = [{"type": "text", "text": "From the documents: "}]
    for citation in DOCUMENT_CITATIONS:
        blocks.append({"type": "text", "text": f"{citation['cited_text']} ", "citations": [citation]})
    return message_script(blocks, model=request.get("model", ""))


STOP_SCENARIOS = {"refusal": refusal, "context_window": context_window, "fallback": fallback, "cited": cited}
