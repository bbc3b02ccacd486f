"""A request's size before it is sent: counted by the API's endpoint when large,
stopped when over the model's context window — through the real SDK, against the
loopback's counting and Models endpoints and its image and document rules."""

from __future__ import annotations

import base64
import io
from typing import Any

import anthropic
import pytest
from PIL import Image

from claude_nb.core.errors import ClaudeError
from claude_nb.replay import ReplayServer
from claude_nb.request import budget as _budget

pytestmark = pytest.mark.sdk  # run again against the oldest supported SDK


def client(server: ReplayServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="sk-test", base_url=server.base_url, max_retries=0)


def request(text: str) -> dict[str, Any]:
    return {"model": "claude-sonnet-5-5", "max_tokens": 100, "messages": [{"role": "user", "content": text}]}


def paths(server: ReplayServer, since: int) -> list[str]:
    return [r["path"] for r in server.requests[since:]]


def test_a_small_request_is_not_counted(server: ReplayServer) -> None:
    before = len(server.requests)
    assert _budget.check(client(server), request("hello"), 50_000) is None
    assert paths(server, before) == []


def test_a_large_request_is_counted_and_its_size_shown(server: ReplayServer) -> None:
    before = len(server.requests)
    note = _budget.check(client(server), request("word " * 60_000), 50_000)
    assert paths(server, before) == ["/v1/messages/count_tokens", "/v1/models/claude-sonnet-5-5"]
    assert note is not None and note.startswith("request: ") and "input tokens of 200,000" in note
    assert "about" not in note  # counted, not estimated


def test_over_the_window_stops_before_the_upload(server: ReplayServer) -> None:
    server.context_window = 60_000
    try:
        before = len(server.requests)
        with pytest.raises(ClaudeError, match=r"over the context window of claude-sonnet-5-5 \(60,000\)"):
            _budget.check(client(server), request("word " * 60_000), 50_000)
        assert "/v1/messages" not in paths(server, before)
    finally:
        server.context_window = 200_000


def test_without_the_endpoints_the_estimate_and_the_standard_window_stand_in() -> None:
    dead = anthropic.Anthropic(api_key="sk-test", base_url="http://127.0.0.1:9", max_retries=0)
    note = _budget.check(dead, request("word " * 60_000), 50_000)
    assert note is not None and note.startswith("request: about ") and "of 200,000" in note
    with pytest.raises(ClaudeError, match="about"):
        _budget.check(dead, request("word " * 900_000), 50_000)
    one_m = {**request("word " * 900_000), "extra_headers": {"anthropic-beta": "context-1m-2025-08-07"}}
    assert "of " not in (_budget.check(dead, one_m, 50_000) or "")


def test_the_api_refuses_a_request_over_the_window_too(server: ReplayServer) -> None:
    with pytest.raises(anthropic.BadRequestError, match=r"prompt is too long: \d+ tokens > 200000 maximum"):
        client(server).messages.create(**request("word " * 900_000))


def png_b64(width: int, height: int, fmt: str = "PNG") -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height)).save(buffer, format=fmt)
    return base64.b64encode(buffer.getvalue()).decode()


def image(data: str, media_type: str = "image/png") -> dict[str, Any]:
    return {"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}}


@pytest.mark.parametrize(
    ("block", "says"),
    [
        (image(png_b64(10, 10), "image/bmp"), "media_type: Input should be 'image/jpeg'"),
        (image(png_b64(10, 10, "JPEG")), "specified using the image/png media type, but the image appears"),
        (image(png_b64(8001, 10)), "image dimensions exceed max allowed size: 8000 pixels"),
        (image("not base64!"), "Invalid base64 data"),
        (image("A" * (5 * 1024 * 1024 + 4)), "image exceeds 5 MB maximum"),
        (
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "eHl6"}},
            "The PDF specified was not valid.",
        ),
    ],
)
def test_the_loopback_refuses_images_and_documents_the_api_refuses(
    server: ReplayServer, block: dict[str, Any], says: str
) -> None:
    messages = [{"role": "user", "content": [block, {"type": "text", "text": "what is this?"}]}]
    with pytest.raises(anthropic.BadRequestError, match=says):
        client(server).messages.create(model="claude-sonnet-5-5", max_tokens=10, messages=messages)


def test_an_image_is_counted_by_its_pixels(server: ReplayServer) -> None:
    messages = [{"role": "user", "content": [image(png_b64(750, 100)), {"type": "text", "text": "hi"}]}]
    counted = client(server).messages.count_tokens(model="claude-sonnet-5-5", messages=messages)
    assert 100 <= counted.input_tokens < 120
