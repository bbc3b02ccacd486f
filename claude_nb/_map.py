"""``claude_nb.map``: one prompt template asked of every row of a table.

Rows answered already (by this call before an interrupt, or in another kernel) are
read from the checkpoint and not sent again; the rest go live (many at once, paced
to the API's limits) or as a Message Batch (half price, minutes to hours). The
answers come back in the input's shape; a row that failed for good is missing
(NA), with its reason in ``last_map().errors``; failures of rows never raise.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._checkpoint import Checkpoint
from ._errors import ClaudeError
from ._map_live import Job, LiveRun
from ._map_stats import MapStats
from ._pacing import Pacing
from ._rows import Rows, Template, digest, prompt_maker, prompts, read_rows, shaped

MODES = ("auto", "live", "batch")
AUTO_LIVE_ROWS = 200
"""``mode="auto"`` sends up to this many rows live without asking how long it would take."""
LONG_MINUTES = 10.0
"""``mode="auto"`` turns to a batch when the live estimate is longer than this."""
ASSUMED_RPM = 50
"""Requests a minute assumed when the API has not said (the lowest tier's limit)."""

DEMO_NOTE = "demo mode: each answer made by the loopback from its own row, not by Claude (no API key used)"

_last: MapRun | None = None


@dataclass
class MapRun:
    """What the last ``map`` call did: its ``result``, each failed row's reason
    (``errors``: index label → reason), the counts, the checkpoint file and batches."""

    result: Any
    errors: dict[Any, str]
    stats: MapStats
    path: Path
    mode: str
    batches: list[str] = field(default_factory=list)
    note: str = ""

    def __repr__(self) -> str:
        return f"<claude_nb map, {self.mode}: {self.stats.line()}; checkpoint {self.path}>"


def last_map() -> MapRun | None:
    """The most recent ``map`` call in this kernel (its result, errors and counts)."""
    return _last


def map(  # noqa: A001 - the name says what it does, as the builtin's does
    template: Template,
    rows: Any,
    *,
    schema: Any = None,
    mode: str = "auto",
    model: str | None = None,
    system: str | None = None,
    max_tokens: int | None = None,
    thinking: str | int | None = None,
    effort: str | None = None,
    concurrency: int = 64,
    max_retries: int | None = None,
    retry_failed: bool = False,
    folder: str | Path | None = None,
    **params: Any,
) -> Any:
    """Ask ``template`` of every row of ``rows``; the answers in the input's shape.

    ``template``: a string with ``{column}`` references (as in ``%%claude``), or a
    function of a row (a dict) returning the prompt. ``rows``: a pandas or polars
    DataFrame or Series, or a list of dicts or strings. Returns a Series aligned with
    the input's index (polars in, polars out); with ``schema`` (a pydantic model or a
    JSON-schema dict, sent as ``output_config.format``) a DataFrame with one column per
    field. A row that failed is missing; ``last_map().errors`` says why.

    ``mode``: "live" (many requests at once, within the rate limits; at most
    ``concurrency`` in flight), "batch" (the Message Batches API: half price, results
    within 24 hours) or "auto" (live, unless the live estimate is over ten minutes).
    Answers are kept in ``.claude_nb/`` (or ``folder``) as they arrive: the same call
    again, in this kernel or a new one, sends only the rows still missing (and rows
    refused for good only with ``retry_failed``). The other keywords are request
    options (``model``, ``system``, ``max_tokens``, ``thinking``, ``effort``, ...).
    """
    global _last
    from ._api import has_widget_frontend

    if mode not in MODES:
        raise ClaudeError(f"mode takes one of {', '.join(MODES)}, not {mode!r}")
    if concurrency < 1:
        raise ClaudeError("concurrency needs a number of requests, 1 or more")
    options = {"model": model, "max_tokens": max_tokens, "system": system, "thinking": thinking, "effort": effort}
    call = prepare_call(template, rows, schema, options, params)
    header = {"model": call.request["model"], "template": _template_id(template)[:300], "rows": len(call.table)}
    checkpoint = Checkpoint.open(call.key, header, folder)
    try:
        jobs, stats = _plan(call.hashes, checkpoint, retry_failed)
        note = "; ".join(n for n in (call.note, DEMO_NOTE if call.settings.demo else "") if n)
        run = _Run(call, jobs, checkpoint, stats, max_retries, concurrency)
        used, batches = run.go(mode, has_widget_frontend(), note)
    finally:
        checkpoint.close()
    result, errors = _collect(call.table, call.hashes, checkpoint, call.fields, schema)
    _last = MapRun(result, errors, stats, checkpoint.path, used, batches, note)
    run.finish(errors)
    return result


@dataclass
class Call:
    """A call made ready: the rows, their prompts' hashes, the request without its
    messages, and the key its checkpoint is filed under."""

    settings: Any
    table: Rows
    make: Any
    request: dict[str, Any]
    note: str
    fields: list[str] | None
    hashes: list[str]
    key: str


def prepare_call(template: Template, rows: Any, schema: Any, options: dict[str, Any], params: dict[str, Any]) -> Call:
    """Everything ``map`` knows before it sends anything (and all a checkpoint needs)."""
    from ._api import current_settings
    from ._request import build_params, without_sampling

    settings = current_settings()
    table = read_rows(rows)
    make = prompt_maker(template, table)
    request = build_params(settings, [], extra=params, **options)
    request, note = without_sampling(request)
    request.pop("messages", None)
    fields = None
    if schema is not None:
        from ._schema import is_schema, with_format

        if not is_schema(schema):
            raise ClaudeError("schema takes a pydantic model or a JSON-schema dict")
        request = with_format(request, schema)
        fields = schema_fields(schema)
    hashes = [digest(p) for p in prompts(make, table)]
    key = digest(json.dumps({"template": _template_id(template), "request": request}, sort_keys=True, default=str))
    return Call(settings, table, make, request, note, fields, hashes, key)


def schema_fields(schema: Any) -> list[str]:
    """The columns a schema's answers fill: a model's fields or a dict's properties."""
    fields = getattr(schema, "model_fields", None)
    if isinstance(fields, Mapping):
        return list(fields)
    props = schema.get("properties") if isinstance(schema, Mapping) else None
    if not isinstance(props, Mapping) or not props:
        raise ClaudeError("schema needs properties (an object schema): they become the result's columns")
    return list(props)


def _template_id(template: Template) -> str:
    if isinstance(template, str):
        return template
    return f"{getattr(template, '__module__', '')}.{getattr(template, '__qualname__', repr(template))}"


def _plan(hashes: list[str], checkpoint: Checkpoint, retry_failed: bool) -> tuple[list[Job], MapStats]:
    """The rows to send (one request per distinct prompt) and the counts so far."""
    stats = MapStats(total=len(hashes))
    first: dict[str, int] = {}
    weight: dict[str, int] = {}
    for position, h in enumerate(hashes):
        if h in checkpoint.answers:
            stats.kept += 1
            continue
        failure = checkpoint.failures.get(h)
        if failure is not None and failure.final and not retry_failed:
            stats.failed += 1
            continue
        if h in first:
            weight[h] = weight.get(h, 1) + 1
        else:
            first[h] = position
    stats.weights = weight
    return [Job(0.0, position, h) for h, position in first.items()], stats


def _collect(
    table: Rows, hashes: list[str], checkpoint: Checkpoint, fields: list[str] | None, schema: Any
) -> tuple[Any, dict[Any, str]]:
    values: list[Any] = []
    errors: dict[Any, str] = {}
    labels = list(table.index) if table.index is not None else None
    parsed: dict[str, Any] = {}
    for position, h in enumerate(hashes):
        label = labels[position] if labels is not None else position
        answer = checkpoint.answers.get(h)
        if answer is None:
            failure = checkpoint.failures.get(h)
            if failure is not None:
                errors[label] = failure.reason
            values.append(None)
            continue
        if fields is None:
            values.append(answer)
            continue
        if h not in parsed:
            parsed[h] = _parse(answer, schema)
        value = parsed[h]
        if isinstance(value, str):
            errors[label] = value
            values.append(None)
        else:
            values.append(value)
    return shaped(table, values, fields), errors


def _parse(text: str, schema: Any) -> dict[str, Any] | str:
    """The answer as a dict of fields, or the reason it is not one."""
    try:
        data = json.loads(text)
        if hasattr(schema, "model_validate"):
            data = schema.model_validate(data).model_dump()
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"the answer is not JSON of the schema: {first}"
    return data if isinstance(data, dict) else "the answer is not a JSON object"


class _Run:
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

    def go(self, mode: str, widgets: bool, note: str) -> tuple[str, list[str]]:
        from ._map_progress import MapProgress

        stats = self.stats
        stats.note = note
        title = f"claude_nb.map · {self.request['model']}"
        self.widgets = widgets
        self.progress = MapProgress(stats, title, self._stop, widgets=widgets and bool(self.jobs))
        if not self.jobs:
            stats.finished = True
            return "kept", []
        jobs = self.jobs
        if mode == "auto" and self.checkpoint.batches:
            mode = "batch"  # a batch of this call is still running: adopt it
        if mode == "auto" and len(jobs) > AUTO_LIVE_ROWS:
            self._live(jobs[:1])  # one live first: it checks the request and reads the limits
            jobs = jobs[1:]
            rpm = self.pacing.limit_per_minute or ASSUMED_RPM
            mode = "batch" if len(jobs) / rpm > LONG_MINUTES else "live"
        if jobs and not self.interrupted and not self.fatal:
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

    def _client_kwargs(self) -> dict[str, Any]:
        import anthropic

        from . import _client, _offline

        kwargs: dict[str, Any] = {
            "timeout": anthropic.Timeout(self.settings.read_timeout, connect=self.settings.connect_timeout)
        }
        if self.settings.demo:
            return {**kwargs, "api_key": _offline.PLACEHOLDER_KEY, "base_url": _offline.endpoint().base_url}
        _client.require_key()
        if _client.memory_key():
            kwargs["api_key"] = _client.memory_key()
        if self.settings.base_url:
            kwargs["base_url"] = self.settings.base_url
        return kwargs

    def _live(self, jobs: list[Job]) -> None:
        import anthropic

        kwargs = self._client_kwargs()
        connections = self.pacing.ceiling

        def make_client() -> Any:
            from ._client import pool_limits

            limits = pool_limits(connections)
            pooled = dict(kwargs)
            if limits is not None:
                pooled["http_client"] = anthropic.DefaultAsyncHttpxClient(limits=limits)
            return anthropic.AsyncAnthropic(max_retries=0, **pooled)

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

        from ._map_batch import BatchRun

        self.mode = self.stats.mode = "batch"
        client = anthropic.Anthropic(max_retries=self.settings.max_retries, **self._client_kwargs())
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
        from ._map_progress import INTERVAL

        self._runner = runner
        self.stats.finished = False
        runner.start()
        try:
            while runner.thread.is_alive():
                runner.thread.join(INTERVAL)
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
