"""The loopback server speaks the wire format byte for byte as documented."""

from __future__ import annotations

import http.client
import json

import pytest

from claude_nb.replay import ReplayServer

pytestmark = pytest.mark.sdk  # run again against the oldest supported SDK

HEADERS = {"content-type": "application/json", "x-api-key": "k", "anthropic-version": "2023-06-01"}


def _post(server: ReplayServer, prompt: str, **extra: object) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    body = json.dumps(
        {"model": "m", "max_tokens": 5000, "stream": True, "messages": [{"role": "user", "content": prompt}], **extra}
    )
    conn.request("POST", "/v1/messages", body, HEADERS)
    return conn.getresponse()


def test_sse_frames_usage_and_headers(replay: ReplayServer) -> None:
    response = _post(replay, "replay:thinking", thinking={"type": "enabled", "budget_tokens": 1024})
    assert response.status == 200
    assert response.getheader("transfer-encoding") == "chunked"
    assert response.getheader("request-id", "").startswith("req_")
    raw = response.read().decode()
    frames = [f for f in raw.split("\n\n") if f]
    names = []
    for frame in frames:
        event, data = frame.split("\n")
        assert event.startswith("event: ") and data.startswith("data: ")
        payload = json.loads(data[6:])
        assert payload["type"] == event[7:]
        names.append(payload["type"])
        if payload["type"] == "message_start":
            assert "usage" in payload["message"]
        if payload["type"] == "message_delta":
            assert "usage" in payload and payload["delta"]["stop_reason"] == "end_turn"
    assert names[0] == "message_start" and names[-1] == "message_stop" and "ping" in names
    assert "signature_delta" in raw


def test_http_error_body_and_retry_after(replay: ReplayServer) -> None:
    response = _post(replay, "replay:http_429")
    assert response.status == 429
    assert response.getheader("retry-after-ms") == "10"
    body = json.loads(response.read())
    assert body["type"] == "error" and body["error"]["type"] == "rate_limit_error"
    assert body["request_id"] == response.getheader("request-id")


def test_requests_are_recorded(replay: ReplayServer) -> None:
    _post(replay, "replay:echo recorded").read()
    last = replay.requests[-1]
    assert last.body["messages"][0]["content"] == "replay:echo recorded"
    assert last.headers["x-api-key"] == "k"
