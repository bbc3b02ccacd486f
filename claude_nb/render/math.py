"""TeX math in answers, typeset in the kernel as MathML.

MathML is native to every browser Jupyter runs in, so the live view, a saved
notebook, an untrusted notebook and nbconvert's HTML all show typeset math with no
script (MathJax is not loaded for widget or untrusted output). Parsing is
mdit-py-plugins' ``dollarmath`` (``$…$``, ``$$…$$``, with the currency rules: no
space inside the dollars, no digit after the closing one, so ``$5 and $10`` stays
text) and ``texmath`` with bracket delimiters (``\\(…\\)``, ``\\[…\\]``); conversion
is latex2mathml, a maintained pure-Python converter. A formula it rejects becomes a
code span of its source, never an error. The output still passes the sanitizer,
whose MathML allowlist (below) holds presentation elements and attributes that
cannot carry a link, a style or a script.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Sequence

from latex2mathml.converter import convert
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.texmath import texmath_plugin

MATH_TAGS = frozenset(
    {
        "math",
        "menclose",
        "merror",
        "mfrac",
        "mi",
        "mmultiscripts",
        "mn",
        "mo",
        "mover",
        "mpadded",
        "mphantom",
        "mprescripts",
        "mroot",
        "mrow",
        "ms",
        "mspace",
        "msqrt",
        "mstyle",
        "msub",
        "msubsup",
        "msup",
        "mtable",
        "mtd",
        "mtext",
        "mtr",
        "munder",
        "munderover",
        "none",
    }
)
"""Presentation MathML only: no ``semantics``/``annotation-xml`` (which can hold
HTML), no ``maction`` (an event target), no ``href`` anywhere."""

MATH_ATTRIBUTES = frozenset(
    {
        "accent",
        "alttext",
        "accentunder",
        "close",
        "columnalign",
        "columnlines",
        "columnspacing",
        "depth",
        "display",
        "displaystyle",
        "fence",
        "form",
        "frame",
        "height",
        "largeop",
        "linethickness",
        "lspace",
        "mathbackground",
        "mathcolor",
        "mathsize",
        "mathvariant",
        "maxsize",
        "minsize",
        "movablelimits",
        "notation",
        "open",
        "rowalign",
        "rowlines",
        "rowspacing",
        "rspace",
        "scriptlevel",
        "separator",
        "separators",
        "stretchy",
        "symmetric",
        "voffset",
        "width",
    }
)

_MATH_TOKENS = ("math_inline", "math_inline_double", "math_block", "math_block_label", "math_block_eqno")
_DISPLAY_TOKENS = frozenset({"math_inline_double", "math_block", "math_block_label", "math_block_eqno"})
_ANGLE = re.compile(r"[<>]")
_TEXT_ARG = re.compile(r"\\(?:text\w*|mbox|hbox)\s*\{[^{}]*\}")
_LT, _GT = "\ue000", "\ue001"
"""Stand-ins for angle brackets inside ``\\text{…}``, which the converter copies
through unescaped; they become entities after conversion."""


_ACTIVE_TEX = re.compile(r"\\(?:href|url|class|cssId|style|unicode|require|html\w*|data|attr|toggle)(?![a-zA-Z])")
"""TeX commands that make links, set styles, classes or ids, or load code in a TeX
engine (MathJax) that reads the saved answer: a formula using one is shown as code."""


@functools.lru_cache(maxsize=512)
def to_mathml(latex: str, display: bool) -> str:
    """MathML for one formula, or its source as code when the converter refuses it.

    The TeX rides along as ``alttext`` (MathML's own text alternative): the saved
    answer is written from it for readers whose sanitizer drops MathML (see
    ``tex_for_typesetters``). Cached: the live block is rendered again on every frame,
    and a formula in it is the same string each time."""
    source = latex.strip()
    if not source:
        return ""
    if _ACTIVE_TEX.search(source):
        return f'<code class="cnb-math-error" title="not typeset">{html.escape(source)}</code>'
    # The converter copies \text{…} through unescaped: no angle bracket may reach it
    # raw. In text they become stand-ins, in math the TeX symbols for the relations.
    safe = _TEXT_ARG.sub(lambda m: m.group(0).replace("<", _LT).replace(">", _GT), source)
    safe = _ANGLE.sub(lambda m: r" \lt " if m.group(0) == "<" else r" \gt ", safe)
    try:
        mathml = str(convert(safe, display="block" if display else "inline"))
    except Exception:
        # latex2mathml raises many kinds of errors on malformed TeX: all mean "show the source".
        return f'<code class="cnb-math-error" title="not typeset">{html.escape(source)}</code>'
    if display:  # set as display, fractions and limits full size, wherever the formula stands
        mathml = mathml.replace(' display="block">', ' display="block" displaystyle="true">', 1)
    alt = html.escape(source, quote=True)
    mathml = mathml.replace("<math ", f'<math alttext="{alt}" ', 1)
    return mathml.replace(_LT, "&lt;").replace(_GT, "&gt;")


_MATHML = re.compile(r"<math\b([^>]*)>.*?</math>", re.DOTALL)
_ALT = re.compile(r'\balttext="([^"]*)"')
TEX_CLASS = "cnb-tex mathjax_process tex2jax_process"
"""Where Jupyter's MathJax is asked to typeset inside an answer it otherwise leaves
alone (``mathjax_ignore`` keeps it from reading prices as formulas)."""


def tex_for_typesetters(fragment: str) -> str:
    """``fragment`` with every formula in two forms, for readers that typeset
    differently: its MathML for readers with no typesetter (VS Code, Colab, Quarto
    without MathJax: the browser draws MathML), and its TeX for readers with
    MathJax (JupyterLab, trusted or not, and nbconvert). The stylesheet shows
    exactly one: the MathML, until MathJax has typeset the TeX. The MathML hides
    twice where no stylesheet survives a sanitizer: by an inline ``display:none``
    (JupyterLab untrusted keeps that and drops ``math``, leaving its text), and
    inside ``ruby > rp``, which browsers never show (sanitizers that drop styles
    but keep the elements). Only the saved answer takes this form; the live view
    keeps MathML."""
    if "<math" not in fragment:
        return fragment

    def pair(match: re.Match[str]) -> str:
        alt = _ALT.search(match.group(1))
        if alt is None:
            return match.group(0)
        block = 'display="block"' in match.group(1)
        opening, closing = ("\\[", "\\]") if block else ("\\(", "\\)")
        source = html.escape(html.unescape(alt.group(1)), quote=False)  # text again, whatever the serializer left
        kind = "cnb-mml cnb-mml-block" if block else "cnb-mml"
        mathml = f'<span class="{kind}" style="display:none"><ruby><rp>{match.group(0)}</rp></ruby></span>'
        return f'{mathml}<span class="{TEX_CLASS}">{opening}{source}{closing}</span>'

    return _MATHML.sub(pair, fragment)


def _render_math(renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    display = token.type in _DISPLAY_TOKENS
    mathml = to_mathml(token.content, display)
    if token.type.startswith("math_block"):
        return f'<div class="cnb-math">{mathml}</div>\n'
    return mathml


def _with_map(fn: Callable[[StateBlock, int, int, bool], bool]) -> Callable[[StateBlock, int, int, bool], bool]:
    """texmath's block tokens carry no source lines; the incremental renderer finds
    block boundaries by them, so record the lines the rule consumed."""

    def rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        count = len(state.tokens)
        matched = fn(state, start, end, silent)
        if matched and not silent and len(state.tokens) > count and state.tokens[-1].map is None:
            state.tokens[-1].map = [start, state.line]
        return matched

    return rule


def _display_brackets(state: StateInline, silent: bool) -> bool:
    """``\\[…\\]`` inside a paragraph, a list item, a table cell, a quote or a heading:
    texmath knows it only as a block of its own, and there the backslashes would be
    read as escapes and the formula left as bracketed TeX."""
    start = state.pos
    if not state.src.startswith("\\[", start):
        return False
    end = state.src.find("\\]", start + 2)
    if end < 0 or not state.src[start + 2 : end].strip():
        return False
    if not silent:
        token = state.push("math_inline_double", "math", 0)
        token.content = state.src[start + 2 : end]
        token.markup = "\\["
    state.pos = end + 2
    return True


def use_math(md: MarkdownIt) -> None:
    """Teach ``md`` the four delimiters, wherever markdown allows them, and render every
    math token as MathML."""
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, allow_labels=False, double_inline=True)
    before = {id(rule) for rule in md.block.ruler.__rules__}
    md.use(texmath_plugin, delimiters="brackets")
    for rule in md.block.ruler.__rules__:
        if id(rule) not in before:
            rule.fn = _with_map(rule.fn)
    md.block.ruler.__cache__ = None
    md.inline.ruler.before("escape", "math_display_brackets", _display_brackets)
    for name in _MATH_TOKENS:
        md.add_render_rule(name, _render_math)


_OPEN_DISPLAY = re.compile(r"\$\$|\\\[|\\\]")


def in_open_math(src: str) -> bool:
    """Whether ``src`` ends inside a display formula (``$$`` or ``\\[`` not closed yet).

    Healing must not touch such a tail: ``x_{i}`` or ``a*b`` there is TeX, not an
    emphasis marker waiting to be closed."""
    if "$$" not in src and "\\[" not in src:
        return False
    open_ = False
    for match in _OPEN_DISPLAY.finditer(src):
        token = match.group(0)
        if token == "$$":
            open_ = not open_
        elif token == "\\[":
            open_ = True
        else:
            open_ = False
    return open_
