"""What the real API checks in images, documents and cache breakpoints.

A client that sends an image under the wrong media type, a 9000 px screenshot, a
fifth cache breakpoint or a breakpoint on a thinking block gets the API's 400 here
too, in the API's words. Sizes in tokens are the client's documented estimates.
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Iterator
from typing import Any

from ..request.tokens import input_tokens, units
from ._rules import Rejection

__all__ = ["check_content", "input_tokens", "units"]

IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_EDGE, MAX_EDGE_MANY = 8000, 2000
MAX_BREAKPOINTS = 4
_PIL_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


def _bad(message: str) -> Rejection:
    return Rejection(400, "invalid_request_error", message)


def _blocks(body: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every block of the request with its path, in the order the API reads them."""
    for i, tool in enumerate(body.get("tools") or []):
        if isinstance(tool, dict):
            yield f"tools.{i}", tool
    system = body.get("system")
    if isinstance(system, list):
        for i, block in enumerate(system):
            if isinstance(block, dict):
                yield f"system.{i}", block
    for i, message in enumerate(body.get("messages") or []):
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            for j, block in enumerate(content):
                if isinstance(block, dict):
                    yield f"messages.{i}.content.{j}", block
                    inner = block.get("content") if block.get("type") == "tool_result" else None
                    for k, part in enumerate(inner if isinstance(inner, list) else []):
                        if isinstance(part, dict):  # an image or document a tool returned
                            yield f"messages.{i}.content.{j}.content.{k}", part


def check_content(body: dict[str, Any]) -> Rejection | None:
    images = sum(1 for _, b in _blocks(body) if b.get("type") == "image")
    marked = 0
    for path, block in _blocks(body):
        kind = str(block.get("type", ""))
        if kind == "image":
            problem = _check_image(path, block, MAX_EDGE if images <= 20 else MAX_EDGE_MANY)
        elif kind == "document":
            problem = _check_document(path, block)
        else:
            problem = None
        if problem is not None:
            return problem
        if "cache_control" in block:
            marked += 1
            problem = _check_breakpoint(path, kind, block)
            if problem is not None:
                return problem
    if marked > MAX_BREAKPOINTS:
        return _bad(f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be provided. Found {marked}.")
    return None


def _check_breakpoint(path: str, kind: str, block: dict[str, Any]) -> Rejection | None:
    if kind in ("thinking", "redacted_thinking"):
        return _bad(f"{path}.{kind}.cache_control: Extra inputs are not permitted")
    control = block["cache_control"]
    if not isinstance(control, dict) or control.get("type") != "ephemeral":
        return _bad(f"{path}.cache_control.type: Input should be 'ephemeral'")
    if control.get("ttl") not in (None, "5m", "1h"):
        return _bad(f"{path}.cache_control.ephemeral.ttl: Input should be '5m' or '1h'")
    if kind == "text" and not str(block.get("text", "")).strip():
        return _bad(f"{path}.text: cache_control cannot be set for empty text blocks")
    return None


def _decoded(path: str, source: dict[str, Any]) -> bytes | Rejection:
    data = source.get("data")
    if not isinstance(data, str):
        return _bad(f"{path}.source.base64.data: Field required")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return _bad(f"{path}.source.base64.data: Invalid base64 data")


def _check_image(path: str, block: dict[str, Any], max_edge: int) -> Rejection | None:
    source = block.get("source") or {}
    kind = source.get("type")
    if kind in ("url", "file"):
        return None
    if kind != "base64":
        return _bad(
            f"{path}.image.source: Input tag {kind!r} found using 'type' does not match any of the expected tags"
        )
    media = source.get("media_type")
    if media not in IMAGE_TYPES:
        return _bad(
            f"{path}.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or "
            "'image/webp'"
        )
    if len(str(source.get("data", ""))) > MAX_IMAGE_BYTES:
        size = len(str(source.get("data", "")))
        return _bad(f"{path}.image.source.base64: image exceeds 5 MB maximum: {size} bytes > {MAX_IMAGE_BYTES} bytes")
    data = _decoded(f"{path}.image", source)
    if isinstance(data, Rejection):
        return data
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            actual, (width, height) = _PIL_TYPES.get(str(image.format)), image.size
    except (UnidentifiedImageError, OSError, ValueError):
        return _bad(f"{path}.image.source.base64.data: Could not process image")
    if actual != media:
        return _bad(
            f"{path}.image.source.base64.data: The image was specified using the {media} media type, "
            f"but the image appears to be a {actual or 'unsupported'} image"
        )
    if max(int(width), int(height)) > max_edge:
        return _bad(
            f"{path}.image.source.base64.data: At least one of the image dimensions exceed max allowed size: "
            f"{max_edge} pixels"
        )
    return None


def _check_document(path: str, block: dict[str, Any]) -> Rejection | None:
    source = block.get("source") or {}
    kind = source.get("type")
    if kind == "text":
        return (
            None
            if source.get("media_type") == "text/plain"
            else _bad(f"{path}.document.source.text.media_type: Input should be 'text/plain'")
        )
    if kind in ("url", "file", "content"):
        return None
    if kind != "base64":
        return _bad(
            f"{path}.document.source: Input tag {kind!r} found using 'type' does not match any of the expected tags"
        )
    if source.get("media_type") != "application/pdf":
        return _bad(f"{path}.document.source.base64.media_type: Input should be 'application/pdf'")
    data = _decoded(f"{path}.document", source)
    if isinstance(data, Rejection):
        return data
    if not data.startswith(b"%PDF-"):
        return _bad("The PDF specified was not valid.")
    return None
