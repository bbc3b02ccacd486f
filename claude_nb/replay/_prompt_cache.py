"""The API's prompt cache, as far as a client can see it: what each request reads and
writes, reported in its usage.

A breakpoint caches the prefix of the request up to and including its block (tools,
system, messages, in that order). A later request reads the longest cached prefix
that ends at one of its breakpoints or at one of the 20 blocks before each; what lies
between that and its last breakpoint is written. Prefixes below the model's minimum
(1,024 tokens for most models) are not cached. The cache lives as long as the server.
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

from ._content import units
from ._script import Step

LOOKBACK = 20
MIN_TOKENS = 1024


def _key(block: Any) -> str:
    if isinstance(block, dict):
        block = {k: v for k, v in block.items() if k != "cache_control"}
    return json.dumps(block, sort_keys=True, ensure_ascii=False)


class PromptCache:
    def __init__(self, min_tokens: int = MIN_TOKENS) -> None:
        self.min_tokens = min_tokens
        self._prefixes: set[str] = set()
        self._lock = threading.Lock()

    def account(self, body: dict[str, Any]) -> tuple[int, int]:
        """``(read, written)`` tokens for this request, remembering what it wrote."""
        items = units(body)
        marks = [i for i, (block, _) in enumerate(items) if isinstance(block, dict) and "cache_control" in block]
        if not marks:
            return 0, 0
        digests, totals, running, hasher = [], [], 0, hashlib.sha256()
        for block, tokens in items:
            hasher.update(_key(block).encode())
            digests.append(hasher.hexdigest())
            running += tokens
            totals.append(running)
        candidates = {j for m in marks for j in range(max(0, m - LOOKBACK), m + 1)}
        with self._lock:
            hits = [j for j in candidates if digests[j] in self._prefixes]
            read = totals[max(hits)] if hits else 0
            written = 0
            for m in marks:
                if totals[m] >= self.min_tokens and digests[m] not in self._prefixes:
                    self._prefixes.add(digests[m])
            last = max(marks)
            if totals[last] >= self.min_tokens and totals[last] > read:
                written = totals[last] - read
        return read, written


def with_cache_usage(steps: list[Step], read: int, written: int, total: int) -> list[Step]:
    """The steps with what the prompt cache read and wrote in their usage (and the
    uncached rest as ``input_tokens``, as the API counts it), unless the script
    already says (a scenario that reports its own cache figures)."""
    if not read and not written:
        return steps
    out = []
    for step in steps:
        data: dict[str, Any] = step.data if step.kind == "event" and isinstance(step.data, dict) else {}
        starts = data.get("type") == "message_start"
        holder: dict[str, Any] = data.get("message", {}) if starts else data
        usage = holder.get("usage") if data.get("type") in ("message_start", "message_delta") else None
        if isinstance(usage, dict) and not usage.get("cache_read_input_tokens"):
            usage = {
                **usage,
                "input_tokens": max(1, total - read - written),
                "cache_read_input_tokens": read,
                "cache_creation_input_tokens": written,
            }
            patched = {**data, "message": {**holder, "usage": usage}} if starts else {**data, "usage": usage}
            step = Step(step.kind, step.name, patched, step.seconds)
        out.append(step)
    return out
