"""Display-only repair of the live (last, still growing) markdown block.

While a block streams, its source is often momentarily broken: ``**bold`` before the
closing ``**``, ``[text](http://exa`` before the ``)``, a line of ``-`` that will turn
out to be a list item, half a tag. Rendered as-is, these flash raw syntax or change
the block's kind for a frame. Healing closes or hides them for the render only; the
source the user gets back (``.text``) is never changed.
"""

from __future__ import annotations

import re

from .math import in_open_math

_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT_TAIL = re.compile(r"\n {0,3}(?:-+|=+) *$")
_LONE_BULLET_TAIL = re.compile(r"(?:^|\n) {0,3}(?:[-+*]|\d{1,9}[.)]?) *$")
_OPEN_LINK_TAIL = re.compile(r"(!?)\[([^\[\]\n]*)\](?:\([^()\s]*(?:\s[^()]*)?)?$")
_OPEN_BRACKET_TAIL = re.compile(r"(!?)\[([^\[\]\n]*)$")
_HALF_TAG_TAIL = re.compile(r"<[A-Za-z/!][^<>\n]*$")
_MARKERS = ("**", "__", "~~", "*", "_")


def in_open_fence(src: str) -> bool:
    """True when ``src`` starts a fenced code block that has not been closed yet."""
    first = src.lstrip("\n").split("\n", 1)[0]
    match = _FENCE_OPEN.match(first)
    if not match:
        return False
    fence = match.group(1)
    closing = re.compile(r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",} *$", re.M)
    rest = src.lstrip("\n").split("\n", 1)
    return len(rest) < 2 or not closing.search(rest[1])


_SPECIAL = re.compile(r"\\\(|\\.|`+|\$\$?|\*\*|__|~~|\*|_")


def _open_markers(line: str) -> list[str]:
    """Emphasis, strike and code markers still open at the end of ``line``.

    Visits only the special characters (a regex finds them), so a long plain line
    costs almost nothing; this runs on every frame."""
    stack: list[str] = []
    n = len(line)
    code_end = -1
    for match in _SPECIAL.finditer(line):
        i = match.start()
        if i < code_end:
            continue
        token = match.group(0)
        if token == "\\(":
            end = line.find("\\)", match.end())
            if end < 0:
                return stack  # an open formula: what follows is TeX, not markers
            code_end = end + 2
            continue
        if token[0] == "\\":
            continue
        if token[0] == "$":
            # Nearly the math rules' test for an opening dollar (no space after it, no digit
            # before it); a digit after it is taken for a price here, not a formula.
            after = line[match.end() : match.end() + 1]
            if not after or after.isspace() or after.isdigit() or (i and line[i - 1].isdigit()):
                continue
            end = line.find(token, match.end())
            if end < 0:
                return stack
            code_end = end + len(token)
            continue
        if token[0] == "`":
            end = line.find(token, match.end())
            while end >= 0 and end + len(token) < n and line[end + len(token)] == "`":
                end = line.find(token, end + len(token) + 1)
            if end < 0:
                stack.append(token)
                return stack
            code_end = end + len(token)
            continue
        before = line[i - 1] if i else " "
        after = line[match.end()] if match.end() < n else ""
        if token[0] == "_" and before.isalnum() and (after.isalnum() or after == ""):
            continue  # intraword underscore: never emphasis
        if stack and stack[-1] == token and not before.isspace():
            stack.pop()
        elif after and not after.isspace():
            stack.append(token)
    return stack


def heal(src: str) -> str:
    """Return ``src`` with its unfinished tail closed or hidden, for rendering only."""
    if not src or in_open_fence(src):
        return src
    if in_open_math(src):
        # A formula being typed shows as its source; half of its closing delimiter
        # would close it wrongly for a frame (``$$x$`` reads as ``$`` + ``$x$``).
        return src[:-1] if src.endswith(("$", "\\")) and not src.endswith("$$") else src
    # A trailing line of only '-' or '=' may be a setext underline or a list bullet
    # being typed; a lone bullet or list number is not content yet.
    src = _SETEXT_TAIL.sub("", src)
    src = _LONE_BULLET_TAIL.sub("", src)
    src = _HALF_TAG_TAIL.sub("", src)
    src = _OPEN_LINK_TAIL.sub(lambda m: "" if m.group(1) else m.group(2), src)
    src = _OPEN_BRACKET_TAIL.sub(lambda m: "" if m.group(1) else m.group(2), src)
    last_nl = src.rfind("\n")
    line = src[last_nl + 1 :]
    if line.startswith("    ") or line.startswith("\t"):
        return src  # indented code: nothing inline to heal
    stripped = src.rstrip()
    # An opener with nothing after it yet is dropped rather than closed empty.
    for marker in _MARKERS:
        if stripped.endswith(marker) and line.rstrip().count(marker) % 2 == 1:
            return heal(stripped[: -len(marker)])
    opened = _open_markers(line)
    if not opened:
        return src
    trailing = src[len(stripped) :]
    return stripped + "".join(reversed(opened)) + trailing
