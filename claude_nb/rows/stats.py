"""Where a ``map`` call stands, as plain numbers (written by the worker thread, read
by the progress view), and how to say it in one line."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class MapStats:
    total: int
    """Rows in the call."""
    kept: int = 0
    """Rows answered by an earlier run of the same call (from the checkpoint)."""
    done: int = 0
    failed: int = 0
    retrying: int = 0
    in_flight: int = 0
    refused: int = 0
    """429s met (each was retried after the wait the API asked for)."""
    tokens_in: int = 0
    tokens_out: int = 0
    mode: str = "live"
    batch: str = ""
    """What the batch is doing, e.g. "msgbatch_… in progress"."""
    note: str = ""
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    finished: bool = False
    stopped: bool = False
    weights: dict[str, int] = field(default_factory=dict)
    """Prompts asked by more than one row, and by how many (one request answers all)."""

    def answered(self, h: str, tokens_in: int, tokens_out: int) -> None:
        self.done += self.weights.get(h, 1)
        self.tokens_in += tokens_in
        self.tokens_out += tokens_out

    def failed_row(self, h: str) -> None:
        self.failed += self.weights.get(h, 1)

    @property
    def elapsed(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    @property
    def complete(self) -> int:
        return self.kept + self.done

    def eta(self) -> float | None:
        """Seconds left at the pace so far (None until there is a pace)."""
        left = self.total - self.complete - self.failed
        if self.done < 3 or left <= 0 or self.mode == "batch":
            return None
        return left * self.elapsed / self.done

    def line(self) -> str:
        parts = [f"{self.complete:,} of {self.total:,} done"]
        if self.kept:
            parts[0] += f" ({self.kept:,} from an earlier run)"
        if self.failed:
            parts.append(f"{self.failed:,} failed")
        if self.retrying:
            parts.append(f"{self.retrying:,} retrying")
        if self.in_flight and not self.finished:
            parts.append(f"{self.in_flight:,} in flight")
        if self.refused:
            parts.append(f"{self.refused:,} rate-limited (429) and retried")
        if self.tokens_in or self.tokens_out:
            parts.append(f"{self.tokens_in:,} in / {self.tokens_out:,} out tokens")
        if self.batch:
            parts.append(self.batch)
        parts.append(_clock(self.elapsed))
        eta = None if self.finished else self.eta()
        if eta is not None:
            parts.append(f"about {_clock(eta)} left")
        return " · ".join(parts)


def _clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {sec:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
