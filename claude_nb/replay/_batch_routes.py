"""The Message Batches endpoints over HTTP (the store itself is ``_batches``):
``POST /v1/messages/batches`` (create), ``POST …/{id}/cancel``, ``GET /v1/messages/batches``
(list, newest first), ``GET …/{id}`` and ``GET …/{id}/results`` (JSON lines)."""

from __future__ import annotations

import json
import socket
from typing import Any

from ._rules import Rejection, check_headers


def post(self: Any, path: str, recorded: Any) -> None:
    """``POST /v1/messages/batches`` creates one; ``…/{id}/cancel`` cancels it."""
    owner = self.server.owner
    rejection = check_headers(recorded.headers)
    if rejection is not None:
        self._reject(rejection)
        return
    store = owner.batches
    if path.endswith("/cancel"):
        batch = store.get(path.rstrip("/").split("/")[-2])
        if batch is None:
            self._not_found()
            return
        store.cancel(batch)
        self._json(200, store.describe(batch, owner.base_url))
        return
    made = store.create(recorded.body)
    if isinstance(made, Rejection):
        self._reject(made)
        return
    if store.lose_next_create:
        store.lose_next_create = False
        self.connection.shutdown(socket.SHUT_RDWR)  # the batch exists; its answer never arrives
        self.close_connection = True
        return
    self._json(200, store.describe(made, owner.base_url))


def get(self: Any, path: str, headers: dict[str, str]) -> None:
    """List, retrieve, or stream the results (JSONL) of a batch."""
    owner = self.server.owner
    rejection = check_headers(headers)
    if rejection is not None:
        self._reject(rejection)
        return
    store = owner.batches
    if path.endswith("/v1/messages/batches"):
        from urllib.parse import parse_qs, urlsplit

        query = parse_qs(urlsplit(self.path).query)
        limit = int((query.get("limit") or ["20"])[0])
        after = query.get("after_id")
        self._json(200, store.listing(owner.base_url, limit, after[0] if after else None))
        return
    results = path.endswith("/results")
    batch = store.get(path.split("/")[-2] if results else path.split("/")[-1])
    if batch is None:
        self._not_found()
        return
    if not results:
        self._json(200, store.describe(batch, owner.base_url))
        return
    if store.describe(batch, owner.base_url)["processing_status"] != "ended":
        self._reject(Rejection(400, "invalid_request_error", f"batch {batch.id} has not ended; no results yet"))
        return
    _jsonl(self, store.results(batch))


def _jsonl(self: Any, rows: list[dict[str, Any]]) -> None:
    self.send_response(200)
    self.send_header("content-type", "application/binary")
    self.send_header("transfer-encoding", "chunked")
    self.send_header("request-id", self._request_id())
    self.end_headers()
    buffer = b""
    for row in rows:
        buffer += json.dumps(row).encode() + b"\n"
        if len(buffer) > 65536:
            self._chunk(buffer)
            buffer = b""
    if buffer:
        self._chunk(buffer)
    self.wfile.write(b"0\r\n\r\n")
    self.wfile.flush()
