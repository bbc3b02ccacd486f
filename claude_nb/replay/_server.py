"""A loopback HTTP server that answers ``POST /v1/messages`` with scripted SSE.

Real sockets, real chunked transfer encoding, real keep-alive: the SDK under test
talks to it exactly as it would talk to the API. It records every request so
tests can check what was sent (model, system, thinking, messages, headers).
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ._scenarios import pick_scenario
from ._script import Script


class RecordedRequest(dict[str, Any]):
    """A request as received: ``path``, ``headers`` (lower-case names) and ``body``."""

    @property
    def body(self) -> dict[str, Any]:
        return self["body"]  # type: ignore[no-any-return]

    @property
    def headers(self) -> dict[str, str]:
        return self["headers"]  # type: ignore[no-any-return]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"_unparsed": raw.decode("utf-8", "replace")}
        recorded = RecordedRequest(
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        self.server.owner._record(recorded)
        if not self.path.split("?")[0].endswith("/v1/messages"):
            self._json(404, {"type": "error", "error": {"type": "not_found_error", "message": "Not found"}})
            return
        script = self.server.owner._next_script(body)
        if script.error is not None:
            err = script.error
            headers = {}
            if err.retry_after_ms is not None:
                headers["retry-after-ms"] = str(err.retry_after_ms)
            self._json(
                err.status,
                {"type": "error", "error": {"type": err.error_type, "message": err.message}},
                headers,
            )
            return
        self._stream(script)

    def _request_id(self) -> str:
        return "req_" + uuid.uuid4().hex[:24]

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        request_id = self._request_id()
        payload = {**payload, "request_id": request_id}
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", request_id)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _stream(self, script: Script) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("request-id", self._request_id())
        self.end_headers()
        pace = script.pace
        try:
            for step in script.steps:
                if step.kind == "event":
                    frame = f"event: {step.name}\ndata: {json.dumps(step.data)}\n\n"
                    self._chunk(frame.encode())
                    if pace:
                        time.sleep(pace)
                elif step.kind == "raw":
                    self._chunk(step.data)
                elif step.kind == "sleep":
                    self.server.owner._stalled.wait(step.seconds)
                elif step.kind == "drop":
                    # Half a chunk, then a hard close: the client sees the socket die mid-body.
                    self.wfile.write(b"40\r\nevent: content_block_delta\n")
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: ReplayServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (a test closing a stream early) is normal here.
        pass


class ReplayServer:
    """An Anthropic-compatible Messages endpoint on ``127.0.0.1`` at a free port.

    Answers come from ``queue(...)`` in order when queued, otherwise from
    ``chooser(request_body)`` (by default a ``replay:NAME`` tag in the prompt picks
    a scenario). Use as a context manager, or ``start()``/``stop()``.
    """

    def __init__(self, chooser: Callable[[dict[str, Any]], Script] = pick_scenario) -> None:
        self._chooser = chooser
        self._queued: deque[Script] = deque()
        self._lock = threading.Lock()
        self._stalled = threading.Event()
        self.requests: list[RecordedRequest] = []
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def queue(self, *scripts: Script) -> None:
        with self._lock:
            self._queued.extend(scripts)

    def _next_script(self, body: dict[str, Any]) -> Script:
        with self._lock:
            if self._queued:
                return self._queued.popleft()
        return self._chooser(body)

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def start(self) -> ReplayServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="claude-nb-replay", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stalled.set()  # release any stalled stream
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
