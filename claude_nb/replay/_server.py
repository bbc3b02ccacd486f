"""A loopback HTTP server that answers ``POST /v1/messages`` with scripted SSE.

Real sockets, real chunked transfer encoding, real keep-alive: the SDK under test
talks to it exactly as it would talk to the API. It records every request so
tests can check what was sent (model, system, thinking, messages, headers).
"""

from __future__ import annotations

import json
import random
import socket
import sys
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

from ..wire.protocol import NOTE_HEADER
from ._allowed import restrict
from ._batch_routes import get as get_batches
from ._batch_routes import post as post_batches
from ._batches import BatchStore
from ._content import check_content, input_tokens
from ._limits import Limits
from ._models import model_info, model_list
from ._prompt_cache import PromptCache, with_cache_usage
from ._rules import Rejection, check_beta, check_body, check_headers
from ._scenarios import pick_scenario
from ._script import Script, Step, fold_steps, is_text_delta, note_signature
from ._versions import check_version


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
        owner = self.server.owner
        owner._record(recorded)
        path = self.path.split("?")[0]
        if path.endswith("/v1/messages/count_tokens"):
            self._count_tokens(recorded)
            return
        if "/v1/messages/batches" in path:
            post_batches(self, path, recorded)
            return
        if not path.endswith("/v1/messages"):
            self._not_found()
            return
        limits = owner.limits
        if limits is None:
            self._answer(recorded, {})
            return
        admitted, headers = limits.admit()
        if not admitted:
            refusal = {"type": "error", "error": {"type": "rate_limit_error", "message": "Number of requests exceeded"}}
            self._json(429, refusal, headers)
            return
        try:
            self._answer(recorded, headers)
        finally:
            limits.release()

    def _answer(self, recorded: RecordedRequest, limit_headers: dict[str, str]) -> None:
        owner, body = self.server.owner, recorded.body
        rejection = (
            check_headers(recorded.headers)
            or check_beta(recorded.headers, body)
            or check_version(recorded.headers, body)
            or check_content(body)  # the schema is checked before the conversation's rules
            or check_body(body, owner.issued)
            or owner.too_long(body)
        )
        if rejection is not None:
            self._reject(rejection)
            return
        try:
            script = owner._next_script(body)
            read, written = owner.prompt_cache.account(body)
            steps = with_cache_usage(restrict(script.steps, body), read, written, input_tokens(body))
        except Exception as exc:
            # A bug in a scenario is the test's bug: say so loudly, never as a dropped connection.
            traceback.print_exc(file=sys.stderr)
            self._reject(Rejection(500, "api_error", f"loopback scenario failed: {type(exc).__name__}: {exc}"))
            return
        if script.silent:
            owner._stalled.wait(script.silent)
        if script.error is not None:
            err = script.error
            headers = {}
            if err.retry_after_ms is not None:
                headers["retry-after-ms"] = str(err.retry_after_ms)
            self._json(
                err.status,
                {"type": "error", "error": {"type": err.error_type, "message": err.message}},
                {**limit_headers, **headers},
            )
            return
        note = {**limit_headers, **({NOTE_HEADER: quote(script.note)} if script.note else {})}
        if body.get("stream") is True:
            self._stream(steps, script.pace, note)
            return
        folded = fold_steps(steps)
        if isinstance(folded, Rejection):
            self._reject(folded)
        else:
            self._json(200, folded, note)

    def do_GET(self) -> None:
        """The Models API: ``GET /v1/models`` lists models, ``GET /v1/models/{id}`` describes
        one (its context window and capabilities too)."""
        path = self.path.split("?")[0].rstrip("/")
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.owner._record(RecordedRequest(path=self.path, headers=headers, body={}))
        if "/v1/messages/batches" in path:
            get_batches(self, path, headers)
            return
        if not (path.endswith("/v1/models") or "/v1/models/" in path):
            self._not_found()
            return
        rejection = check_headers(headers)
        if rejection is not None:
            self._reject(rejection)
            return
        window = self.server.owner.context_window
        if path.endswith("/v1/models"):
            self._json(200, model_list(window))
            return
        model = path.rsplit("/", 1)[-1]
        info = model_info(model, window)
        if info is None:
            self._reject(Rejection(404, "not_found_error", f"model: {model}"))
            return
        self._json(200, info)

    def _count_tokens(self, recorded: RecordedRequest) -> None:
        """The free token-counting endpoint: the same checks as a request, then the size."""
        body = {**recorded.body, "max_tokens": 10**9}  # it takes no max_tokens
        rejection = (
            check_headers(recorded.headers)
            or check_beta(recorded.headers, body)
            or check_version(recorded.headers, body)
            or check_body(body, self.server.owner.issued)
            or check_content(body)
        )
        if rejection is not None:
            self._reject(rejection)
            return
        owner = self.server.owner
        hold = owner.counting_hold
        if hold is not None:
            with owner._lock:
                owner.counting += 1
            try:
                hold.wait(timeout=10)
            finally:
                with owner._lock:
                    owner.counting -= 1
        self._json(200, {"input_tokens": input_tokens(body)})

    def _not_found(self) -> None:
        self._json(404, {"type": "error", "error": {"type": "not_found_error", "message": "Not found"}})

    def _reject(self, rejection: Rejection) -> None:
        self._json(
            rejection.status, {"type": "error", "error": {"type": rejection.error_type, "message": rejection.message}}
        )

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

    def _stream(self, steps: list[Step], pace: float, headers: dict[str, str]) -> None:
        """Frames go out as the API sends them: at full speed several events share a
        network chunk and an event may be split across two; at a pace each event is
        sent (sometimes in two parts) before the pause."""
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("request-id", self._request_id())
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        rng = random.Random(len(steps))
        pending = b""
        thinking: dict[int, list[str]] = {}
        try:
            for step in steps:
                if step.kind == "event":
                    pending += f"event: {step.name}\ndata: {json.dumps(step.data)}\n\n".encode()
                    if pace or rng.random() < 0.35:
                        pending = self._send_some(pending, rng, keep_tail=not pace)
                    owner = self.server.owner
                    if owner.first_text_sent_at is None and is_text_delta(step.data):
                        owner.first_text_sent_at = time.time()
                    note_signature(step.data, thinking, owner.issued)
                    if pace:
                        time.sleep(pace)
                    continue
                if pending:
                    self._chunk(pending)
                    pending = b""
                if step.kind == "raw":
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
            if pending:
                self._chunk(pending)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _send_some(self, pending: bytes, rng: random.Random, *, keep_tail: bool) -> bytes:
        """Send ``pending``, now and then in two chunks; with ``keep_tail`` the second
        part waits for the next send, so an event straddles two network writes."""
        if len(pending) > 16 and rng.random() < 0.3:
            cut = rng.randrange(1, len(pending))
            self._chunk(pending[:cut])
            if keep_tail:
                return pending[cut:]
            self._chunk(pending[cut:])
            return b""
        self._chunk(pending)
        return b""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: ReplayServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (a test closing a stream early) is normal here;
        # anything else is a bug in the server and is shown.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, TimeoutError)):
            return
        super().handle_error(request, client_address)


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
        self.issued: dict[str, str] = {}
        """Signatures of the thinking blocks streamed so far, with their text."""
        self.context_window = 200_000
        """The context window the Models API reports, and over which a request is refused."""
        self.prompt_cache = PromptCache()
        self.counting_hold: threading.Event | None = None
        """When set to an Event, the counting endpoint waits for it (at most 10 s) before
        answering, and ``counting`` says how many answers are waiting: a test can see
        what a client does meanwhile."""
        self.counting = 0
        self.limits: Limits | None = None
        """Rate limits applied to ``POST /v1/messages`` (None: none): requests a minute,
        requests in flight, 429 with ``retry-after`` beyond them."""
        self.batches = BatchStore(self._batch_answer, self._batch_check, fold_steps)
        """The Message Batches this server has made (``batches.seconds``: how long each takes)."""
        self.first_text_sent_at: float | None = None
        """Wall-clock time the first text delta went out (set it to None to measure again):
        the browser benchmark measures from here to the first paint."""
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

    def clear(self) -> None:
        """Forget the scripts queued and not yet asked for."""
        with self._lock:
            self._queued.clear()

    def _next_script(self, body: dict[str, Any]) -> Script:
        with self._lock:
            if self._queued:
                return self._queued.popleft()
        return self._chooser(body)

    def _batch_answer(self, params: dict[str, Any]) -> Script:
        script = self._next_script(params)
        return Script(steps=restrict(script.steps, params), error=script.error)

    def _batch_check(self, params: dict[str, Any]) -> Rejection | None:
        return check_content(params) or check_body(params, self.issued) or self.too_long(params)

    def too_long(self, body: dict[str, Any]) -> Rejection | None:
        tokens = input_tokens(body)
        if tokens > self.context_window:
            return Rejection(
                400, "invalid_request_error", f"prompt is too long: {tokens} tokens > {self.context_window} maximum"
            )
        return None

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
