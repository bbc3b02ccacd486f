"""The Message Batches API as the loopback serves it: create, retrieve, list, cancel,
and the results as JSONL in shuffled order once the batch has ended.

As documented: ``custom_id`` must match ``^[a-zA-Z0-9_-]{1,64}$`` and be unique in the
batch; at most 100,000 requests; requests are checked only when processed (a bad
one ends ``errored`` with ``invalid_request_error``, the batch is still created);
``request_counts`` hold every request as ``processing`` until the batch ends.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ._rules import Rejection
from ._script import Script

_CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
MAX_REQUESTS = 100_000


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Batch:
    def __init__(self, requests: list[dict[str, Any]], seconds: float) -> None:
        self.id = "msgbatch_" + uuid.uuid4().hex[:24]
        self.requests = requests
        self.created = time.time()
        self.ends = self.created + seconds
        self.canceled_at: float | None = None
        self.results: list[dict[str, Any]] | None = None


class BatchStore:
    """Every batch created on one server. ``seconds``: how long processing takes;
    ``answer(params) -> Script`` gives each request's result; ``check(params)`` the
    Rejection a request gets when it is processed, if any."""

    def __init__(
        self,
        answer: Callable[[dict[str, Any]], Script],
        check: Callable[[dict[str, Any]], Rejection | None],
        fold: Callable[[list[Any]], Any],
    ) -> None:
        self.seconds = 0.5
        self.created: list[Batch] = []
        self.lose_next_create = False
        """Make the next create's answer never arrive (the batch is made all the same),
        as when a connection drops after the API took the request."""
        self._answer, self._check, self._fold = answer, check, fold
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def create(self, body: dict[str, Any]) -> Batch | Rejection:
        requests = body.get("requests")
        if not isinstance(requests, list) or not requests:
            return Rejection(400, "invalid_request_error", "requests: Field required")
        if len(requests) > MAX_REQUESTS:
            return Rejection(413, "request_too_large", f"requests: at most {MAX_REQUESTS:,} requests per batch")
        ids: set[str] = set()
        for i, item in enumerate(requests):
            cid = item.get("custom_id") if isinstance(item, dict) else None
            if not isinstance(cid, str) or not _CUSTOM_ID.match(cid):
                return Rejection(400, "invalid_request_error", f"requests.{i}.custom_id: String should match pattern")
            if cid in ids:
                return Rejection(400, "invalid_request_error", f"requests.{i}.custom_id: duplicate custom_id {cid!r}")
            ids.add(cid)
            params = item.get("params")
            if not isinstance(params, dict) or "stream" in params:
                return Rejection(400, "invalid_request_error", f"requests.{i}.params: a Messages request, no stream")
        batch = Batch(requests, self.seconds)
        with self._lock:
            self.created.append(batch)
        return batch

    def get(self, batch_id: str) -> Batch | None:
        with self._lock:
            return next((b for b in self.created if b.id == batch_id), None)

    def cancel(self, batch: Batch) -> None:
        if batch.canceled_at is None and not self._ended(batch):
            batch.canceled_at = time.time()
            batch.ends = min(batch.ends, batch.canceled_at + 0.1)

    def _ended(self, batch: Batch) -> bool:
        return time.time() >= batch.ends

    def describe(self, batch: Batch, base_url: str) -> dict[str, Any]:
        ended = self._ended(batch)
        counts = dict.fromkeys(("processing", "succeeded", "errored", "canceled", "expired"), 0)
        if ended:
            for result in self.results(batch):
                counts[result["result"]["type"]] += 1
        else:
            counts["processing"] = len(batch.requests)
        status = "ended" if ended else "canceling" if batch.canceled_at else "in_progress"
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": status,
            "request_counts": counts,
            "created_at": _iso(batch.created),
            "expires_at": _iso(batch.created + 86_400),
            "ended_at": _iso(batch.ends) if ended else None,
            "cancel_initiated_at": _iso(batch.canceled_at) if batch.canceled_at else None,
            "archived_at": None,
            "results_url": f"{base_url}/v1/messages/batches/{batch.id}/results" if ended else None,
        }

    def listing(self, base_url: str, limit: int, after_id: str | None) -> dict[str, Any]:
        with self._lock:
            newest = list(reversed(self.created))
        if after_id:
            ids = [b.id for b in newest]
            newest = newest[ids.index(after_id) + 1 :] if after_id in ids else []
        page = newest[:limit]
        return {
            "data": [self.describe(b, base_url) for b in page],
            "has_more": len(newest) > limit,
            "first_id": page[0].id if page else None,
            "last_id": page[-1].id if page else None,
        }

    def results(self, batch: Batch) -> list[dict[str, Any]]:
        with self._lock:
            if batch.results is None:
                batch.results = [self._result(item, batch) for item in batch.requests]
                random.Random(batch.id).shuffle(batch.results)
            return batch.results

    def _result(self, item: dict[str, Any], batch: Batch) -> dict[str, Any]:
        cid, params = item["custom_id"], item["params"]
        if batch.canceled_at is not None:
            return {"custom_id": cid, "result": {"type": "canceled"}}
        text = json.dumps(params.get("messages", [])[-1:])
        tags = ("replay:error-once", "replay:expire-once")
        once = [tag for tag in tags if tag in text and tag + text not in self._seen]
        if once:
            self._seen.add(once[0] + text)
            if once[0] == "replay:expire-once":
                return {"custom_id": cid, "result": {"type": "expired"}}
            return {"custom_id": cid, "result": _errored("api_error", "Internal server error")}
        rejection = self._check(params)
        if rejection is not None:
            return {"custom_id": cid, "result": _errored(rejection.error_type, rejection.message)}
        script = self._answer(params)
        if script.error is not None:
            return {"custom_id": cid, "result": _errored(script.error.error_type, script.error.message)}
        message = self._fold(script.steps)
        if isinstance(message, Rejection):
            return {"custom_id": cid, "result": _errored(message.error_type, message.message)}
        return {"custom_id": cid, "result": {"type": "succeeded", "message": message}}


def _errored(kind: str, message: str) -> dict[str, Any]:
    return {"type": "errored", "error": {"type": "error", "error": {"type": kind, "message": message}}}
