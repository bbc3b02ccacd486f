"""The snapshot's ``text/markdown`` fallback: the answer as written, made inert.

Viewers that prefer markdown (GitHub's renderer, nbconvert) must not be made to
render the model's HTML or fetch its images, and must show code exactly as written.
So outside code a raw ``<`` becomes ``&lt;`` (markdown shows it as ``<``), remote
images become a placeholder and links with a refused scheme are left as text; code
blocks (fenced or indented) and code spans are literal text in every markdown
renderer, so they are left untouched. Where code is, is decided by markdown-it's own
block parse and CommonMark's code-span rule, so this agrees with the renderers that
read the result. ``text/plain`` is never rendered as HTML and needs none of this.

Math keeps its TeX (GitHub and Jupyter typeset ``$…$``), but there ``&lt;`` would
reach the typesetter as four characters: inside a formula, found by the renderer's
own ``dollarmath``/``texmath`` rules, ``<`` becomes TeX's ``\\lt``, which typesets the
same and is plain text to a renderer without math.
"""

from __future__ import annotations

import functools
import re

from markdown_it import MarkdownIt

from .code import code_segments
from .math import use_math
from .safety import host_of, image_kind, link_allowed

_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?[^)\n]*\)")
_REF_IMAGE = re.compile(r"!\[(?=[^\]\n]*\](?!\())")
_LINK = re.compile(r"\]\(\s*<?([^)\s>]*)")
_REF_DEF = re.compile(r"^( {0,3})\[([^\]\n]+)\]:\s*<?(\S*?)>?(\s|$)", re.MULTILINE)
_MATH_OPENER = re.compile(r"\$|\\\(|\\\[")
_CLOSER = {"$": "$", "$$": "$$", "\\(": "\\)", "\\[": "\\]"}
_LT = "\\lt "


@functools.cache
def _math_parser() -> MarkdownIt:
    md = MarkdownIt("js-default", {"html": False})
    use_math(md)
    return md


def _math_lt(text: str) -> str:
    """``text`` with every ``<`` inside a formula written as ``\\lt``.

    Only prose that holds both a ``<`` and a math delimiter is parsed (a parse of a
    whole answer costs tens of milliseconds)."""
    if "<" not in text or not _MATH_OPENER.search(text):
        return text
    lines = text.splitlines(keepends=True)
    inline: set[str] = set()
    for token in _math_parser().parse(text):
        if token.type.startswith("math_block") and token.map:
            for line in range(token.map[0], min(token.map[1], len(lines))):
                lines[line] = lines[line].replace("<", _LT)
        for child in token.children or ():
            if child.type.startswith("math_inline") and "<" in child.content:
                inline.add(child.markup + child.content + _CLOSER.get(child.markup, child.markup))
    out = "".join(lines)
    for source in inline:
        out = out.replace(source, source.replace("<", _LT))
    return out


def _dollar_form(text: str) -> str:
    """``text`` with ``\\(x\\)`` written ``$x$`` and ``\\[x\\]`` written ``$$x$$``: the forms
    markdown readers typeset (VS Code's markdown renderer, pandoc, GitHub), where the
    bracket forms show as ``(x)``. Spaces inside the delimiters are trimmed; a formula
    is left in brackets when it holds a ``$`` or a digit follows it, which the dollar
    rules of those readers would read as a price."""
    if "\\(" not in text and "\\[" not in text:
        return text
    lines = text.splitlines(keepends=True)
    inline: dict[str, str] = {}
    for token in _math_parser().parse(text):
        if token.type.startswith("math_block") and token.markup == "\\[" and token.map and "$" not in token.content:
            first, last = token.map[0], min(token.map[1], len(lines)) - 1
            lines[first] = lines[first].replace("\\[", "$$", 1)
            at = lines[last].rfind("\\]")
            if at >= 0:
                lines[last] = lines[last][:at] + "$$" + lines[last][at + 2 :]
        for child in token.children or ():
            if child.markup in ("\\(", "\\[") and "$" not in child.content and child.content.strip():
                dollars = "$" if child.markup == "\\(" else "$$"
                closer = "\\)" if child.markup == "\\(" else "\\]"
                inline[child.markup + child.content + closer] = dollars + child.content.strip() + dollars
    out = "".join(lines)
    for source, written in inline.items():
        out = re.sub(re.escape(source) + r"(?![0-9])", written.replace("\\", "\\\\"), out)
    return out


def _prose(text: str, allow_remote_images: bool) -> str:
    def image(match: re.Match[str]) -> str:
        alt, url = match.group(1), match.group(2)
        kind = image_kind(url)
        if kind == "inline" or (kind == "remote" and allow_remote_images):
            return match.group(0)
        return f"\\[image: {alt or 'image'} — {host_of(url) if kind == 'remote' else 'refused'}\\]"

    def link(match: re.Match[str]) -> str:
        return match.group(0) if link_allowed(match.group(1)) else "]\\(" + match.group(0)[2:]

    def ref(match: re.Match[str]) -> str:
        return (
            match.group(0)
            if link_allowed(match.group(3))
            else match.group(1) + "\\" + match.group(0)[len(match.group(1)) :]
        )

    text = _dollar_form(_math_lt(text)).replace("<", "&lt;")
    text = _IMAGE.sub(image, text)
    text = _REF_IMAGE.sub("!\\[", text)  # reference-style images could resolve to a remote URL
    text = _LINK.sub(link, text)
    return _REF_DEF.sub(ref, text)


def markdown(text: str, *, allow_remote_images: bool = False) -> str:
    return "".join(part if is_code else _prose(part, allow_remote_images) for part, is_code in code_segments(text))


def text(value: str) -> str:
    """One line of prose the snapshot adds (a footer, a tool name) made inert."""
    return _prose(value, False)
