"""Batch mode of ``map``: the rows go to the Message Batches API (half the price, its
own limits, results within a day, most within an hour), the progress polls it with
growing pauses, and the results (which come in any order) are joined back by
``custom_id``.

Nothing is created twice: before ``create`` the checkpoint gets the batch's rows
(request ``r{k}`` is the prompt ``hashes[k]``), after it the batch id. The same call
later (a new kernel too) adopts an unfinished batch instead of making another; when
``create``'s answer was lost, recent batches are listed and one of the same size made
since is taken as ours. Rows that ``errored`` for a reason a retry can fix, that
``expired`` or were ``canceled`` are sent once more in a second batch.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

from ..core.errors import redact
from ..wire.retry import NOT_RESUMABLE
from .checkpoint import Checkpoint, PendingBatch
from .live import Job
from .stats import MapStats

MAX_REQUESTS = 100_000
MAX_BYTES = 200 * 1024 * 1024
"""Under the API's 256 MB per batch, for the JSON around each request."""


class BatchRun:
    def __init__(
        self,
        client: Any,
        params: Mapping[str, Any],
        jobs: list[Job],
        prompt: Callable[[int], str],
        checkpoint: Checkpoint,
        stats: MapStats,
        *,
        poll: float = 1.0,
        max_poll: float = 60.0,
    ) -> None:
        self._client, self._params, self._jobs, self._prompt = client, dict(params), jobs, prompt
        self._checkpoint, self.stats = checkpoint, stats
        self._poll, self._max_poll = poll, max_poll
        self._stop = threading.Event()
        self._detached = False
        self._position = {job.h: job.position for job in jobs}
        self.created: list[str] = []
        self.adopted: list[str] = []
        self.fatal: str | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._main, name="claude-nb-batch", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Cancel the batches (the Stop button): what was done is still collected by the
        same call later."""
        self._stop.set()

    def detach(self) -> None:
        """Stop waiting, and leave the batches running at the API (an interrupt)."""
        self._detached = True
        self._stop.set()

    def _main(self) -> None:
        try:
            self.run()
        except Exception as exc:
            self.fatal = redact(f"{type(exc).__name__}: {exc}".splitlines()[0])[:300]
        finally:
            self.stats.finished = True

    def run(self) -> None:
        active: list[PendingBatch] = []
        covered: set[str] = set()
        for pending in list(self._checkpoint.batches):
            if not self._position.keys() & set(pending.hashes):
                continue  # a batch of the same template for other rows: left to its own call
            if pending.batch_id is None and not self._match(pending):
                continue  # nothing was made: its rows go in a new batch
            active.append(pending)
            self.adopted.append(str(pending.batch_id))
            covered.update(pending.hashes)
        todo = [job for job in self._jobs if job.h not in covered]
        active += self._create([job.h for job in todo])
        again = [h for h in self._collect(active) if h in self._position]
        if again and not self._stop.is_set():
            later = self._collect(self._create(again))
            for h in later:
                self._checkpoint.failed(self._position.get(h, -1), h, "not answered in two batches", "expired", False)
                self.stats.failed_row(h)

    def _requests(self, hashes: list[str]) -> list[dict[str, Any]]:
        return [
            {
                "custom_id": f"r{k}",
                "params": {**self._params, "messages": [{"role": "user", "content": self._prompt(self._position[h])}]},
            }
            for k, h in enumerate(hashes)
        ]

    def _create(self, hashes: list[str]) -> list[PendingBatch]:
        made: list[PendingBatch] = []
        base = len(json.dumps(self._params)) + 100
        for chunk in _chunks(hashes, lambda h: base + 2 * len(self._prompt(self._position[h]))):
            if self._stop.is_set():
                break
            requests = self._requests(chunk)
            pending = self._checkpoint.batch_intent(chunk)
            self.stats.batch = f"creating a batch of {len(chunk):,} requests"
            batch_id = self._send_create(requests, pending)
            self._checkpoint.batch_created(pending, batch_id)
            self.created.append(batch_id)
            made.append(pending)
        return made

    def _send_create(self, requests: list[dict[str, Any]], pending: PendingBatch) -> str:
        """``create``, not retried blindly: there is no idempotency key, so after a lost
        answer the batch may exist; look for it before sending again."""
        import anthropic

        for attempt in range(3):
            try:
                batch = self._client.with_options(max_retries=0).messages.batches.create(requests=requests)
                return str(batch.id)
            except anthropic.APIStatusError as exc:
                if exc.status_code < 500 and exc.status_code not in (408, 409, 429):
                    raise
            except anthropic.APIConnectionError:
                pass
            if self._match(pending):
                return str(pending.batch_id)
            self._stop.wait(2.0 * (attempt + 1))
        raise RuntimeError("the batch could not be created (no answer from the API three times)")

    def _match(self, pending: PendingBatch) -> bool:
        """Find the batch ``pending`` made when its id was never heard: one of its size,
        created since just before the intent was written, not one we know."""
        known = {b.batch_id for b in self._checkpoint.batches if b.batch_id} | set(self.created)
        found = []
        for batch in self._client.messages.batches.list(limit=100):
            made = batch.created_at.timestamp()
            if made < pending.intent_at - 120:
                break  # newest first: the rest are older
            counts = batch.request_counts
            size = counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired
            # A batch in progress counts its requests as processing; an endpoint that
            # shows zeros until the end leaves the size unknown, and time decides.
            fits = size == pending.count or (size == 0 and batch.processing_status != "ended")
            if fits and batch.id not in known and made >= pending.intent_at - 60:
                found.append(batch.id)
        if len(found) != 1:
            return False
        pending.batch_id = found[0]
        self._checkpoint.batch_created(pending, found[0])
        return True

    def _collect(self, batches: list[PendingBatch]) -> list[str]:
        """Wait for each batch to end and take its results; the hashes to send again."""
        again: list[str] = []
        for pending in batches:
            batch_id = str(pending.batch_id)
            if not self._wait(batch_id):
                return []
            again += self._results(pending)
            self._checkpoint.batch_ended(batch_id)
        return again

    def _wait(self, batch_id: str) -> bool:
        pause = self._poll
        while True:
            if self._stop.is_set():
                if not self._detached:
                    self._client.messages.batches.cancel(batch_id)
                    self.stats.batch = f"{batch_id} canceled"
                return False
            batch = self._client.messages.batches.retrieve(batch_id)
            if batch.processing_status == "ended":
                return True
            self.stats.batch = f"{batch_id} {batch.processing_status.replace('_', ' ')}"
            self._stop.wait(pause)
            pause = min(self._max_poll, pause * 1.5)

    def _results(self, pending: PendingBatch) -> list[str]:
        again: list[str] = []
        self.stats.batch = f"{pending.batch_id} ended; reading results"
        for item in self._client.messages.batches.results(str(pending.batch_id)):
            k = int(item.custom_id[1:])
            h = pending.hashes[k]
            position = self._position.get(h, -1)
            result = item.result
            if h in self._checkpoint.answers:
                continue  # answered already (a batch adopted after its rows were sent again)
            if result.type == "succeeded":
                message = result.message
                text = "".join(getattr(b, "text", "") for b in message.content if b.type == "text")
                usage = message.usage
                tokens_in = usage.input_tokens + (usage.cache_read_input_tokens or 0)
                self._checkpoint.answered(position, h, text, tokens_in, usage.output_tokens, message.stop_reason)
                self.stats.answered(h, tokens_in, usage.output_tokens)
            elif result.type == "errored":
                error = result.error.error
                kind = str(getattr(error, "type", "api_error"))
                if kind in NOT_RESUMABLE:
                    message = redact(f"{kind}: {getattr(error, 'message', '')}")[:300]
                    self._checkpoint.failed(position, h, message, kind, True)
                    self.stats.failed_row(h)
                else:
                    again.append(h)
            else:  # expired, canceled
                again.append(h)
        self.stats.batch = f"{pending.batch_id} ended"
        return again


def _chunks(hashes: list[str], size: Callable[[str], int]) -> list[list[str]]:
    out: list[list[str]] = []
    current: list[str] = []
    total = 0
    for h in hashes:
        n = size(h)
        if current and (len(current) >= MAX_REQUESTS or total + n > MAX_BYTES):
            out.append(current)
            current, total = [], 0
        current.append(h)
        total += n
    if current:
        out.append(current)
    return out
