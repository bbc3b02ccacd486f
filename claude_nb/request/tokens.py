"""A request's size in tokens, estimated as the API documents it.

About four characters a token for text, width × height / 750 for an image (after the
API's own scaling to 1568 px and 1.15 megapixels), about 1,500 tokens a PDF page.
Close enough to decide whether to ask the API's free counting endpoint, and for the
loopback server's context window and prompt cache; never presented as exact.
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
from typing import Any

MAX_EDGE = 1568
"""The longest image edge the API uses as it is (pixels); larger images are scaled."""
MAX_PIXELS = 1_150_000
"""The most pixels the API uses as they are."""


def scale_for(width: int, height: int) -> float:
    """The factor that brings an image within what the API uses without scaling it again."""
    return min(1.0, MAX_EDGE / max(width, height, 1), math.sqrt(MAX_PIXELS / max(width * height, 1)))


_HEADER_CHARS = 1 << 17
"""Base64 characters decoded to read an image's size (96 KB: past any EXIF block)."""


def block_tokens(block: Any) -> int:
    """A block's documented estimate: text by characters, images by pixels, PDFs by pages."""
    if isinstance(block, str):
        return max(1, len(block) // 4)
    if not isinstance(block, dict):
        return 1
    kind = block.get("type")
    found = block.get("source")
    source: dict[str, Any] = found if isinstance(found, dict) else {}
    if kind == "image" and source.get("type") == "base64":
        return _image_tokens(str(source.get("data", "")))
    content = block.get("content")
    if kind == "tool_result" and isinstance(content, list):  # a figure a tool returned counts as an image
        rest = {k: v for k, v in block.items() if k not in ("content", "cache_control")}
        return sum(block_tokens(part) for part in content) + len(json.dumps(rest)) // 4
    if kind == "document" and source.get("type") == "base64":
        pdf = base64.b64decode(str(source.get("data", "")) or b"", validate=False)
        return 1500 * max(1, len(re.findall(rb"/Type\s*/Page(?!s)", pdf)))
    visible = {k: v for k, v in block.items() if k not in ("cache_control", "signature")}
    return max(1, len(json.dumps(visible, ensure_ascii=False)) // 4)


def image_size(data: str) -> tuple[int, int] | None:
    """The pixel size of a base64 image, read from its header: only the start is
    decoded (the size sits in the first bytes, after any metadata), since this runs on
    every image of the conversation for every cell."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(base64.b64decode(data[:_HEADER_CHARS]))) as image:
            return int(image.size[0]), int(image.size[1])
    except Exception:
        return None


def _image_tokens(data: str) -> int:
    size = image_size(data)
    if size is None:
        return 1600
    width, height = size
    scale = scale_for(width, height)
    return max(1, int(width * scale * height * scale / 750))


def units(body: dict[str, Any]) -> list[tuple[dict[str, Any] | str, int]]:
    """The request as the API's cache reads it — tools, system, then each message's
    blocks, in order — each with its token estimate."""
    out: list[tuple[dict[str, Any] | str, int]] = []
    for tool in body.get("tools") or []:
        out.append((tool, block_tokens(tool)))
    system = body.get("system")
    for block in [system] if isinstance(system, str) and system else system or []:
        out.append((block, block_tokens(block)))
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        for block in [content] if isinstance(content, str) else content or []:
            out.append((block, block_tokens(block) + 1))
    return out


def input_tokens(body: dict[str, Any]) -> int:
    return 3 + sum(tokens for _, tokens in units(body))
