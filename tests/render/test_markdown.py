"""The renderer: features, incremental equivalence, and tail healing."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.token import Token

from claude_nb.render.heal import heal
from claude_nb.render.incremental import IncrementalMarkdown
from claude_nb.render.markdown import MarkdownRenderer
from claude_nb.replay._scenarios import RICH_MARKDOWN

R = MarkdownRenderer()


def test_features() -> None:
    html = R.render(RICH_MARKDOWN)
    for tag in ("<h1>", "<h2>", "<table>", "<ol>", "<ul>", "<blockquote>", "<s>", "<strong>", "<em>"):
        assert tag in html
    assert '<pre><code class="language-python"><span class="k">def</span>' in html
    assert 'target="_blank"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "&lt;b&gt;html&lt;/b&gt;" in html


def test_code_spans_one_per_look_and_none_for_plain_text() -> None:
    html = R.render("```python\nfor x in items:\n    total += f(x) * 2  # sum\n```\n")
    assert '<span class="k">for</span> x <span class="k">in</span> items:' in html  # names, brackets plain
    assert '<span class="o">+=</span>' in html and '<span class="m">2</span>' in html
    assert '<span class="c"># sum</span>' in html
    assert 'class="n"' not in html and 'class="p"' not in html and 'class="w"' not in html
    # Neighbours of one look share a span: Pygments cuts a string into quote, body, quote.
    assert '</span> <span class="s">"abc"</span>' in R.render('```python\nx = "abc"\n```\n')


def test_every_look_the_highlighter_uses_is_styled() -> None:
    import re
    from importlib.resources import files

    from claude_nb.render.markdown import _LOOKS

    css = files("claude_nb").joinpath("_frontend/view.css").read_text()
    styled = set(re.findall(r"\.cnb \.([a-z]+) \{", css))
    assert {look for _, look in _LOOKS} <= styled


def test_task_lists_and_unknown_fence_language() -> None:
    html = R.render("- [x] done\n- [ ] todo\n\n```nosuchlang\n<b>x</b>\n```\n")
    assert 'type="checkbox"' in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_remote_images_are_placeholders_unless_allowed() -> None:
    src = "![chart](https://evil.example/leak?q=secret)"
    html = R.render(src)
    assert "<img" not in html and "evil.example" in html and "cnb-image-blocked" in html
    allowed = MarkdownRenderer(allow_remote_images=True).render(src)
    assert '<img src="https://evil.example/leak?q=secret"' in allowed


def _replay(text: str, cuts: list[int], heal_tail: bool = False) -> IncrementalMarkdown:
    inc = IncrementalMarkdown(R, heal_tail=heal_tail)
    for cut in cuts:
        inc.update(text[:cut])
        if not heal_tail:
            assert inc.html == R.render(text[:cut]), repr(text[:cut])
    return inc


def test_every_prefix_of_rich_markdown_matches_one_shot() -> None:
    inc = _replay(RICH_MARKDOWN, list(range(1, len(RICH_MARKDOWN) + 1)))
    assert len(inc.frozen_html) > 5  # blocks really froze
    inc.finish(RICH_MARKDOWN)
    assert inc.html == R.render(RICH_MARKDOWN)


def test_known_traps() -> None:
    for text in (
        "1. a\n\n2. b\n\n3. c\n",  # ordered list continued after blank lines
        "Title\n-----\n\ntext\n",  # setext heading
        "para\n\n```python\nx = 1\n\ny = 2\n```\n\nafter\n",  # fence with blank lines
        "- a\n- b\n\n  continued\n\nout\n",  # loose list item continuation
        "| a | b |\n|---|---|\n| 1 | 2 |\n\nnext\n",
        "> quote\nlazy\n\n# h\n",
    ):
        _replay(text, list(range(1, len(text) + 1)))


def test_reference_defined_later_settles_at_finish() -> None:
    text = "see [docs][d]\n\nmore text\n\n[d]: https://example.com\n"
    inc = _replay(text, list(range(1, len(text) + 1)), heal_tail=True)
    assert "https://example.com" not in inc.html  # the paragraph froze before its reference arrived
    frame = inc.finish(text)
    # The frontend is told to start over, with the one-shot render as its whole content.
    assert frame.reset and frame.frozen == [R.render(text)] and not frame.live
    assert 'href="https://example.com"' in frame.frozen[0]


BLOCKS = st.sampled_from(
    [
        "# Heading\n",
        "Some *emphasis* and **bold** text.\n",
        "1. one\n2. two\n",
        "1. one\n\n2. two after blank\n",
        "- bullet\n- bullet two\n",
        "> quoted\n",
        "```python\nprint('x')\n\n```\n",
        "| a | b |\n|---|---|\n| 1 | 2 |\n",
        "Setext\n======\n",
        "Text\n---\n",
        "---\n",
        "    indented code\n",
        "~~strike~~ and `code`\n",
        "[link](https://example.com) ![img](https://x.example/i.png)\n",
        "\n",
        "plain line\n",
        "<div>raw</div>\n",
        "- [ ] task\n",
        'Price (in $) is 5% = "cheap" / ok! Mail a@b.example now.\n',
        "Café über naïve 東京 text, déjà vu.\n",
        "# Heading with (parens) #\n",
        "See [docs](https://example.com) and more words (here).\n",
        "Entity &amp and &copy; and &#35;\n",
        "- item one, plain words\n- item two: more words\n",
        "First line of a paragraph\nsecond line *with emphasis\nacross* lines and more\n",
        "Hard break here  \nnext line after it\n",
        "> quoted start\nlazy continuation words\n> back in quote\n",
        "- outer item\n  - inner item words\n  - inner *two*\n",
        "- [ ] task text\ncontinued lazily here\n",
        "- ## heading in item #\n",
        "Para words\n***x and more\n",
        "Para words\n- list interrupts\n",
        "Trailing nbsp\u00a0\u00a0\nnext words\n",
        "Tabs\tinside\twords here\n",
        "A [link split\nacross](https://example.com) lines\n",
        "Code `span\nacross` lines\n",
        "1) paren item words\n2) second paren item\n",
        "    indented code\n\n    more code after blank\n",
        "\n\n",
        "- alpha *one*\n- beta `two`\n- gamma [three](https://x.example)\n- delta **four**\n",
        "3. third item\n4. fourth item words\n5. fifth\n",
        "- dash item\n* star item\n+ plus item\n",
        "- item\n  continued indented\n- next item\nlazy line words\n",
        "- item with code\n  ```\n  code in item\n  ```\n- after code\n",
        "- plain item\n- [x] done task\n- another\n",
        "- item\n# heading ends list\n",
        "- item one\n---\n",
        "1. one\n2. two\n- bullet after ordered\n",
        "- a\n- b\n\n- c loose now\n",
        "- top\n  - nested one\n\n  - nested loose\n- top two\n",
        "10. ten\n11. eleven\n",
        "Inline $E = mc^2$ and \\(a_1 + b^2\\) in words.\n",
        "$$\n\\int_0^1 x^2\\,dx\n$$\n",
        "\\[\n\\frac{a}{b}\n\\]\n",
        "Prices $5 and $10 stay text.\n",
        "Display $$x_{i}*y_{j}$$ inside a line.\n",
        "Broken $\\frac{a}{$ formula and *em*.\n",
        "- item with $x^2$ math\n- and \\(y\\)\n",
    ]
)


@settings(max_examples=150, deadline=None)
@given(blocks=st.lists(BLOCKS, min_size=1, max_size=8), data=st.data())
def test_incremental_equals_one_shot_at_random_splits(blocks: list[str], data: st.DataObject) -> None:
    text = "".join(blocks)
    cuts = [*sorted(set(data.draw(st.lists(st.integers(1, len(text)), max_size=25)))), len(text)]
    inc = _replay(text, cuts)
    inc.finish(text)
    assert inc.html == R.render(text)


@settings(max_examples=40, deadline=None)
@given(blocks=st.lists(BLOCKS, min_size=1, max_size=6), data=st.data())
def test_healed_updates_settle_to_one_shot(blocks: list[str], data: st.DataObject) -> None:
    text = "".join(blocks)
    cuts = [*sorted(set(data.draw(st.lists(st.integers(1, len(text)), max_size=25)))), len(text)]
    inc = _replay(text, cuts, heal_tail=True)
    inc.finish(text)
    assert inc.html == R.render(text)


class _SlowOnly(IncrementalMarkdown):
    """The same renderer with its shortcuts off: every frame parses the live block."""

    def _try_append(self, source: str) -> None:
        return None

    def _try_tail(self, source: str) -> None:
        return None

    def _try_list(self, source: str) -> None:
        return None

    def _try_fence(self, source: str) -> None:
        return None


def _assert_shortcuts_exact(text: str, cuts: list[int]) -> None:
    fast, slow = IncrementalMarkdown(R), _SlowOnly(R)
    for cut in cuts:
        fast.update(text[:cut])
        slow.update(text[:cut])
        assert fast.html == slow.html, repr(text[:cut])
    fast.finish(text)
    assert fast.html == R.render(text)


@settings(max_examples=150, deadline=None)
@given(blocks=st.lists(BLOCKS, min_size=1, max_size=8), data=st.data())
def test_healed_shortcuts_match_full_renders(blocks: list[str], data: st.DataObject) -> None:
    """With healing on, frames taken by the append, last-line and list shortcuts
    equal a full parse of the same (healed) live block."""
    text = "".join(blocks)
    cuts = [*sorted(set(data.draw(st.lists(st.integers(1, len(text)), max_size=40)))), len(text)]
    _assert_shortcuts_exact(text, cuts)


def test_shortcuts_at_every_prefix_of_rich_markdown() -> None:
    _assert_shortcuts_exact(RICH_MARKDOWN, list(range(1, len(RICH_MARKDOWN) + 1)))


class _CountingRenderer(MarkdownRenderer):
    def __init__(self) -> None:
        super().__init__()
        self.parses = 0

    def parse(self, src: str, env: dict[str, Any]) -> list[Token]:
        self.parses += 1
        return super().parse(src, env)


def test_last_line_shortcut_is_taken() -> None:
    """Words added to a list item or paragraph line with markup skip the block parse."""
    renderer = _CountingRenderer()
    inc = IncrementalMarkdown(renderer)
    text = "- first item with **bold** words\n- second item, `code` and *more* words to [come](https://x.example)"
    inc.update(text[:40])
    before = renderer.parses
    for cut in range(41, len(text) + 1):
        inc.update(text[:cut])
    assert renderer.parses == before
    assert inc.html == R.render(text)


def test_list_shortcut_parses_only_the_last_items() -> None:
    """New items of a tight list are parsed on their own, not with the whole list."""
    lengths: list[int] = []

    class Recording(MarkdownRenderer):
        def parse(self, src: str, env: dict[str, Any]) -> list[Token]:
            lengths.append(len(src))
            return super().parse(src, env)

    items = [f"- item number {i} with **bold** and `code` words\n" for i in range(12)]
    text = "".join(items)
    inc = IncrementalMarkdown(Recording())
    inc.update("".join(items[:3]))
    lengths.clear()
    for cut in range(len("".join(items[:3])) + 1, len(text) + 1, 7):
        inc.update(text[:cut])
    inc.update(text)
    assert lengths and max(lengths) < 2 * len(items[0])
    assert inc.html == R.render(text)


def test_blank_line_freezes_the_block_before() -> None:
    """A paragraph is final once a blank line follows it: it is not parsed again while
    the next block's first line is typed; a list before a blank line still waits."""
    inc = IncrementalMarkdown(R)
    inc.update("Para one ends here.\n\nNext par")
    assert inc.frozen_html == [R.render("Para one ends here.\n")]
    lst = IncrementalMarkdown(R)
    lst.update("1. one\n\n2")
    assert lst.frozen_html == []
    lst.update("1. one\n\n2. two\n\nafter")
    assert "".join(lst.frozen_html) + lst.html[len("".join(lst.frozen_html)) :] == lst.html


def test_heal_closes_and_hides() -> None:
    assert heal("Hello **bol") == "Hello **bol**"
    assert heal("a *it") == "a *it*"
    assert heal("x `code") == "x `code`"
    assert heal("pick ~~no") == "pick ~~no~~"
    assert heal("see [the docs](https://exa") == "see the docs"
    assert heal("see ![chart](https://exa") == "see "
    assert heal("Text\n--") == "Text"
    assert heal("a <di") == "a "
    assert heal("snake_case_name") == "snake_case_name"
    assert heal("2 * 3 = 6") == "2 * 3 = 6"
    assert heal("ends with **") == "ends with "
    fence = '```py\nx = "**"'
    assert heal(fence) == fence


def test_heal_never_flashes_raw_syntax() -> None:
    text = "Read **the [manual](https://example.com/manual)** now."
    for cut in range(1, len(text) + 1):
        html = R.render(heal(text[:cut]))
        assert "](" not in html and "**" not in html, text[:cut]


FENCE_LINES = st.sampled_from(
    ["x = 1", "    return a < b & c", 'say("hi")  ', "", "   ", "``", "```", "~~~", "``` not a close", "# comment"]
)


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(FENCE_LINES, max_size=8), opener=st.sampled_from(["```python", "~~~", "````", "``` js x"]))
def test_open_fence_shortcut_matches_full_renders(lines: list[str], opener: str) -> None:
    """A growing code fence, spaces, blank lines, escapes and near-closers included,
    renders at every prefix exactly as a full parse of it does."""
    text = "Intro.\n\n" + opener + "\n" + "\n".join(lines) + "\n\nafter\n"
    _assert_shortcuts_exact(text, list(range(1, len(text) + 1)))


def test_open_fence_shortcut_skips_the_parse() -> None:
    renderer = _CountingRenderer()
    inc = IncrementalMarkdown(renderer)
    code = "```python\n" + "".join(f"def f{i}(x):\n    return x < {i} and 'a' & b\n" for i in range(20))
    inc.update(code[:12])
    before = renderer.parses
    for cut in range(13, len(code) + 1):
        inc.update(code[:cut])
    assert renderer.parses == before
    assert inc.html == IncrementalMarkdown(R).update(code).live
