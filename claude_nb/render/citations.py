"""The sources an answer cites, listed under it: web pages by title and link, and
documents by title and where in them (a page or page range, a character range, a
content block range, a search result's source), each with the words it quotes.

Every citation kind the API sends is listed, not only web results: a PDF's page
citation is as much a source as a URL. Citations repeating one place are listed
once. Everything here is escaped; the caller sanitizes it too.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from .safety import link_allowed

QUOTE_CHARS = 200
"""The most of a cited passage shown beside its source."""


@dataclass(frozen=True)
class Source:
    """One place the answer cites."""

    title: str
    where: str = ""
    """Where in the document: ``page 3``, ``pages 3–5``, ``characters 0–120``."""
    url: str = ""
    quote: str = ""


def _span(noun: str, start: Any, end: Any, *, first: int) -> str:
    """A range the API gives with an exclusive end, in the reader's numbering."""
    if not isinstance(start, int):
        return ""
    low = start + 1 - first
    high = end - first if isinstance(end, int) and end - first > low else low
    return f"{noun} {low}" if high == low else f"{noun}s {low}–{high}"


def _document(citation: dict[str, Any]) -> str:
    title = citation.get("document_title")
    if title:
        return str(title)
    index = citation.get("document_index")
    return f"document {index + 1}" if isinstance(index, int) else "a document"


def source_of(citation: dict[str, Any]) -> Source | None:
    """Where one citation points, or None for a kind that names no place."""
    kind = str(citation.get("type") or "")
    quote = " ".join(str(citation.get("cited_text") or "").split())
    if len(quote) > QUOTE_CHARS:
        quote = quote[:QUOTE_CHARS].rstrip() + "…"
    url = str(citation.get("url") or "")
    if kind == "web_search_result_location" or (url and kind not in ("search_result_location",)):
        return Source(title=str(citation.get("title") or url), url=url)
    if kind == "page_location":
        where = _span("page", citation.get("start_page_number"), citation.get("end_page_number"), first=1)
        return Source(_document(citation), where, quote=quote)
    if kind == "char_location":
        start, end = citation.get("start_char_index"), citation.get("end_char_index")
        where = f"characters {start}–{end}" if isinstance(start, int) and isinstance(end, int) else ""
        return Source(_document(citation), where, quote=quote)
    if kind == "content_block_location":
        where = _span("block", citation.get("start_block_index"), citation.get("end_block_index"), first=0)
        return Source(_document(citation), where, quote=quote)
    if kind == "search_result_location":
        origin = str(citation.get("source") or "")
        title = str(citation.get("title") or origin or "a search result")
        linked = link_allowed(origin)
        return Source(title, "" if linked else origin, url=origin if linked else "", quote=quote)
    named = citation.get("title") or citation.get("document_title")
    return Source(str(named), quote=quote) if named else None


def sources(citations: list[dict[str, Any]]) -> list[Source]:
    """The places cited, in first-cited order, each once (web pages once per URL)."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for citation in citations:
        source = source_of(citation) if isinstance(citation, dict) else None
        if source is None:
            continue
        key = (source.url,) if source.url else (source.title, source.where, source.quote)
        if key not in seen:
            seen.add(key)
            out.append(source)
    return out


def _item_html(source: Source) -> str:
    title = html.escape(source.title)
    if source.url and link_allowed(source.url):
        title = f'<a href="{html.escape(source.url)}" target="_blank" rel="noopener noreferrer nofollow">{title}</a>'
    where = f", {html.escape(source.where)}" if source.where else ""
    quote = f': <span class="cnb-cited">“{html.escape(source.quote)}”</span>' if source.quote else ""
    return f"<li>{title}{where}{quote}</li>"


def sources_html(citations: list[dict[str, Any]]) -> str:
    listed = sources(citations)
    if not listed:
        return ""
    return f'<div class="cnb-sources"><strong>Sources</strong><ol>{"".join(map(_item_html, listed))}</ol></div>'


def sources_lines(citations: list[dict[str, Any]]) -> list[str]:
    """The sources as plain lines (``title, where: “quote” (url)``), for saved markdown and text."""
    lines = []
    for source in sources(citations):
        line = source.title + (f", {source.where}" if source.where else "")
        if source.quote:
            line += f": “{source.quote}”"
        if source.url:
            line += f" ({source.url})"
        lines.append(line)
    return lines
