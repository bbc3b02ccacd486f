"""Markdown to safe HTML: markdown-it-py with raw HTML off, a URL allowlist, Pygments
highlighting with short class names, remote images held back, and nh3 after it all.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.tasklists import tasklists_plugin
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import Comment, Error, Keyword, Name, Number, Operator, String, _TokenType
from pygments.util import ClassNotFound

from .math import use_math
from .safety import Sanitizer, host_of, image_kind, link_allowed

# Token types by the look the stylesheet gives them, most specific first, as
# JupyterLab's editor colours them (names, brackets and separators stay plain). Types
# that look like plain text get no span at all and neighbours of one look share one
# (Pygments merges them): a code block is about half the elements it would be with a
# span per token, and elements are most of what the page pays to lay out an answer.
_LOOKS: tuple[tuple[_TokenType, str], ...] = (
    (Operator.Word, "k"),
    (Keyword, "k"),
    (String, "s"),
    (Number, "m"),
    (Comment, "c"),
    (Name.Function, "nf"),
    (Name.Class, "nc"),
    (Name.Namespace, "nc"),
    (Name.Builtin, "nb"),
    (Name.Decorator, "nd"),
    (Name.Attribute, "nd"),
    (Operator, "o"),
    (Error, "err"),
)


class _LookFormatter(HtmlFormatter):  # type: ignore[misc]
    """Pygments' HTML with one short class per look instead of one per token type.

    ``_get_css_classes`` is the formatter's one hook for class names, not public API:
    should a Pygments release rename it, the per-token classes come back unstyled,
    and the highlighting tests (no ``class="n"``, one span per look) fail."""

    def _get_css_classes(self, ttype: _TokenType) -> str:
        return next((look for kind, look in _LOOKS if ttype in kind), "")


_FORMATTER = _LookFormatter(nowrap=True)


@functools.lru_cache(maxsize=64)
def _lexer(name: str) -> Lexer | None:
    """Looking a lexer up by name scans Pygments' registry (milliseconds); a live code
    block is highlighted on every frame, so remember the answer."""
    try:
        return get_lexer_by_name(name)
    except (ClassNotFound, ValueError):
        return None


@functools.lru_cache(maxsize=32)
def _highlight(code: str, lang: str, _attrs: str) -> str:
    """Pygments spans for a fenced block; markdown-it wraps them in ``<pre><code>``.
    Unknown languages fall back to markdown-it's own escaping (empty string).

    Cached: a closed block stays live for a frame or two and is then frozen, and
    highlighting the same code again costs more than the rest of a frame."""
    lexer = _lexer(lang.split()[0].lower()) if lang.strip() else None
    if lexer is None:
        return ""
    return str(pygments_highlight(code, lexer, _FORMATTER))


def _align_cells_left(state: StateCore) -> None:
    """A column the separator row does not align reads left, as markdown means it;
    JupyterLab's output CSS right-aligns table cells, and a style the snapshot ships
    is not applied everywhere (untrusted notebooks, nbconvert), so say it per cell."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and not token.attrGet("style"):
            token.attrSet("style", "text-align:left")


def _valid_link(url: str) -> bool:
    """Links and images share markdown-it's check; inline raster images pass here and
    ``_render_image`` / the sanitizer keep ``data:`` out of every ``href``."""
    return link_allowed(url) or image_kind(url) == "inline"


def blocked_image_html(src: str, alt: str) -> str:
    host = host_of(src)
    label = html.escape(alt or "image")
    return (
        f'<span class="cnb-image-blocked" title="Remote image not loaded ({html.escape(host)}); '
        f'set Claude.allow_remote_images = True to show remote images">'
        f"[image: {label} — {html.escape(host)}]</span>"
    )


class MarkdownRenderer:
    """One configured parser + sanitizer. ``render`` is the one-shot reference that the
    incremental renderer must match; ``parse``/``render_tokens`` are its pieces."""

    def __init__(self, *, allow_remote_images: bool = False) -> None:
        self.allow_remote_images = allow_remote_images
        md = MarkdownIt("js-default", {"html": False, "linkify": False, "highlight": _highlight})
        md.use(tasklists_plugin)
        use_math(md)
        md.core.ruler.push("cnb_table_align", _align_cells_left)
        md.validateLink = _valid_link  # type: ignore[method-assign]
        # markdown-it binds a rule as a method of its renderer: hand it plain functions.
        md.add_render_rule("image", lambda r, *a: self._render_image(r, *a))
        md.add_render_rule("link_open", lambda r, *a: self._render_link_open(r, *a))
        self.md = md
        self._plain_options = OptionsDict({**md.options, "highlight": None})  # type: ignore[typeddict-item]
        self.sanitizer = Sanitizer(allow_remote_images=allow_remote_images)

    # -- render rules --------------------------------------------------------------
    def _render_image(
        self, renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        alt = renderer.renderInlineAsText(token.children or [], options, env)
        kind = image_kind(src)
        if kind == "inline" or (kind == "remote" and self.allow_remote_images):
            return (
                f'<img src="{html.escape(src)}" alt="{html.escape(alt)}" loading="lazy" referrerpolicy="no-referrer">'
            )
        if kind == "remote":
            return blocked_image_html(src, alt)
        return html.escape(alt)

    def _render_link_open(
        self, renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        tokens[idx].attrSet("target", "_blank")
        tokens[idx].attrSet("rel", "noopener noreferrer nofollow")
        return renderer.renderToken(tokens, idx, options, env)

    # -- API -------------------------------------------------------------------------
    def parse(self, src: str, env: dict[str, Any]) -> list[Token]:
        return self.md.parse(src, env)

    def render_tokens(self, tokens: Sequence[Token], env: dict[str, Any], *, highlight: bool = True) -> str:
        return self.sanitizer.clean(self.render_unsanitized(tokens, env, highlight=highlight))

    def render_unsanitized(self, tokens: Sequence[Token], env: dict[str, Any], *, highlight: bool = True) -> str:
        """markdown-it's HTML before nh3: only for callers that sanitize what they assemble."""
        options = self.md.options if highlight else self._plain_options
        return str(self.md.renderer.render(tokens, options, env))

    def render_inline_unsanitized(self, content: str, env: dict[str, Any]) -> str:
        """One paragraph's inline content, parsed and rendered alone (not sanitized)."""
        children = self.md.parseInline(content, env)[0].children or []
        renderer: RendererHTML = self.md.renderer  # type: ignore[assignment]
        return renderer.renderInline(children, self.md.options, env)

    def render(self, src: str) -> str:
        """The whole document at once, sanitized."""
        return self.sanitizer.clean(self.md.render(src))


@functools.lru_cache(maxsize=2)
def shared_renderer(*, allow_remote_images: bool = False) -> MarkdownRenderer:
    """One renderer per setting for all views: parsing keeps no state between calls,
    and views stay alive in the kernel after their stream ends (a reloaded page may
    still ask them for their state), so each should hold only what it shows."""
    return MarkdownRenderer(allow_remote_images=allow_remote_images)
