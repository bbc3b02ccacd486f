"""Running a ``map`` call's requests: live or as a batch, off the thread that waits,
with the progress redrawn while it runs and a summary left when it ends."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..core.errors import ClaudeError
from ..core.hearing import Hearing
from .call import Call
from .checkpoint import Checkpoint
from .live import Job, LiveRun
from .pacing import Pacing
from .stats import MapStats

AUTO_LIVE_ROWS = 200
"""``mode="auto"`` sends up to this many rows live without asking how long it would take."""
LONG_MINUTES = 10.0
"""``mode="auto"`` turns to a batch when the live estimate is longer than this."""
ASSUMED_RPM = 50
"""Requests a minute assumed when the API has not said (the lowest tier's limit)."""


class MapRunner:
    """Runs the jobs live or as a batch off the main thread, while the main thread
    shows progress and takes the interrupt."""

    def __init__(
        self,
        call: Call,
        jobs: list[Job],
        checkpoint: Checkpoint,
        stats: MapStats,
        max_retries: int | None,
        concurrency: int,
    ) -> None:
        settings = call.settings
        self.settings, self.request, self.jobs, self.checkpoint, self.stats = (
            settings,
            call.request,
            jobs,
            checkpoint,
            stats,
        )
        records, make = call.table.records, call.make
        self.prompt = lambda position: make(records[position])
        self.max_retries = settings.max_retries if max_retries is None else max_retries
        self.pacing = Pacing(ceiling=concurrency, concurrency=float(min(4, concurrency)))
        self.progress: Any = None
        self.interrupted = False
        self.fatal: str | None = None
        self.batches: list[str] = []
        self.mode = "live"
        self.widgets = False
        self.hearing = Hearing()
        """Set by a call that blocks its cell: its waits dispatch the page's clicks."""

    def show(self, widgets: bool, note: str, *, stop_button: bool) -> None:
        """The progress line in the cell (from the cell's own thread), once the key is
        known to be there: a missing key is said before anything is shown."""
        from .progress import MapProgress

        if self.jobs:
            self._check_key()
        self.stats.note = note
        title = f"claude_nb.map · {self.request['model']}"
        self.widgets = widgets
        stop = self._stop if stop_button else None
        self.progress = MapProgress(self.stats, title, stop, widgets=widgets and bool(self.jobs))

    def go(self, mode: str) -> tuple[str, list[str]]:
        stats = self.stats
        if not self.jobs:
            stats.finished = True
            return "kept", []
        jobs = self.jobs
        asked = {job.h for job in jobs}
        if mode == "auto" and any(asked & set(p.hashes) for p in self.checkpoint.batches):
            mode = "batch"  # a batch of these rows is still running: adopt it
        if mode == "auto" and len(jobs) > AUTO_LIVE_ROWS:
            self._live(jobs[:1])  # one live first: it checks the request and reads the limits
            jobs = jobs[1:]
            rpm = self.pacing.limit_per_minute or ASSUMED_RPM
            mode = "batch" if len(jobs) / rpm > LONG_MINUTES else "live"
        if jobs and not (self.interrupted or self.fatal or stats.stopped):  # a Stop during the probe
            if mode == "batch":
                self._batch(jobs)
            else:
                self._live(jobs)
        stats.ended = time.monotonic()
        stats.finished = True
        return self.mode, self.batches

    def _stop(self) -> None:
        self.stats.stopped = True
        runner = getattr(self, "_runner", None)
        if runner is not None:
            runner.stop()

    def _client(self, cls: type[Any], max_retries: int, connections: int) -> Any:
        """A client of the call's own (closed when its part is done), to the API or, in
        demo mode, to the in-process endpoint."""
        import anthropic

        from ..offline import endpoint as _offline
        from ..wire import client as _client

        settings = self.settings
        timeouts = (settings.connect_timeout, settings.read_timeout)
        if settings.demo:
            return _offline.client(asynchronous=cls is anthropic.AsyncAnthropic, timeouts=timeouts)
        return _client.new_client(cls, settings.base_url, timeouts, max_retries, connections)

    def _check_key(self) -> None:
        from ..wire import client as _client

        if not self.settings.demo:
            _client.require_key()

    def _live(self, jobs: list[Job]) -> None:
        import anthropic

        def make_client() -> Any:
            return self._client(anthropic.AsyncAnthropic, 0, self.pacing.ceiling)

        self.mode = "live"
        runner = LiveRun(
            make_client,
            self.request,
            jobs,
            self.prompt,
            self.checkpoint,
            self.stats,
            max_retries=self.max_retries,
            pacing=self.pacing,
        )
        self._wait(runner)
        self.fatal = self.fatal or runner.fatal

    def _batch(self, jobs: list[Job]) -> None:
        import anthropic

        from .batch import BatchRun

        self.mode = self.stats.mode = "batch"
        client = self._client(anthropic.Anthropic, self.settings.max_retries, 4)
        poll = 0.5 if self.settings.demo else 1.0
        runner = BatchRun(client, self.request, jobs, self.prompt, self.checkpoint, self.stats, poll=poll)
        try:
            self._wait(runner)
        finally:
            client.close()
        self.batches = runner.adopted + runner.created
        self.stats.batch = ""  # the summary names the batches
        self.fatal = self.fatal or runner.fatal

    def _wait(self, runner: Any) -> None:
        self._runner = runner
        self.stats.finished = False
        runner.start()
        try:
            thread = runner.thread
            while thread.is_alive():
                self.hearing.wait(self.progress.interval(), until=lambda: not thread.is_alive())
                self.progress.tick()
        except KeyboardInterrupt:
            self.interrupted = self.stats.stopped = True
            getattr(runner, "detach", runner.stop)()
            runner.thread.join(30)
        self._runner = None

    def finish(self, errors: dict[Any, str]) -> None:
        stats = self.stats
        where = str(self.checkpoint.path.relative_to(Path.cwd())) if _under_cwd(self.checkpoint.path) else ""
        left = stats.total - stats.complete - stats.failed
        text = _summary(stats, errors, self.batches, left, where)
        self.progress.finish(_summary_html(text), text, widgets=self.widgets)
        if self.fatal:
            raise ClaudeError(f"map stopped: {self.fatal}\n{stats.complete:,} of {stats.total:,} rows done and kept.")
        if self.interrupted:
            if self.mode == "batch" and self.batches:
                raise ClaudeError(
                    f"stopped waiting: {stats.complete:,} of {stats.total:,} done; batch {self.batches[-1]} goes on "
                    "at the API; run the same call again to collect it"
                )
            raise ClaudeError(f"stopped: {stats.complete:,} of {stats.total:,} done; run again to finish")


def _under_cwd(path: Path) -> bool:
    try:
        path.relative_to(Path.cwd())
    except ValueError:
        return False
    return True


def _summary(stats: MapStats, errors: dict[Any, str], batches: list[str], left: int, where: str) -> str:
    lines = [stats.line()]
    if stats.note:
        lines.append(stats.note)
    if batches:
        lines.append(f"batch: {', '.join(batches)} (billed at half price)")
    if errors:
        shown = list(errors.items())[:3]
        more = f" (and {len(errors) - 3:,} more)" if len(errors) > 3 else ""
        lines.append("failed: " + "; ".join(f"row {label!r}: {reason}" for label, reason in shown) + more)
    if left > 0:
        lines.append(f"{left:,} not done{' (stopped)' if stats.stopped else ''}: run the same call again to finish")
    if where:
        lines.append(f"answers kept in {where}")
    return "\n".join(lines)


def _summary_html(text: str) -> str:
    import html

    return "<br>".join(html.escape(line) for line in text.splitlines()[1:])
