"""What a ``map`` call has received so far, on disk: an append-only JSON-lines file in
``.claude_nb/`` under the working directory, one per call (its options and template),
so an interrupted call, or the same call in a new kernel, sends only what is missing.

Lines (compact JSON, one write each, so a killed kernel leaves at most one cut line,
which is skipped):

- ``{"call": KEY, "model": ..., "template": ..., "created": ...}`` first;
- ``{"i": POSITION, "h": HASH, "a": ANSWER, "u": [IN, OUT], "s": STOP}`` an answered row;
- ``{"i": ..., "h": ..., "e": REASON, "t": ERROR_TYPE, "final": BOOL}`` a failed one
  (``final``: sending it again cannot help, the request itself was refused);
- ``{"intent": TIME, "hashes": [...]}`` before a batch is created (request ``r{k}`` of
  the batch is the prompt ``hashes[k]``), ``{"batch": ID}`` once it is, ``{"ended": ID}``
  when its results are in.

``HASH`` is the hash of the row's prompt: an answer belongs to a prompt, wherever
the row sits. The key is never written (nor anything from the request's headers).
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

FOLDER = ".claude_nb"


@dataclass(slots=True)
class Failure:
    reason: str
    kind: str
    final: bool


@dataclass
class PendingBatch:
    batch_id: str | None
    count: int
    hashes: list[str]
    intent_at: float


@dataclass
class Checkpoint:
    path: Path
    answers: dict[str, str] = field(default_factory=dict)
    """Each answered prompt's hash → the answer's text; nothing else is kept in memory
    (tokens and stop reasons stay in the file), so 100,000 rows take a few megabytes."""
    failures: dict[str, Failure] = field(default_factory=dict)
    batches: list[PendingBatch] = field(default_factory=list)
    _file: IO[str] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, key: str, header: dict[str, Any], folder: str | os.PathLike[str] | None = None) -> Checkpoint:
        """The call's file, read back when it exists (answers, failures, batches)."""
        root = Path(folder) if folder is not None else Path.cwd() / FOLDER
        root.mkdir(parents=True, exist_ok=True)
        path = root / f"map-{key}.jsonl"
        point = cls(path)
        if path.exists():
            point._read()
        point._file = path.open("a", encoding="utf-8")
        if not path.stat().st_size:
            point._write({"call": key, **header, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        return point

    def _read(self) -> None:
        answers, failures = self.answers, self.failures
        batches: dict[str, PendingBatch] = {}
        intent: PendingBatch | None = None
        with self.path.open(encoding="utf-8") as lines:
            for line in lines:
                try:
                    row = json.loads(line)
                except ValueError:
                    continue  # a line cut by a killed kernel
                h = row.get("h")
                if h is not None:
                    if "a" in row:
                        answers[h] = row["a"]
                        failures.pop(h, None)
                    elif h not in answers:
                        failures[h] = Failure(row.get("e", ""), row.get("t", ""), bool(row.get("final")))
                elif "intent" in row:
                    hashes = list(row.get("hashes") or [])
                    intent = PendingBatch(None, len(hashes), hashes, float(row["intent"]))
                elif "batch" in row and intent is not None:
                    intent.batch_id = row["batch"]
                    batches[row["batch"]] = intent
                    intent = None
                elif "ended" in row:
                    batches.pop(row["ended"], None)
        self.batches = list(batches.values())
        if intent is not None:  # created, maybe, but its id never written
            self.batches.append(intent)

    def _write(self, row: dict[str, Any]) -> None:
        line = json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            assert self._file is not None
            self._file.write(line)
            self._file.flush()

    def answered(self, position: int, h: str, text: str, tokens_in: int, tokens_out: int, stop: str | None) -> None:
        self.answers[h] = text
        self.failures.pop(h, None)
        self._write({"i": position, "h": h, "a": text, "u": [tokens_in, tokens_out], "s": stop})

    def failed(self, position: int, h: str, reason: str, kind: str, final: bool) -> None:
        self.failures[h] = Failure(reason, kind, final)
        self._write({"i": position, "h": h, "e": reason, "t": kind, "final": final})

    def batch_intent(self, hashes: list[str]) -> PendingBatch:
        """Written before ``create``: if its answer is lost (or the kernel dies), the
        next run looks for a batch of this size made after this time."""
        pending = PendingBatch(None, len(hashes), hashes, time.time())
        self._write({"intent": pending.intent_at, "hashes": hashes})
        return pending

    def batch_created(self, pending: PendingBatch, batch_id: str) -> None:
        pending.batch_id = batch_id
        self._write({"batch": batch_id})

    def batch_ended(self, batch_id: str) -> None:
        self._write({"ended": batch_id})

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
