"""What may reach the page: the URL policy and the allowlist sanitizer.

Model output is untrusted (it can echo an attacker's page or tool result), and the
page holds the Jupyter server token, so every HTML string the kernel sends passes
through here. The markdown layer already refuses raw HTML and bad URLs; nh3
(Ammonia) is the second, independent wall.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import nh3

from .math import MATH_ATTRIBUTES, MATH_TAGS

_RASTER_DATA = re.compile(r"^data:image/(?:png|jpeg|jpg|gif|webp);base64,[a-z0-9+/=\s]*$", re.IGNORECASE)
_LINK_SCHEMES = ("http:", "https:", "mailto:")
_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]+")
_CLASS_TOKEN = re.compile(r"^(?:language-[\w+#.-]{1,40}|cnb-[a-z-]{1,40}|[a-zA-Z][a-zA-Z0-9]{0,3}|highlight)$")

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "dd",
        "del",
        "details",
        "div",
        "dl",
        "dt",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "input",
        "kbd",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
_ATTRIBUTES = {
    "*": {"class", "title"},
    "a": {"href", "target"},
    "img": {"src", "alt", "loading", "referrerpolicy"},
    "td": {"style"},
    "tr": {"data-tool-id"},
    "th": {"style"},
    "ol": {"start"},
    "input": {"type", "checked", "disabled"},
    "details": {"open"},
    **{tag: set(MATH_ATTRIBUTES) for tag in MATH_TAGS},
}


def link_allowed(url: str) -> bool:
    """http(s), mailto and in-page fragments; anything else (javascript:, data:, file:,
    relative paths that would hit the Jupyter server) is refused. Control characters
    and whitespace are removed first, as browsers do, so ``java\\tscript:`` is caught."""
    cleaned = _CONTROL.sub("", html.unescape(url)).lower()
    return cleaned.startswith(_LINK_SCHEMES) or cleaned.startswith("#")


def image_kind(url: str) -> str:
    """``"inline"`` for a raster data: URL, ``"remote"`` for http(s), ``"refused"`` otherwise."""
    cleaned = _CONTROL.sub("", html.unescape(url))
    if _RASTER_DATA.match(cleaned):
        return "inline"
    if cleaned.lower().startswith(("http:", "https:")):
        return "remote"
    return "refused"


def host_of(url: str) -> str:
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


class Sanitizer:
    """nh3 configured to keep highlighting classes and table alignment, and nothing active."""

    def __init__(self, *, allow_remote_images: bool = False) -> None:
        self.allow_remote_images = allow_remote_images
        self._cleaner = nh3.Cleaner(
            tags=set(ALLOWED_TAGS | MATH_TAGS),
            clean_content_tags={"script", "style", "noscript", "template", "textarea", "title"},
            attributes={k: set(v) for k, v in _ATTRIBUTES.items()},
            attribute_filter=self._filter,
            link_rel="noopener noreferrer nofollow",
            url_schemes={"http", "https", "mailto", "data"},
            filter_style_properties={"text-align"},
            strip_comments=True,
        )

    def _filter(self, tag: str, attr: str, value: str) -> str | None:
        if attr == "href":
            return value if link_allowed(value) else None
        if attr == "src":
            kind = image_kind(value)
            if tag == "img" and (kind == "inline" or (kind == "remote" and self.allow_remote_images)):
                return value
            return None
        if attr in ("class", "title") and tag in MATH_TAGS:
            return None  # TeX's \\class and tooltips have no business in a formula
        if attr == "class":
            kept = [c for c in value.split() if _CLASS_TOKEN.match(c)]
            return " ".join(kept) or None
        if attr == "target":
            return "_blank"
        if attr == "type":
            return value if value == "checkbox" else None
        return value

    def clean(self, fragment: str) -> str:
        return str(self._cleaner.clean(fragment))
