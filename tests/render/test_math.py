"""Math typeset as MathML in the kernel: delimiters, currency, errors, and the tail of a
formula still being streamed."""

from __future__ import annotations

import re

from claude_nb.render.heal import heal
from claude_nb.render.markdown import MarkdownRenderer
from claude_nb.render.math import to_mathml
from claude_nb.replay import message_script

from ..view.test_view import RecordingView

R = MarkdownRenderer()

EVERY_KIND = (
    "Energy $E = mc^2$ and \\(a^2 + b^2 = c^2\\) inline.\n\n"
    "$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$\n\n"
    "\\[\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}\\]\n\n"
    "It costs $5 and $10 per month.\n"
)


def _shown(html: str) -> str:
    """The HTML less the formulas' TeX, which they carry as ``alttext``."""
    return re.sub(r'alttext="[^"]*"', "", html)


def test_every_delimiter_becomes_mathml() -> None:
    out = R.render(EVERY_KIND)
    assert out.count("<math") == 4
    assert out.count('display="block"') == 2
    assert "<mfrac>" in out and "<msup>" in out and "<msubsup>" in out
    assert "It costs $5 and $10 per month." in out
    assert "\\frac" not in _shown(out) and "\\int" not in _shown(out)
    assert 'alttext="\\int_0^1 x^2\\,dx = \\frac{1}{3}"' in out


def test_prices_stay_text() -> None:
    for text in ("$5 and $10", "from $5-$10 a day", "pay $3.50, or $4 later", "$ 5 $"):
        out = R.render(text)
        assert "<math" not in out, text
        assert text.replace("$ 5 $", "$ 5 $") in out


def test_a_formula_the_converter_rejects_is_code() -> None:
    out = R.render("Broken $\\frac{a}{$ here")
    assert '<code class="cnb-math-error"' in out and "\\frac{a}{" in out
    assert to_mathml("", False) == ""


def test_math_inside_code_is_code() -> None:
    out = R.render("`$x$` and\n\n```\n$$y$$\n```\n")
    assert "<math" not in out and "$x$" in out and "$$y$$" in out


def test_escaped_dollar_is_text() -> None:
    assert "<math" not in R.render("not math \\$x$ here")


def test_thinking_and_tables_typeset_too() -> None:
    out = R.render("| f | value |\n|---|---|\n| $x^2$ | 4 |\n")
    assert "<td><math" in out or "<math" in out.split("<td", 2)[1]


_COMPLETE = re.compile(r"\$\$.+?\$\$|\$[^$\s][^$]*?\$(?!\d)|\\\(.+?\\\)|\\\[.+?\\\]", re.DOTALL)


def test_an_unfinished_formula_shows_as_its_source() -> None:
    """At every prefix of a stream: no formula is typeset before it is complete, no
    half formula is taken for emphasis, and the converter never sees a fragment."""
    text = (
        "Energy $E = mc^2$ and $$\\int x_{i}*y_j\\,dx$$ then \\(a*b_c\\) and\n\n"
        "$$\n\\frac{a}{b}\n$$\n\n\\[\n\\sum_i x_i\n\\]\ndone $5 or *$6*."
    )
    for cut in range(1, len(text) + 1):
        prefix = text[:cut]
        out = R.render(heal(prefix))
        assert "cnb-math-error" not in out, prefix
        assert "<em>" not in out or prefix.endswith(("*$6", "*$6*", "*$6*.")), prefix
        assert "<strong>" not in out, prefix
        assert out.count("<math") <= len(_COMPLETE.findall(prefix)), (prefix, out)
    assert R.render(text).count("<math") == 5


def test_the_view_sends_mathml_live_and_keeps_latex_in_markdown() -> None:
    view = RecordingView()
    for step in message_script([{"type": "text", "text": EVERY_KIND}], chunk=7).steps:
        if step.kind == "event":
            view.feed(step.data)
    live = [m for m in view.sent if "<math" in str(m.get("a", ""))]
    assert live, "MathML reaches the frontend in the frames"
    saved = view.to_html()  # each formula twice: MathML for readers without MathJax, TeX for MathJax
    assert saved.count('<span class="cnb-tex mathjax_process tex2jax_process">') == 4
    assert saved.count('style="display:none"><ruby><rp><math ') == 4
    assert "\\(E = mc^2\\)" in saved and "\\[\\int_0^1 x^2\\,dx = \\frac{1}{3}\\]" in saved
    md = view._static_bundle()["text/markdown"]  # the dollar forms markdown readers typeset
    assert "$E = mc^2$" in md and "$a^2 + b^2 = c^2$" in md and "\\(" not in md
    assert "$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$" in md and "\\[" not in md


def test_the_markdown_fallback_keeps_a_less_than_inside_math_as_tex() -> None:
    from claude_nb.render import inert as _fallback

    text = (
        "If $a<b$ and \\(p<q\\) then $$x<y$$, while a<b outside is text.\n\n"
        "$$\n0<\\epsilon\n$$\n\n\\[\nc<d\n\\]\n\n- listed $u<v$\n\n`$c<d$` stays code; $5 < $10 stays a price.\n"
    )
    md = _fallback.markdown(text)
    assert "$a\\lt b$" in md and "$p\\lt q$" in md and "$$x\\lt y$$" in md and "$u\\lt v$" in md
    assert "0\\lt \\epsilon" in md and "c\\lt d" in md
    assert "a&lt;b outside" in md and "`$c<d$`" in md and "$5 &lt; $10" in md
    # Typeset, the fallback reads as the answer did: the same formulas, each with its relation.
    assert R.render(md).count("<math") == R.render(text).count("<math") == 6
    assert R.render(md).count("<mo>&lt;</mo>") == 6


EVERYWHERE = (
    "1. The limit is \\[\\lim_{n \\to \\infty} \\left(1 + \\frac{r}{n}\\right)^{n} = e^{r}\\]\n"
    "2. Its rate $r$ and \\(n\\) periods, or $$\\frac{a}{b}$$ inline\n\n"
    "- loose item with \\[\\frac{1}{2}\\]\n\n"
    "- and $x^2$\n\n"
    "| rate | growth |\n|---|---|\n| $r$ | \\(e^{r}\\) |\n| \\[\\frac{r}{n}\\] | $$n$$ |\n\n"
    "> A quote: \\[A = Pe^{rt}\\] and $t$\n\n"
    "## Heading $q$ and \\(p\\)\n\n"
    "It costs $5 and $10 per month.\n"
)


def test_math_wherever_markdown_allows_it_is_typeset_with_display_as_display() -> None:
    out = R.render(EVERYWHERE)
    assert out.count("<math") == 14, out
    shown = _shown(out)
    assert "\\frac" not in shown and "\\lim" not in shown and "\\[" not in shown and "\\(" not in shown
    # Display formulas are display math, in display style, even inside a list item.
    assert out.count('display="block" displaystyle="true"') == 6
    assert re.search(r'<li>The limit is <math alttext="[^"]*" display="block" displaystyle="true">', out)
    assert "It costs $5 and $10 per month." in out


def test_math_everywhere_is_the_same_live_as_rendered_at_once() -> None:
    view = RecordingView(frame_interval=0)
    for step in message_script([{"type": "text", "text": EVERYWHERE}], chunk=3).steps:
        if step.kind == "event":
            view.feed(step.data)
    assert view.status == "done" and view._frames.answer.html == R.render(EVERYWHERE)


def test_a_saved_formula_is_mathml_hidden_twice_then_tex() -> None:
    from claude_nb.render.math import tex_for_typesetters

    saved = tex_for_typesetters(R.render("Let $a<b$ hold.\n\n$$\\frac{1}{2}$$\n"))
    inline, block = re.findall(r'<span class="(cnb-mml[^"]*)" style="display:none"><ruby><rp><math ', saved)
    assert inline == "cnb-mml" and block == "cnb-mml cnb-mml-block"
    assert saved.count('</math></rp></ruby></span><span class="cnb-tex') == 2
    assert "\\(a&lt;b\\)" in saved and "\\[\\frac{1}{2}\\]" in saved


def test_markdown_formulas_take_the_dollar_forms_except_where_a_price_would_read() -> None:
    from claude_nb.render import inert as _fallback

    md = _fallback.markdown(
        "a \\( x + 1 \\) b \\[y\\] c; \\(5\\)0 and \\(a$b\\) stay.\n\n\\[\nq\n\\]\n\n"
        "`\\(code\\)` stays; $5 stays\n```\n\\(x\\)\n```\n"
    )
    assert "a $x + 1$ b $$y$$ c;" in md and "\\(5\\)0" in md and "\\(a$b\\)" in md
    assert "$$\nq\n$$" in md and "`\\(code\\)`" in md and "```\n\\(x\\)\n```" in md and "$5 stays" in md
