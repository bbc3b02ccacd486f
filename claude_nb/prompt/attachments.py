"""Figures, images, PDFs and text files as the content blocks the API reads.

A matplotlib figure's ``str()`` is ``Figure(640x480)``: the model never sees the
plot. Here a figure, a PIL or IPython image, image bytes or a path to an image
become one base64 ``image`` block, scaled to what the API uses (it rejects images
over 8000 px a side or 5 MB, and scales anything over 1568 px on the long edge or
about 1.15 megapixels down itself, which only costs time to first token); a path to
a PDF becomes a ``document`` block; a path to a text file becomes its contents, cut
at a limit and named. Anything else is not an attachment, and ``None`` says so.
Pillow does the reading and scaling; nothing is decoded by hand.
"""

from __future__ import annotations

import base64
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import ClaudeError
from ..request.tokens import scale_for

MAX_IMAGE_BYTES = 5 * 1024 * 1024
"""The API's limit on one image, applied to its base64 text (the stricter reading)."""
MAX_PDF_BYTES = 32 * 1024 * 1024
"""The API's limit on a whole request, so no PDF over it can be sent."""
MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}


@dataclass(frozen=True)
class Attachment:
    """A block to send, and what the prompt echo and history show in its place."""

    block: dict[str, Any]
    placeholder: str


@dataclass(frozen=True)
class TextFile:
    text: str
    placeholder: str


def _from(value: Any, module: str, *names: str) -> bool:
    cls = type(value)
    return cls.__module__.split(".")[0] == module and (not names or cls.__name__ in names)


def attachment(name: str, value: Any, *, file_chars: int) -> Attachment | TextFile | None:
    """The block ``value`` becomes, or None when it is not an image, a PDF or a file."""
    if _from(value, "matplotlib") and hasattr(value, "savefig"):
        return _figure(name, value)
    if _from(value, "PIL") and hasattr(value, "save") and hasattr(value, "size"):
        return _image(name, value, None)
    if _from(value, "IPython", "Image"):
        return _ipython_image(name, value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _bytes(name, bytes(value))
    if isinstance(value, os.PathLike):
        return _path(Path(os.fspath(value)), file_chars)
    return None


def _figure(name: str, figure: Any) -> Attachment:
    """The figure as the notebook shows it inline: PNG, tight bounding box."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return _bytes(name, buffer.getvalue()) or _unreadable(name)


def _ipython_image(name: str, image: Any) -> Attachment | None:
    data = getattr(image, "data", None)
    if isinstance(data, bytes):
        return _bytes(name, data) or _unreadable(name)
    url = getattr(image, "url", None)
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return Attachment({"type": "image", "source": {"type": "url", "url": url}}, f"[image: {name}, {url}]")
    return None


def _bytes(name: str, data: bytes) -> Attachment | None:
    if data.startswith(b"%PDF-"):
        return _pdf(name, data)
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    return _image(name, image, data)


def _unreadable(name: str) -> Attachment:
    raise ClaudeError(f"{{{name}}} could not be read as an image")


def _image(name: str, image: Any, original: bytes | None) -> Attachment:
    """A PIL image as a block: the original bytes when the API takes them as they are,
    else scaled and re-encoded (PNG; JPEG for photographs that were JPEG)."""
    width, height = image.size
    source_format = str(getattr(image, "format", None) or "")
    scale = scale_for(width, height)
    if (
        scale == 1.0
        and original is not None
        and source_format in MEDIA_TYPES
        and _b64_size(len(original)) <= MAX_IMAGE_BYTES
    ):
        return _image_block(name, original, source_format, width, height)
    if scale < 1.0:
        image = image.resize((max(1, int(width * scale)), max(1, int(height * scale))))
    data, fmt = _encode(image, photo=source_format == "JPEG")
    if _b64_size(len(data)) > MAX_IMAGE_BYTES:
        data, fmt = _encode(image, photo=True)
    return _image_block(name, data, fmt, *image.size)


def _encode(image: Any, *, photo: bool) -> tuple[bytes, str]:
    buffer = io.BytesIO()
    if photo:
        image.convert("RGB").save(buffer, format="JPEG", quality=85)
        return buffer.getvalue(), "JPEG"
    if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.mode else "RGB")
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue(), "PNG"


def _b64_size(n: int) -> int:
    return 4 * ((n + 2) // 3)


def _image_block(name: str, data: bytes, fmt: str, width: int, height: int) -> Attachment:
    source = {"type": "base64", "media_type": MEDIA_TYPES[fmt], "data": base64.b64encode(data).decode("ascii")}
    return Attachment({"type": "image", "source": source}, f"[image: {name}, {width}×{height} {fmt}]")


def _check_pdf_size(name: str, size: int) -> None:
    if size > MAX_PDF_BYTES:
        raise ClaudeError(f"{name} is {_size(size)}; the API takes requests of at most {_size(MAX_PDF_BYTES)}")


def _pdf(name: str, data: bytes) -> Attachment:
    _check_pdf_size(name, len(data))
    source = {"type": "base64", "media_type": "application/pdf", "data": base64.b64encode(data).decode("ascii")}
    return Attachment({"type": "document", "source": source, "title": name}, f"[PDF: {name}, {_size(len(data))}]")


def _path(path: Path, file_chars: int) -> Attachment | TextFile | None:
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        start = handle.read(8)
    if start.startswith(b"%PDF-"):
        _check_pdf_size(path.name, path.stat().st_size)
        return _pdf(path.name, path.read_bytes())
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(path)
    except (UnidentifiedImageError, OSError, ValueError):
        return _text_file(path, file_chars)
    with image:
        small = path.stat().st_size <= MAX_IMAGE_BYTES and str(image.format or "") in MEDIA_TYPES
        return _image(path.name, image, path.read_bytes() if small else None)


def _text_file(path: Path, limit: int) -> TextFile | None:
    """A UTF-8 file's text up to ``limit`` characters; None for anything binary."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        chunk = handle.read(limit * 4 + 4)
    if b"\0" in chunk:
        return None
    try:
        text = chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(chunk) - 4:  # not a character cut by the read: not UTF-8 text
            return None
        text = chunk[: exc.start].decode("utf-8")
    cut = len(text) > limit or len(chunk) < size
    text = text[:limit]
    fence = "````" if "```" in text else "```"
    note = f" (first {len(text):,} characters of {_size(size)})" if cut else ""
    body = f"File `{path.name}`{note}:\n{fence}\n{text}\n{fence}"
    return TextFile(body, f"[file {path.name}: {len(text):,} chars{', cut' if cut else ''}]")


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} MB"
