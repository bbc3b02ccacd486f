"""Figures, images, PDFs and files become the blocks the API reads, within its limits."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest
from IPython.display import Image as IPythonImage
from PIL import Image

from claude_nb.core.errors import ClaudeError
from claude_nb.prompt.attachments import Attachment, TextFile, attachment
from claude_nb.request.tokens import MAX_EDGE, MAX_PIXELS


def png(width: int, height: int, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


def decoded(made: object) -> Image.Image:
    assert isinstance(made, Attachment)
    return Image.open(io.BytesIO(base64.b64decode(made.block["source"]["data"])))


def test_a_figure_is_one_png_image_block() -> None:
    fig, ax = plt.subplots(figsize=(3, 2), dpi=100)
    ax.plot([1, 2, 3], [1, 4, 9])
    made = attachment("fig", fig, file_chars=100)
    plt.close(fig)
    assert isinstance(made, Attachment)
    assert made.block["type"] == "image" and made.block["source"]["media_type"] == "image/png"
    image = decoded(made)
    assert image.format == "PNG" and 200 <= image.size[0] <= 300
    assert made.placeholder == f"[image: fig, {image.size[0]}×{image.size[1]} PNG]"


def test_a_big_image_is_scaled_to_what_the_api_uses() -> None:
    made = attachment("photo", Image.new("RGB", (4000, 3000), "red"), file_chars=100)
    image = decoded(made)
    width, height = image.size
    assert max(width, height) <= MAX_EDGE and width * height <= MAX_PIXELS
    assert abs(width / height - 4 / 3) < 0.01  # the aspect ratio kept
    tall = decoded(attachment("tall", png(300, 9000), file_chars=100))
    assert tall.size[1] == MAX_EDGE


def test_image_bytes_the_api_takes_are_sent_as_they_are() -> None:
    data = png(64, 32)
    made = attachment("raw", data, file_chars=100)
    assert isinstance(made, Attachment) and base64.b64decode(made.block["source"]["data"]) == data
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40)).save(buffer, format="JPEG")
    jpeg = attachment("j", buffer.getvalue(), file_chars=100)
    assert isinstance(jpeg, Attachment) and jpeg.block["source"]["media_type"] == "image/jpeg"
    assert attachment("b", b"not an image", file_chars=100) is None  # str() as before


def test_modes_the_api_cannot_read_are_converted() -> None:
    made = attachment("cmyk", Image.new("CMYK", (20, 20)), file_chars=100)
    assert decoded(made).mode in ("RGB", "RGBA")
    bmp = io.BytesIO()
    Image.new("RGB", (10, 10)).save(bmp, format="BMP")
    assert decoded(attachment("bmp", bmp.getvalue(), file_chars=100)).format == "PNG"


def test_ipython_images_embedded_or_by_url() -> None:
    made = attachment("im", IPythonImage(data=png(10, 10)), file_chars=100)
    assert isinstance(made, Attachment) and made.block["source"]["type"] == "base64"
    url = attachment("u", IPythonImage(url="https://example.org/a.png"), file_chars=100)
    assert isinstance(url, Attachment)
    assert url.block["source"] == {"type": "url", "url": "https://example.org/a.png"}


def test_paths_to_images_pdfs_and_text_files(tmp_path: Path) -> None:
    (tmp_path / "plot.png").write_bytes(png(30, 20))
    made = attachment("p", tmp_path / "plot.png", file_chars=100)
    assert isinstance(made, Attachment) and made.placeholder == "[image: plot.png, 30×20 PNG]"
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Page >> endobj\n%%EOF")
    pdf = attachment("r", tmp_path / "report.pdf", file_chars=100)
    assert isinstance(pdf, Attachment)
    assert pdf.block["type"] == "document" and pdf.block["source"]["media_type"] == "application/pdf"
    assert pdf.placeholder.startswith("[PDF: report.pdf, ")
    (tmp_path / "notes.md").write_text("é" * 250, encoding="utf-8")
    text = attachment("n", tmp_path / "notes.md", file_chars=100)
    assert isinstance(text, TextFile)
    assert text.text.startswith("File `notes.md` (first 100 characters of 500 bytes):\n```\n")
    assert text.text.count("é") == 100 and text.placeholder == "[file notes.md: 100 chars, cut]"


def test_paths_that_are_not_files_or_are_binary_stay_text(tmp_path: Path) -> None:
    (tmp_path / "data.bin").write_bytes(b"\x00\x01\x02" * 10)
    assert attachment("b", tmp_path / "data.bin", file_chars=100) is None
    assert attachment("d", tmp_path, file_chars=100) is None
    assert attachment("m", tmp_path / "missing.txt", file_chars=100) is None


def test_a_pdf_over_the_request_limit_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.pdf"
    with big.open("wb") as handle:
        handle.write(b"%PDF-1.4\n")
        handle.seek(33 * 1024 * 1024)
        handle.write(b"\n%%EOF")
    with pytest.raises(ClaudeError, match=r"big\.pdf is 33\.0 MB"):
        attachment("big", big, file_chars=100)
