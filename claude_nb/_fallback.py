"""Safe text for the snapshot's ``text/markdown`` and ``text/plain`` fallbacks.

Viewers that prefer these (GitHub's renderer, nbconvert, plain-text consoles) must
not be made to render the model's HTML or fetch its images. Outside code, a raw
``<`` becomes ``&lt;`` (markdown shows it as ``<``), remote images become a
placeholder and links with a refused scheme are left as text. Inside code, and in
plain text, a tag-like ``<`` is shown as ``‹`` so no HTML parser sees a tag.
"""

from __future__ import annotations

import re

from ._safety import host_of, image_kind, link_allowed

_TAG_LIKE = re.compile(r"<(?=[A-Za-z!/?])")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?[^)\n]*\)")
_REF_IMAGE = re.compile(r"!\[(?=[^\]\n]*\](?!\())")
_LINK = re.compile(r"\]\(\s*<?([^)\s>]*)")
_REF_DEF = re.compile(r"^( {0,3})\[([^\]\n]+)\]:\s*<?(\S*?)>?(\s|$)", re.MULTILINE)


def plain(text: str) -> str:
    return _TAG_LIKE.sub("‹", text)


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

    text = text.replace("<", "&lt;")
    text = _IMAGE.sub(image, text)
    text = _REF_IMAGE.sub("!\\[", text)  # reference-style images could resolve to a remote URL
    text = _LINK.sub(link, text)
    return _REF_DEF.sub(ref, text)


def markdown(text: str, *, allow_remote_images: bool = False) -> str:
    out: list[str] = []
    fence: str | None = None
    prose: list[str] = []

    def flush() -> None:
        if not prose:
            return
        chunk = "".join(prose)
        pieces, last = [], 0
        for span in _CODE_SPAN.finditer(chunk):
            pieces.append(_prose(chunk[last : span.start()], allow_remote_images))
            pieces.append(plain(span.group(0)))
            last = span.end()
        pieces.append(_prose(chunk[last:], allow_remote_images))
        out.append("".join(pieces))
        prose.clear()

    for line in text.splitlines(keepends=True):
        match = _FENCE.match(line)
        if fence is None and match:
            flush()
            fence = match.group(1)
            out.append(plain(line))
        elif fence is not None:
            out.append(plain(line))
            if (
                match
                and match.group(1)[0] == fence[0]
                and len(match.group(1)) >= len(fence)
                and not line.strip()[len(match.group(1)) :].strip()
            ):
                fence = None
        else:
            prose.append(line)
    flush()
    return "".join(out)
